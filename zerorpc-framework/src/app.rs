//! The section's methods: plain Rust functions, registered in [`server`] in one line each.
//! This is all a user of the framework writes (compare demo6's route table, which also owned
//! the loop). `zerorpc-server` and the tests both build the server here.

use std::time::Duration;

use rmpv::Value;
use serde::{Deserialize, Serialize};

use crate::method::Failure;
use crate::middleware;
use crate::python;
use crate::Server;

/// The server's name, what `_zerorpc_name` answers.
pub const NAME: &str = "zerorpc-server";

/// A number for `sleep(seconds)`: an integer or a float. (`add` and `plus` take any
/// [`Value`] instead and compute what Python computes: [`crate::python`].)
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Number {
    Int(i64),
    Float(f64),
}

/// The section's server: its methods, the timing middleware, and the access-key check when
/// `access_key` is given. IoC in five lines: we say *what*, the framework does *when*.
pub fn server(access_key: Option<String>) -> Server {
    let server = Server::new(NAME)
        .method(
            "add(a, b)",
            "a + b, as Python computes it (numbers, strings, bytes, lists)",
            add,
        )
        .method(
            "plus(numbers)",
            "sum(numbers), as Python computes it (demo6's call)",
            plus,
        )
        .method("hello(name)", "a greeting", hello)
        .method("echo(x)", "x, unchanged, whatever its type", echo)
        .stream("count(n)", "a stream of the integers 0 … n-1", count)
        .method("sleep(seconds)", "sleeps, then answers the seconds", sleep)
        .method(
            "fail(message)",
            "always fails with ValueError(message)",
            fail,
        )
        // AOP: one line each, around every method (built-ins included).
        .around(middleware::timing());
    match access_key {
        Some(key) => server.around(middleware::access_key(key)),
        None => server,
    }
}

/// `add(2, 3)` = 5, `add(0.5, 0.25)` = 0.75, `add("a", "b")` = `"ab"`: Python's `a + b`.
/// The tutorial's languages have generic numbers; a [`Value`] parameter takes whatever
/// MessagePack carries, and [`python::add`] does what Python's `+` does with it.
pub fn add(a: Value, b: Value) -> Result<Value, Failure> {
    python::add(&a, &b)
}

fn as_float(n: Number) -> f64 {
    match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    }
}

/// demo6's call: `plus([1, 2, 2, 3, 3, 4, 2, 3, -1])` = 19, `plus([1.5, 2])` = 3.5: Python's
/// `sum(numbers)`.
pub fn plus(numbers: Value) -> Result<Value, Failure> {
    python::sum(&numbers)
}

/// `hello("Ada")` = `"Hello, Ada!"`.
pub fn hello(name: String) -> Result<String, Failure> {
    Ok(format!("Hello, {name}!"))
}

/// `echo(x)` = x: a [`Value`] parameter takes anything, and bin stays bin.
pub fn echo(x: Value) -> Result<Value, Failure> {
    Ok(x)
}

/// `count(3)` streams 0, 1, 2.
pub fn count(n: u64) -> Result<std::ops::Range<u64>, Failure> {
    Ok(0..n)
}

/// The longest `sleep` we accept, so that a typo cannot park a thread for days.
pub const MAX_SLEEP: f64 = 3600.0;

/// `sleep(15)` sleeps 15 s, then answers 15: a long call that lives on heartbeats.
pub fn sleep(seconds: Number) -> Result<Number, Failure> {
    let s = as_float(seconds);
    if !(0.0..=MAX_SLEEP).contains(&s) {
        return Err(Failure::new(
            "ValueError",
            format!("sleep takes 0 to {MAX_SLEEP} seconds, got {s}"),
        ));
    }
    std::thread::sleep(Duration::from_secs_f64(s));
    Ok(seconds)
}

/// `fail("boom")` answers `ERR ["ValueError", "boom", …]`.
pub fn fail(message: String) -> Result<Value, Failure> {
    Err(Failure::new("ValueError", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_plus_are_pythons() {
        assert_eq!(add(2.into(), 3.into()), Ok(Value::from(5)));
        assert_eq!(add(0.5.into(), 0.25.into()), Ok(Value::from(0.75)));
        let numbers: Vec<Value> = [1, 2, 2, 3, 3, 4, 2, 3, -1].map(Value::from).into();
        assert_eq!(plus(Value::Array(numbers)), Ok(Value::from(19)));
    }
}
