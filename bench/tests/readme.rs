//! The `sh` blocks of README.md, run and compared with what the README says they print
//! (common::readme).

common::readme_test!(package: "bench", default: "bench", bins: ["bench"], ports: []);
