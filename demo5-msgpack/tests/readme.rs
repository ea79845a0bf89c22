//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme).

test_support::readme_test!(package: "demo5-msgpack", default: "demo5-server",
    bins: ["demo5-server", "demo5-client"], ports: [5555]);
