//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (common::readme).

common::readme_test!(package: "zerorpc-framework", default: "zerorpc-server",
    bins: ["zerorpc-server", "zerorpc-client"], ports: [4242]);
