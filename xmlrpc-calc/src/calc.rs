//! The methods the server offers: the XML-RPC lesson proper.
//!
//! XML-RPC (<http://xmlrpc.com/spec.md>): a call is an HTTP `POST` whose body is a
//! `<methodCall>` naming a method and listing its `<params>`; the reply is a `<methodResponse>`
//! holding either one `<param>` (the result) or a `<fault>` (`faultCode` + `faultString`).
//! A method gets the decoded parameters and returns `Ok(value)` or `Err(fault)`; a fault is an
//! ordinary reply, and the server goes on serving.
//!
//! Numbers follow the tutorial's Python 2 server: integers (`<int>`/`<i4>`, 32 bits), and `/` is
//! **floor** division (`7/3 = 2`, `-7/3 = -3`). Where Python 2 would quietly switch to a bigger
//! integer type that XML-RPC cannot carry anyway, we answer with a fault.

use std::collections::HashMap;

use dxr::{TryFromParams, Value};
use dxr_server::axum::http::HeaderMap;
use dxr_server::{Handler, HandlerFn, HandlerResult};

pub use crate::hardening::cpython_faults::{CalcError, FAULT_METHOD};

/// Method name → method, for one path of the server.
pub type Methods = HashMap<&'static str, Box<dyn Handler>>;

/// The calculator's own methods, in the order `system.listMethods` lists them (`sleep` is the
/// slow call of [`crate::questions::concurrency`]).
pub const CALC_METHODS: [&str; 5] = ["add", "subtract", "multiply", "divide", "sleep"];

/// The calculator served at `/` and `/RPC2` (Python's default paths).
pub fn calculator() -> Methods {
    let mut methods = Methods::new();
    methods.insert("add", Box::new(add as HandlerFn));
    methods.insert("subtract", Box::new(subtract as HandlerFn));
    methods.insert("multiply", Box::new(multiply as HandlerFn));
    methods.insert("divide", Box::new(divide as HandlerFn));
    methods.insert("sleep", Box::new(crate::questions::concurrency::Sleep));
    methods
}

/// Python 2's `a / b` on integers: the quotient rounded towards minus infinity.
/// Rust's `/` rounds towards zero, so `-7 / 2` would be `-3` where Python says `-4`.
pub fn floor_div(a: i32, b: i32) -> Result<i32, CalcError> {
    if b == 0 {
        return Err(CalcError::DivisionByZero);
    }
    let q = a.checked_div(b).ok_or(CalcError::Overflow)?;
    // Truncation went the wrong way when there is a remainder and the signs differ.
    if a % b != 0 && ((a < 0) != (b < 0)) {
        Ok(q - 1)
    } else {
        Ok(q)
    }
}

/// Decodes the two integer parameters every calculator method takes (else a `TypeError`).
fn two_ints(params: &[Value]) -> Result<(i32, i32), CalcError> {
    Ok(<(i32, i32)>::try_from_params(params)?)
}

pub(crate) fn add(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let (a, b) = two_ints(params)?;
    Ok(Value::Integer(a.checked_add(b).ok_or(CalcError::Overflow)?))
}

pub(crate) fn subtract(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let (a, b) = two_ints(params)?;
    Ok(Value::Integer(a.checked_sub(b).ok_or(CalcError::Overflow)?))
}

pub(crate) fn multiply(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let (a, b) = two_ints(params)?;
    Ok(Value::Integer(a.checked_mul(b).ok_or(CalcError::Overflow)?))
}

pub(crate) fn divide(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let (a, b) = two_ints(params)?;
    Ok(Value::Integer(floor_div(a, b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_division_matches_python2() {
        // (a, b, Python 2's a / b)
        for (a, b, q) in [
            (7, 3, 2),
            (-7, 3, -3),
            (7, -3, -3),
            (-7, -3, 2),
            (6, 3, 2),
            (0, 5, 0),
        ] {
            assert_eq!(floor_div(a, b), Ok(q), "{a} / {b}");
        }
        assert_eq!(floor_div(1, 0), Err(CalcError::DivisionByZero));
        assert_eq!(floor_div(i32::MIN, -1), Err(CalcError::Overflow));
    }
}
