//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme).

test_support::readme_test!(package: "xmlrpc-calc", default: "xmlrpc-server",
    bins: ["xmlrpc-server", "xmlrpc-client"], ports: [8000]);
