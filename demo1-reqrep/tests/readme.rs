//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme).

test_support::readme_test!(package: "demo1-reqrep", default: "demo1-server",
    bins: ["demo1-server", "demo1-client"], ports: [5555]);
