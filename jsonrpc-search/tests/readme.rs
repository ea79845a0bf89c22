//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme).

test_support::readme_test!(package: "jsonrpc-search", default: "jsonrpc-server",
    bins: ["jsonrpc-server", "jsonrpc-client"], ports: [31415, 31416]);
