//! The computation itself, without a broker: fib against its definition.

use amqp_fibonacci::fib;

#[test]
fn fib_matches_the_recursive_definition() {
    let expected = [0u128, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55];
    for (n, want) in expected.iter().enumerate() {
        assert_eq!(fib(n as u64), Some(*want), "fib({n})");
    }
    assert_eq!(fib(30), Some(832_040));
    assert_eq!(
        fib(186),
        Some(332_825_110_087_067_562_321_196_029_789_634_457_848)
    );
    assert_eq!(fib(187), None);
    assert_eq!(fib(u64::MAX), None, "a huge n stops at the overflow");
}
