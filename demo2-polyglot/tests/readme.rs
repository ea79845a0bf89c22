//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme).

test_support::readme_test!(package: "demo2-polyglot", default: "demo2-server",
    bins: ["demo2-server", "demo2-client"], ports: [5555]);
