//! The functions this server offers. Each is plain Rust with typed parameters; the route table
//! ([`crate::router`]) does the MessagePack conversions. Each one teaches something:
//!
//! | call | parameters | shows |
//! |------|------------|-------|
//! | `plus(1, 2, 3)` → `6` | any number of numbers (`Vec<Number>`) | the tutorial's function, adding up as PHP's `array_sum` does ([`crate::number`]) |
//! | `divide(7, 2)` → `3.5` | exactly two numbers (`(f64, f64)`) | fixed arity; integers accepted as floats; a handler's own error (`divide(1, 0)`) |
//! | `hello("Ada")` → `"Hello, Ada!"` | one string (`(String,)`) | strings; a one-element tuple |
//! | `stats(1, 2, 4)` → `{"count": 3, …}` | numbers | a struct result becomes a map |
//! | `echo(x)` → `x` | one value of any type (`(Value,)`) | opting out of typing |

use rmpv::Value;
use serde::Serialize;

use crate::number::Number;
use crate::router::Router;

/// The route table of `demo6-server`: one line per function.
pub fn router() -> Router {
    Router::new()
        .route("plus", plus)
        .route("divide", divide)
        .route("hello", hello)
        .route("stats", stats)
        .route("echo", echo)
}

/// The tutorial's function: the sum of any number of numbers, as the tutorial's PHP server
/// computes it with `array_sum`: `plus(1.5, 2)` is 3.5, `plus(2**62, 2**62)` the float
/// 9.223372036854776e18, `plus(true, "3")` 4.
pub fn plus(numbers: Vec<Number>) -> Result<Number, String> {
    Ok(numbers.into_iter().fold(Number::Int(0), |sum, n| sum + n))
}

/// `dividend / divisor`. A zero divisor is refused (the float answer would be `inf`).
pub fn divide((dividend, divisor): (f64, f64)) -> Result<f64, String> {
    if divisor == 0.0 {
        return Err("division by zero".to_string());
    }
    Ok(dividend / divisor)
}

/// A greeting; an empty name is refused.
pub fn hello((name,): (String,)) -> Result<String, String> {
    if name.trim().is_empty() {
        return Err("the name is empty".to_string());
    }
    Ok(format!("Hello, {name}!"))
}

/// A summary of some numbers. Returned as a struct, it goes on the wire as a map.
#[derive(Debug, Serialize, PartialEq)]
pub struct Stats {
    pub count: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

/// The count, minimum, maximum and mean of at least one number.
pub fn stats(numbers: Vec<f64>) -> Result<Stats, String> {
    if numbers.is_empty() {
        return Err("no numbers given".to_string());
    }
    let min = numbers.iter().copied().fold(f64::INFINITY, f64::min);
    let max = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = numbers.iter().sum::<f64>() / numbers.len() as f64;
    Ok(Stats {
        count: numbers.len(),
        min,
        max,
        mean,
    })
}

/// Returns its one parameter unchanged, whatever its type.
pub fn echo((value,): (Value,)) -> Result<Value, String> {
    Ok(value)
}
