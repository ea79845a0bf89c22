//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme).

test_support::readme_test!(package: "demo6-rpc-server", default: "demo6-server",
    bins: ["demo6-server", "demo6-client"], ports: [5555]);
