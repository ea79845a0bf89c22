//! What Python computes for `a + b` and `sum(numbers)`, over what MessagePack carries — the
//! answer to "how does a statically typed port say *a number* when the original is dynamic?".
//!
//! Python's values are generic: `2 + 0.5` is 2.5, `True + True` is 2, `'a' + 'b'` is `'ab'`,
//! an int has no size limit. A Rust method says "any value" with [`rmpv::Value`] and does the
//! dispatch Python's `+` does, in one `match`. zerorpc-python decodes MessagePack into Python
//! objects (`msgpack.Unpacker(raw=False)`): nil → `None`, bool, int, float (f32 and f64), str,
//! bin → `bytes`, array → `list`, map → `dict`, ext → `ExtType` (a tuple `(code, data)`). Its
//! answers are encoded back, and an int outside `-2⁶³ … 2⁶⁴-1` cannot be: msgpack raises
//! `OverflowError: Integer value out of range`, and so do we. Every error is CPython's, word
//! for word (`tests/differential.rs` checks them against zerorpc-python).

use rmpv::Value;

use crate::failure::Failure;

/// A Python number: bool and int are one (`True` is 1); an int is exact while it is summed
/// (i128 holds any sum of fewer than 2⁶³ MessagePack ints), and checked when it is encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Int(i128),
    Float(f64),
}

impl Number {
    fn of(value: &Value) -> Option<Number> {
        match value {
            Value::Boolean(b) => Some(Number::Int(i128::from(*b))),
            Value::Integer(i) => i
                .as_i64()
                .map(i128::from)
                .or_else(|| i.as_u64().map(i128::from))
                .map(Number::Int),
            Value::F32(f) => Some(Number::Float(f64::from(*f))),
            Value::F64(f) => Some(Number::Float(*f)),
            _ => None,
        }
    }

    /// Python's `a + b` for two numbers: an int while both are ints, else a float (the int
    /// rounded to the nearest float, as Python's `float(int)` and Rust's `as` both do).
    fn add(self, other: Number) -> Result<Number, Failure> {
        Ok(match (self, other) {
            (Number::Int(a), Number::Int(b)) => Number::Int(a.checked_add(b).ok_or_else(overflow)?),
            (a, b) => Number::Float(a.as_float() + b.as_float()),
        })
    }

    fn as_float(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Number::Int(_) => "int",
            Number::Float(_) => "float",
        }
    }

    /// Back to MessagePack: an int must fit one of its formats (what msgpack-python checks).
    fn to_value(self) -> Result<Value, Failure> {
        match self {
            Number::Float(f) => Ok(Value::from(f)),
            Number::Int(i) => match (u64::try_from(i), i64::try_from(i)) {
                (Ok(u), _) => Ok(Value::from(u)),
                (_, Ok(s)) => Ok(Value::from(s)),
                _ => Err(overflow()),
            },
        }
    }
}

fn overflow() -> Failure {
    Failure::new("OverflowError", "Integer value out of range")
}

fn type_error(message: String) -> Failure {
    Failure::new("TypeError", message)
}

/// The Python type a MessagePack value decodes to, by the name its errors use.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Nil => "NoneType",
        Value::Boolean(_) => "bool",
        Value::Integer(_) => "int",
        Value::F32(_) | Value::F64(_) => "float",
        Value::String(_) => "str",
        Value::Binary(_) => "bytes",
        Value::Array(_) => "list",
        Value::Map(_) => "dict",
        Value::Ext(-1, _) => "Timestamp", // msgpack-python decodes ext -1 as a timestamp
        Value::Ext(..) => "ExtType",
    }
}

/// `ExtType(code, data)` is a named tuple: `+` concatenates it as `(code, data)`.
fn ext_tuple(code: i8, data: &[u8]) -> [Value; 2] {
    [Value::from(code), Value::Binary(data.to_vec())]
}

/// Python's `a + b`.
pub fn add(a: &Value, b: &Value) -> Result<Value, Failure> {
    if let (Some(x), Some(y)) = (Number::of(a), Number::of(b)) {
        return x.add(y)?.to_value();
    }
    let other = type_name(b);
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            let joined = [x.as_bytes(), y.as_bytes()].concat();
            // Both are UTF-8 (msgpack-python refuses any other str), so the bytes are too.
            Ok(Value::from(String::from_utf8_lossy(&joined).into_owned()))
        }
        (Value::String(_), _) => Err(type_error(format!(
            "can only concatenate str (not \"{other}\") to str"
        ))),
        (Value::Binary(x), Value::Binary(y)) => Ok(Value::Binary([&x[..], &y[..]].concat())),
        (Value::Binary(_), _) => Err(type_error(format!("can't concat {other} to bytes"))),
        (Value::Array(x), Value::Array(y)) => Ok(Value::Array([&x[..], &y[..]].concat())),
        (Value::Array(_), _) => Err(type_error(format!(
            "can only concatenate list (not \"{other}\") to list"
        ))),
        (Value::Ext(c, x), Value::Ext(d, y)) if *c != -1 && *d != -1 => {
            let mut items = ext_tuple(*c, x).to_vec();
            items.extend(ext_tuple(*d, y));
            Ok(Value::Array(items))
        }
        (Value::Ext(c, _), _) if *c != -1 => Err(type_error(format!(
            "can only concatenate tuple (not \"{other}\") to tuple"
        ))),
        _ => Err(unsupported(type_name(a), other)),
    }
}

fn unsupported(left: &str, right: &str) -> Failure {
    type_error(format!(
        "unsupported operand type(s) for +: '{left}' and '{right}'"
    ))
}

/// Python's `sum(iterable)`: `0 + item₀ + item₁ + …`, over whatever Python can iterate —
/// a list, but also a str (its characters), bytes (its byte values), a dict (its keys) and an
/// `ExtType` (its code, then its data).
pub fn sum(iterable: &Value) -> Result<Value, Failure> {
    let items: Vec<Value> = match iterable {
        Value::Array(items) => items.clone(),
        Value::String(s) => String::from_utf8_lossy(s.as_bytes())
            .chars()
            .map(|c| Value::from(c.to_string()))
            .collect(),
        Value::Binary(bytes) => bytes.iter().map(|&b| Value::from(b)).collect(),
        Value::Map(entries) => entries.iter().map(|(k, _)| k.clone()).collect(),
        Value::Ext(code, data) if *code != -1 => ext_tuple(*code, data).to_vec(),
        other => {
            return Err(type_error(format!(
                "'{}' object is not iterable",
                type_name(other)
            )))
        }
    };
    let mut total = Number::Int(0);
    for item in &items {
        match Number::of(item) {
            Some(n) => total = total.add(n)?,
            None => return Err(unsupported(total.type_name(), type_name(item))),
        }
    }
    total.to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(outcome: Result<Value, Failure>) -> String {
        outcome.expect_err("an error").to_string()
    }

    #[test]
    fn numbers_mix_as_in_python() {
        assert_eq!(add(&2.into(), &3.into()), Ok(Value::from(5)));
        assert_eq!(add(&1.into(), &0.5.into()), Ok(Value::from(1.5)));
        assert_eq!(add(&true.into(), &true.into()), Ok(Value::from(2)));
        let big = Value::from(1u64 << 62);
        assert_eq!(add(&big, &big), Ok(Value::from(1u64 << 63)));
        let bigger = Value::from(1u64 << 63);
        assert_eq!(
            err(add(&bigger, &bigger)),
            "OverflowError: Integer value out of range"
        );
        assert_eq!(
            sum(&Value::Array(vec![1.5.into(), 2.into()])),
            Ok(3.5.into())
        );
        assert_eq!(sum(&Value::Array(vec![])), Ok(0.into()));
    }

    #[test]
    fn sequences_concatenate_and_the_rest_is_cpythons_type_error() {
        assert_eq!(add(&"a".into(), &"b".into()), Ok("ab".into()));
        assert_eq!(
            err(add(&"two".into(), &3.into())),
            "TypeError: can only concatenate str (not \"int\") to str"
        );
        assert_eq!(
            err(add(&Value::Nil, &1.into())),
            "TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'"
        );
        assert_eq!(
            err(sum(&Value::Array(vec!["a".into()]))),
            "TypeError: unsupported operand type(s) for +: 'int' and 'str'"
        );
        assert_eq!(sum(&Value::Binary(b"ab".to_vec())), Ok(195.into()));
        assert_eq!(
            err(sum(&5.into())),
            "TypeError: 'int' object is not iterable"
        );
    }
}
