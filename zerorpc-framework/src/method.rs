//! How a plain Rust function becomes a remote method: this is the "you write functions, the
//! framework calls them" half of IoC.
//!
//! `fn hello(name: String) -> Result<String, Failure>` knows nothing of MessagePack. The
//! traits below are implemented for every function of 0 to 4 parameters whose parameters are
//! `Deserialize` and whose result is `Serialize`: the framework checks the count of arguments,
//! converts each one with serde (a bin stays `Vec<u8>`/`Value::Binary`, a str a `String`),
//! calls the function and converts its result back. A wrong count or type becomes an `ERR`
//! named `TypeError`, as Python would raise, without a line of checking in the function.

use rmpv::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use crate::failure::Failure;

/// A stream's items, already converted to MessagePack values.
pub type Items = Box<dyn Iterator<Item = Result<Value, Failure>> + Send>;

/// What a call produced, before the framework puts it on the wire.
pub enum Answer {
    /// `OK [value]`.
    Value(Value),
    /// `STREAM item` … `STREAM_DONE`.
    Stream(Items),
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Value(v) => write!(f, "Value({v})"),
            Answer::Stream(_) => f.write_str("Stream(..)"),
        }
    }
}

/// A function callable with the args of a call event. `Params` is the tuple of its parameter
/// types; it only tells the implementations apart, callers never name it.
pub trait Method<Params>: Send + Sync + 'static {
    /// How many arguments the function takes.
    const ARITY: usize;
    /// Converts the arguments, calls the function, converts its result. `signature` names
    /// the method and its parameters in the errors.
    fn invoke(&self, signature: &Signature, args: Vec<Value>) -> Result<Value, Failure>;
}

/// A function returning an iterator: its items go out as `STREAM` events.
pub trait StreamMethod<Params>: Send + Sync + 'static {
    const ARITY: usize;
    fn invoke(&self, signature: &Signature, args: Vec<Value>) -> Result<Items, Failure>;
}

/// A method's name and its parameters' names, from `"add(a, b)"`: what its errors say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub params: Vec<String>,
}

impl Signature {
    /// `"add(a, b)"` → `add` with `a`, `b`; `"now"` → `now` without parameters.
    pub fn parse(text: &str) -> Signature {
        let (name, rest) = text.split_once('(').unwrap_or((text, ")"));
        let params = rest
            .trim_end_matches(')')
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        Signature {
            name: name.trim().to_string(),
            params,
        }
    }

    fn check_count(&self, got: usize) -> Result<(), Failure> {
        arity_error(&self.name, &self.params, got).map_or(Ok(()), Err)
    }

    /// Argument `index` (0-based) converted to `T`, or an error in plain words — never
    /// serde's: `hello() argument 1 (name) must be str, not int`, and for an int out of the
    /// parameter's range `count() argument 1: n must be ≥ 0, got -1` (a `ValueError`).
    fn argument<T: DeserializeOwned>(&self, value: Value, index: usize) -> Result<T, Failure> {
        let int = match &value {
            Value::Integer(i) => i.as_i64().map(i128::from).or(i.as_u64().map(i128::from)),
            _ => None,
        };
        let given = crate::python::type_name(&value);
        rmpv::ext::from_value(value).map_err(|_| {
            let param = self.params.get(index).map_or("?", String::as_str);
            let (expected, range) = expected::<T>();
            let position = index + 1;
            let name = &self.name;
            match (int, range) {
                (Some(n), Some((min, max))) => {
                    let bound = if n < min {
                        format!("≥ {min}")
                    } else {
                        format!("≤ {max}")
                    };
                    Failure::new(
                        "ValueError",
                        format!("{name}() argument {position}: {param} must be {bound}, got {n}"),
                    )
                }
                _ => Failure::new(
                    "TypeError",
                    format!(
                        "{name}() argument {position} ({param}) must be {expected}, not {given}"
                    ),
                ),
            }
        })
    }
}

/// What a parameter of type `T` takes, in Python's words, and for an integer type its range.
fn expected<T>() -> (&'static str, Option<(i128, i128)>) {
    let int = |min: i128, max: i128| ("int", Some((min, max)));
    match std::any::type_name::<T>() {
        "u8" => int(0, u8::MAX.into()),
        "u16" => int(0, u16::MAX.into()),
        "u32" => int(0, u32::MAX.into()),
        "u64" | "usize" => int(0, u64::MAX.into()),
        "i8" => int(i8::MIN.into(), i8::MAX.into()),
        "i16" => int(i16::MIN.into(), i16::MAX.into()),
        "i32" => int(i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => int(i64::MIN.into(), i64::MAX.into()),
        "f32" | "f64" => ("float", None),
        "bool" => ("bool", None),
        "alloc::string::String" => ("str", None),
        full if full.starts_with("alloc::vec::Vec<") => ("list", None),
        full if full.ends_with("::Number") => ("a number (int or float)", None),
        _ => ("another type", None),
    }
}

/// CPython's own words for a call with the wrong count of arguments, for a function `name`
/// whose parameters are `params`: `add() missing 1 required positional argument: 'b'`,
/// `add() takes 2 positional arguments but 3 were given`. `None` when the count is right.
pub fn arity_error(name: &str, params: &[String], got: usize) -> Option<Failure> {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let expected = params.len();
    let message = if got > expected {
        let verb = if got == 1 { "was" } else { "were" };
        format!(
            "{name}() takes {expected} positional argument{} but {got} {verb} given",
            plural(expected)
        )
    } else if got < expected {
        let missing: Vec<String> = params[got..].iter().map(|p| format!("'{p}'")).collect();
        let listed = match missing.as_slice() {
            [one] => one.clone(),
            [init @ .., last] if init.len() == 1 => format!("{} and {last}", init[0]),
            [init @ .., last] => format!("{}, and {last}", init.join(", ")),
            [] => String::new(),
        };
        format!(
            "{name}() missing {} required positional argument{}: {listed}",
            missing.len(),
            plural(missing.len())
        )
    } else {
        return None;
    };
    Some(Failure::new("TypeError", message))
}

/// A result as it goes on the wire. Through `rmp_serde::to_vec_named`, so that a struct
/// becomes a map keyed by its field names (what a Python client can read), not an array.
pub fn to_value<R: Serialize>(result: &R) -> Result<Value, Failure> {
    let bytes = rmp_serde::to_vec_named(result)
        .map_err(|e| Failure::new("ValueError", format!("cannot encode the result: {e}")))?;
    demo5_msgpack::decode(&bytes)
        .map_err(|e| Failure::new("ValueError", format!("cannot encode the result: {e}")))
}

macro_rules! methods_of_arity {
    ($arity:expr; $($param:ident),*) => {
        impl<F, R, $($param,)*> Method<($($param,)*)> for F
        where
            F: Fn($($param),*) -> Result<R, Failure> + Send + Sync + 'static,
            R: Serialize,
            $($param: DeserializeOwned,)*
        {
            const ARITY: usize = $arity;
            #[allow(non_snake_case, unused_mut, unused_variables)]
            fn invoke(&self, signature: &Signature, args: Vec<Value>) -> Result<Value, Failure> {
                signature.check_count(args.len())?;
                let mut args = args.into_iter().enumerate();
                $(
                    let (i, value) = args.next().expect("the count was checked");
                    let $param: $param = signature.argument(value, i)?;
                )*
                to_value(&self($($param),*)?)
            }
        }

        impl<F, I, $($param,)*> StreamMethod<($($param,)*)> for F
        where
            F: Fn($($param),*) -> Result<I, Failure> + Send + Sync + 'static,
            I: IntoIterator,
            I::Item: Serialize,
            I::IntoIter: Send + 'static,
            $($param: DeserializeOwned,)*
        {
            const ARITY: usize = $arity;
            #[allow(non_snake_case, unused_mut, unused_variables)]
            fn invoke(&self, signature: &Signature, args: Vec<Value>) -> Result<Items, Failure> {
                signature.check_count(args.len())?;
                let mut args = args.into_iter().enumerate();
                $(
                    let (i, value) = args.next().expect("the count was checked");
                    let $param: $param = signature.argument(value, i)?;
                )*
                let items = self($($param),*)?.into_iter();
                Ok(Box::new(items.map(|item| to_value(&item))))
            }
        }
    };
}

methods_of_arity!(0;);
methods_of_arity!(1; A);
methods_of_arity!(2; A, B);
methods_of_arity!(3; A, B, C);
methods_of_arity!(4; A, B, C, D);

#[cfg(test)]
mod tests {
    use super::*;

    fn invoke<P, M: Method<P>>(m: M, args: Vec<Value>) -> Result<Value, Failure> {
        let params = ["a", "b"][..M::ARITY]
            .iter()
            .map(|p| p.to_string())
            .collect();
        let signature = Signature {
            name: "f".into(),
            params,
        };
        m.invoke(&signature, args)
    }

    #[test]
    fn plain_functions_are_methods() {
        let add = |a: i64, b: i64| Ok(a + b);
        assert_eq!(invoke(add, vec![2.into(), 3.into()]), Ok(Value::from(5)));
        let err = invoke(add, vec![2.into()]).unwrap_err();
        assert_eq!(err.name, "TypeError");
        let err = invoke(add, vec![2.into(), "x".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "TypeError: f() argument 2 (b) must be int, not str"
        );
        let count = |n: u64| Ok(n);
        let err = invoke(count, vec![Value::from(-1)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ValueError: f() argument 1: a must be ≥ 0, got -1"
        );
    }

    #[test]
    fn wrong_counts_get_cpythons_words() {
        let params = ["a".to_string(), "b".to_string(), "c".to_string()];
        let says = |n: usize, got: usize| arity_error("f", &params[..n], got).map(|f| f.message);
        assert_eq!(says(2, 2), None);
        assert_eq!(
            says(2, 3).as_deref(),
            Some("f() takes 2 positional arguments but 3 were given")
        );
        assert_eq!(
            says(0, 1).as_deref(),
            Some("f() takes 0 positional arguments but 1 was given")
        );
        assert_eq!(
            says(1, 0).as_deref(),
            Some("f() missing 1 required positional argument: 'a'")
        );
        assert_eq!(
            says(2, 0).as_deref(),
            Some("f() missing 2 required positional arguments: 'a' and 'b'")
        );
        assert_eq!(
            says(3, 0).as_deref(),
            Some("f() missing 3 required positional arguments: 'a', 'b', and 'c'")
        );
    }

    #[test]
    fn signatures_give_the_name_and_the_argument_names() {
        let parsed = Signature::parse("add(a, b)");
        assert_eq!(
            (parsed.name.as_str(), parsed.params),
            ("add", vec!["a".into(), "b".into()])
        );
        assert_eq!(Signature::parse("now()").params, Vec::<String>::new());
        assert_eq!(Signature::parse("now").name, "now");
    }

    #[test]
    fn a_value_parameter_keeps_bin_and_str_apart() {
        let echo = |x: Value| Ok(x);
        for v in [Value::Binary(vec![0, 255]), Value::from("é"), Value::Nil] {
            assert_eq!(invoke(echo, vec![v.clone()]), Ok(v));
        }
    }
}
