//! A number as PHP has one, so that `plus` adds up what the tutorial's PHP server adds up.
//!
//! PHP's numbers are generic: an integer while it fits in 64 bits, a float after that, and the
//! two mix freely. `array_sum` (PHP 8.2, Debian 12's) also counts `true` as 1, `false` and `null`
//! as 0, and a string by its leading number (`"3"` is 3, `" 1.5 "` 1.5, `"3 apples"` 3, `"x"`
//! 0). A statically typed port has to say what "a number" is: here a two-variant enum whose
//! `Deserialize` accepts exactly what PHP would count, so the route table still does the
//! checking ([`crate::router`]) and `plus` stays one line.
//!
//! Where we part from PHP: `array_sum` silently skips an array or a map inside the array;
//! `plus` refuses it with an error reply, because an argument dropped without a word is a bug
//! the caller would want to hear about.

use std::fmt;
use std::ops::Add;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
use serde::Serialize;

/// An integer while it fits in 64 bits, else a float: PHP's `int|float`. On the wire, a
/// MessagePack integer or a float 64, as PHP's `msgpack_pack` writes them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Number {
    Int(i64),
    Float(f64),
}

/// PHP's `+`: integers while the sum fits, a float from the first overflow on (the running
/// sum, so `PHP_INT_MAX + 1 - 1` is a float, as in PHP).
impl Add for Number {
    type Output = Number;

    fn add(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => match a.checked_add(b) {
                Some(sum) => Number::Int(sum),
                None => Number::Float(a as f64 + b as f64),
            },
            (Number::Int(a), Number::Float(b)) => Number::Float(a as f64 + b),
            (Number::Float(a), Number::Int(b)) => Number::Float(a + b as f64),
            (Number::Float(a), Number::Float(b)) => Number::Float(a + b),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Float(x) => write!(f, "{x:?}"),
        }
    }
}

/// The number PHP reads in a string (`convert_scalar_to_number`, PHP 8.2): leading whitespace,
/// then the longest prefix that is a number. Digits only: an integer, or a float when it does
/// not fit in 64 bits; a `.` or an exponent: a float. No number at all: 0.
pub fn from_php_string(text: &[u8]) -> Number {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = text.iter().position(|b| !is_space(b)).unwrap_or(text.len());
    let text = &text[start..];
    let digits_from = |i: usize| {
        text[i.min(text.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut end = usize::from(matches!(text.first(), Some(b'+' | b'-')));
    let int_digits = digits_from(end);
    end += int_digits;
    let mut is_float = false;
    if text.get(end) == Some(&b'.') && (int_digits > 0 || digits_from(end + 1) > 0) {
        is_float = true;
        end += 1 + digits_from(end + 1);
    }
    if int_digits == 0 && !is_float {
        return Number::Int(0); // not numeric: PHP counts it as 0
    }
    if matches!(text.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(text.get(end + 1), Some(b'+' | b'-')));
        let exponent = digits_from(end + 1 + sign);
        if exponent > 0 {
            is_float = true;
            end += 1 + sign + exponent;
        }
    }
    // ASCII by construction, so always UTF-8.
    let number = std::str::from_utf8(&text[..end]).expect("digits, signs, '.' and 'e' are ASCII");
    if !is_float {
        if let Ok(n) = number.parse::<i64>() {
            return Number::Int(n);
        }
    }
    Number::Float(number.parse().expect("a number by construction"))
}

/// What `plus` accepts as a number: what PHP's `array_sum` counts. Anything else (an array, a
/// map, an extension type) is serde's `invalid type` error, which the router turns into
/// `{"error": "bad parameters for `plus`: …"}`.
impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Number, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }
}

struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, or what PHP counts as one (a bool, nil, a string)")
    }

    fn visit_i64<E>(self, n: i64) -> Result<Number, E> {
        Ok(Number::Int(n))
    }

    /// Past `i64::MAX` PHP's msgpack reads the integer as a decimal string, hence a float.
    fn visit_u64<E>(self, n: u64) -> Result<Number, E> {
        Ok(i64::try_from(n).map_or(Number::Float(n as f64), Number::Int))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Number, E> {
        Ok(Number::Float(x))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Number, E> {
        Ok(Number::Int(i64::from(b)))
    }

    fn visit_unit<E>(self) -> Result<Number, E> {
        Ok(Number::Int(0))
    }

    fn visit_none<E>(self) -> Result<Number, E> {
        Ok(Number::Int(0))
    }

    fn visit_str<E>(self, text: &str) -> Result<Number, E> {
        Ok(from_php_string(text.as_bytes()))
    }

    /// PHP has one string type: MessagePack's bin and str are both strings there.
    fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Number, E> {
        Ok(from_php_string(bytes))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Number, A::Error> {
        Err(de::Error::invalid_type(Unexpected::Seq, &self))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Number, A::Error> {
        Err(de::Error::invalid_type(Unexpected::Map, &self))
    }
}
