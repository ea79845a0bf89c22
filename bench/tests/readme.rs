//! The `sh` blocks of README.md, run and compared with what the README says they print
//! (test_support::readme).

test_support::readme_test!(package: "bench", default: "bench", bins: ["bench"], ports: []);
