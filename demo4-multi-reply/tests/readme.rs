//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme). The etcd blocks are marked to skip: etcd's default
//! port is not for tests, and tests/discovery.rs runs the same programs on ephemeral ones.

test_support::readme_test!(package: "demo4-multi-reply", default: "demo4-server",
    bins: ["demo4-server", "demo4-client", "demo4-watch"], ports: [5555, 5556, 5557, 5558]);
