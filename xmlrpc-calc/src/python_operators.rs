//! Python's `+ - * //` over XML-RPC values, so the calculator answers what the tutorial's Python
//! server answers, fault strings included.
//!
//! Python's values are generic: `add(0.5, 0.25)` is 0.75, `add(True, True)` 2 (a bool is an
//! int), `add('a', 'b')` `'ab'`, `add([1], [2])` `[1, 2]`, `multiply('ab', 2)` `'abab'`. A
//! statically typed port has to say what each operator accepts; here one `match` on the pair of
//! operand types per operator, with CPython's `TypeError` words for the pairs it refuses. An
//! integer result too big for XML-RPC's 32-bit `<int>` is not an error *here* (Python computes
//! it) but when the reply is written ([`marshal`]), as in Python's `dumps`.
//!
//! Simplified: a `multiply` that repeats a string or an array beyond `max_len` bytes or items
//! is refused with a `MemoryError` fault, where Python would try (and run out of memory).

use std::collections::BTreeMap;

use dxr::Value;

/// The exception Python raises, written as its `SimpleXMLRPCServer` writes a fault string:
/// `"%s:%s" % (type(exc), exc)`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PyError {
    #[error("<class 'TypeError'>:{0}")]
    TypeError(String),
    #[error("<class 'ZeroDivisionError'>:{0}")]
    ZeroDivision(&'static str),
    /// Raised by Python's marshaller, not by the arithmetic: see [`marshal`].
    #[error("<class 'OverflowError'>:int exceeds XML-RPC limits")]
    IntTooBig,
    /// Raised by Python's marshaller (`allow_none` is off, as in the tutorial's server).
    #[error("<class 'TypeError'>:cannot marshal None unless allow_none is enabled")]
    NoneInResult,
    #[error("<class 'MemoryError'>:the result would hold {len} × {times} {unit}, more than the {max_len} this server allows")]
    TooLong {
        len: usize,
        times: i128,
        unit: &'static str,
        max_len: usize,
    },
}

/// A number as Python has one: a bool counts as an int; ints here never overflow (`i128` holds
/// any sum or product of two XML-RPC integers).
#[derive(Debug, Clone, Copy)]
enum Number {
    Int(i128),
    Float(f64),
}

fn number(value: &Value) -> Option<Number> {
    match value {
        Value::Integer(n) => Some(Number::Int(i128::from(*n))),
        Value::Long(n) => Some(Number::Int(i128::from(*n))),
        Value::Boolean(b) => Some(Number::Int(i128::from(*b))),
        Value::Double(x) => Some(Number::Float(*x)),
        _ => None,
    }
}

/// Python's `__index__`: what may repeat a sequence (`'ab' * 2`, `[1] * True`).
fn index(value: &Value) -> Option<i128> {
    match number(value)? {
        Number::Int(n) => Some(n),
        Number::Float(_) => None,
    }
}

/// The Python type a value arrives as in `SimpleXMLRPCServer` (`use_builtin_types=False`).
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Integer(_) | Value::Long(_) => "int",
        Value::Boolean(_) => "bool",
        Value::Double(_) => "float",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Struct(_) => "dict",
        Value::Base64(_) => "Binary",
        Value::DateTime(_) => "DateTime",
        Value::Nil => "NoneType",
        _ => "object", // dxr's Value is non_exhaustive: a type of a later dxr
    }
}

fn unsupported(op: &str, a: &Value, b: &Value) -> PyError {
    PyError::TypeError(format!(
        "unsupported operand type(s) for {op}: '{}' and '{}'",
        type_name(a),
        type_name(b)
    ))
}

/// An int result. One outside 32 bits stays an `i8` for now: [`marshal`] refuses it. (Past 64
/// bits, only a product of two `i8`s, it is clamped: still refused there, with the same fault.)
fn int(n: i128) -> Value {
    match i32::try_from(n) {
        Ok(n) => Value::Integer(n),
        Err(_) => Value::Long(i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })),
    }
}

/// Applies `ints` or `floats` to two numbers: ints stay ints, a float makes both floats.
fn arithmetic(
    a: Number,
    b: Number,
    ints: impl Fn(i128, i128) -> Result<i128, PyError>,
    floats: impl Fn(f64, f64) -> Result<f64, PyError>,
) -> Result<Value, PyError> {
    let float = |n: Number| match n {
        Number::Int(i) => i as f64,
        Number::Float(x) => x,
    };
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => ints(x, y).map(int),
        _ => floats(float(a), float(b)).map(Value::Double),
    }
}

/// `a + b`: numbers, or two strings, or two lists.
pub fn add(a: &Value, b: &Value) -> Result<Value, PyError> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(Value::String(format!("{x}{y}"))),
        (Value::Array(x), Value::Array(y)) => Ok(Value::Array([&x[..], &y[..]].concat())),
        (Value::String(_), _) | (Value::Array(_), _) => {
            let kind = type_name(a);
            Err(PyError::TypeError(format!(
                "can only concatenate {kind} (not \"{}\") to {kind}",
                type_name(b)
            )))
        }
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => arithmetic(x, y, |x, y| Ok(x + y), |x, y| Ok(x + y)),
            _ => Err(unsupported("+", a, b)),
        },
    }
}

/// `a - b`: numbers only.
pub fn subtract(a: &Value, b: &Value) -> Result<Value, PyError> {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => arithmetic(x, y, |x, y| Ok(x - y), |x, y| Ok(x - y)),
        _ => Err(unsupported("-", a, b)),
    }
}

/// `a * b`: numbers, or a string or list repeated an int number of times (either order).
pub fn multiply(a: &Value, b: &Value, max_len: usize) -> Result<Value, PyError> {
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return arithmetic(x, y, |x, y| Ok(x * y), |x, y| Ok(x * y));
    }
    // CPython: the left operand's repeat if it is a sequence, else the right one's.
    let (sequence, times) = match (a, b) {
        (Value::String(_) | Value::Array(_), _) => (a, b),
        (_, Value::String(_) | Value::Array(_)) => (b, a),
        _ => return Err(unsupported("*", a, b)),
    };
    let Some(times) = index(times) else {
        return Err(PyError::TypeError(format!(
            "can't multiply sequence by non-int of type '{}'",
            type_name(times)
        )));
    };
    let count = usize::try_from(times.max(0)).unwrap_or(usize::MAX);
    let (len, unit) = match sequence {
        Value::String(s) => (s.len(), "bytes"),
        Value::Array(items) => (items.len(), "items"),
        _ => unreachable!("matched a string or an array above"),
    };
    if len.saturating_mul(count) > max_len {
        return Err(PyError::TooLong {
            len,
            times,
            unit,
            max_len,
        });
    }
    Ok(match sequence {
        Value::String(s) => Value::String(s.repeat(count)),
        Value::Array(items) => {
            Value::Array(items.iter().cycle().take(len * count).cloned().collect())
        }
        _ => unreachable!("matched a string or an array above"),
    })
}

/// `a // b`: floor division of numbers (Python 2's `7/3 = 2`, and `-7 // 2 = -4`, not Rust's
/// `-3`).
pub fn floor_divide(a: &Value, b: &Value) -> Result<Value, PyError> {
    let (Some(x), Some(y)) = (number(a), number(b)) else {
        return Err(unsupported("//", a, b));
    };
    let ints = |x: i128, y: i128| {
        if y == 0 {
            return Err(PyError::ZeroDivision("integer division or modulo by zero"));
        }
        Ok(x.div_euclid(y) - i128::from(y < 0 && x.rem_euclid(y) != 0))
    };
    let floats = |x: f64, y: f64| {
        if y == 0.0 {
            return Err(PyError::ZeroDivision("float floor division by zero"));
        }
        Ok(float_floor_div(x, y))
    };
    arithmetic(x, y, ints, floats)
}

/// CPython's `_float_div_mod` (Objects/floatobject.c), the floor-division half, step by step:
/// the same rounding, the same signed zeros, the same `nan`/`inf`.
fn float_floor_div(vx: f64, wx: f64) -> f64 {
    let remainder = vx % wx; // C's fmod
    let mut div = (vx - remainder) / wx;
    // C's `if (mod)`: true for nan too, as `!= 0.0` is.
    if remainder != 0.0 && (wx < 0.0) != (remainder < 0.0) {
        div -= 1.0;
    }
    if div != 0.0 {
        let floordiv = div.floor();
        if div - floordiv > 0.5 {
            floordiv + 1.0
        } else {
            floordiv
        }
    } else {
        0.0_f64.copysign(vx / wx)
    }
}

/// What Python's `dumps` does with a result: an int outside 32 bits is an `OverflowError`, a
/// `None` a `TypeError`, found in the order the reply would be written.
pub fn marshal(value: Value) -> Result<Value, PyError> {
    Ok(match value {
        Value::Integer(n) => Value::Integer(n),
        Value::Long(n) => Value::Integer(i32::try_from(n).map_err(|_| PyError::IntTooBig)?),
        Value::Nil => return Err(PyError::NoneInResult),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(marshal).collect::<Result<_, _>>()?)
        }
        Value::Struct(members) => Value::Struct(
            members
                .into_iter()
                .map(|(k, v)| Ok((k, marshal(v)?)))
                .collect::<Result<BTreeMap<_, _>, PyError>>()?,
        ),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(a: i32, b: i32) -> Result<Value, PyError> {
        floor_divide(&Value::Integer(a), &Value::Integer(b))
    }

    #[test]
    fn floor_division_is_pythons() {
        // (a, b, Python's a // b)
        for (a, b, q) in [
            (7, 3, 2),
            (-7, 3, -3),
            (7, -3, -3),
            (-7, -3, 2),
            (6, 3, 2),
            (6, -3, -2),
            (0, 5, 0),
        ] {
            assert_eq!(ints(a, b), Ok(Value::Integer(q)), "{a} // {b}");
        }
        let zero = PyError::ZeroDivision("integer division or modulo by zero");
        assert_eq!(ints(1, 0), Err(zero));
        // Python computes 2**31; only the marshaller refuses it.
        assert_eq!(
            ints(i32::MIN, -1).and_then(marshal),
            Err(PyError::IntTooBig)
        );
        // Floats: CPython's rounding and signed zeros.
        let floats = |a: f64, b: f64| floor_divide(&Value::Double(a), &Value::Double(b));
        assert_eq!(floats(7.5, 2.0), Ok(Value::Double(3.0)));
        assert_eq!(floats(-7.5, 2.0), Ok(Value::Double(-4.0)));
        assert_eq!(floats(0.1, 0.01), Ok(Value::Double(10.0)), "fmod is exact");
        assert_eq!(floats(-0.5, 2.0), Ok(Value::Double(-1.0)));
        let Ok(Value::Double(zero)) = floats(-0.0, 2.0) else {
            panic!("a float")
        };
        assert!(zero == 0.0 && zero.is_sign_negative(), "-0.0 // 2 is -0.0");
    }
}
