//! Every `sh` block of README.md, run at the tutorial's defaults and compared with what the
//! README says it prints (test_support::readme).

test_support::readme_test!(package: "demo3-pubsub-pushpull", default: "demo3-producer",
    bins: ["demo3-producer", "demo3-consumer", "demo3-push", "demo3-pull"], ports: [5555]);
