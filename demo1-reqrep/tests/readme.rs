//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (common::readme).

common::readme_test!(package: "demo1-reqrep", default: "demo1-server",
    bins: ["demo1-server", "demo1-client"], ports: [5555]);
