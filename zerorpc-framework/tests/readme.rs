//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme).

test_support::readme_test!(package: "zerorpc-framework", default: "zerorpc-server",
    bins: ["zerorpc-server", "zerorpc-client"], ports: [4242]);
