//! How a plain Rust function becomes a remote method: this is the "you write functions, the
//! framework calls them" half of IoC.
//!
//! `fn add(a: Number, b: Number) -> Result<Number, Failure>` knows nothing of MessagePack. The
//! traits below are implemented for every function of 0 to 4 parameters whose parameters are
//! `Deserialize` and whose result is `Serialize`: the framework checks the count of arguments,
//! converts each one with serde (a bin stays `Vec<u8>`/`Value::Binary`, a str a `String`),
//! calls the function and converts its result back. A wrong count or type becomes an `ERR`
//! named `TypeError`, as Python would raise, without a line of checking in the function.

use rmpv::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An error a method answers with: `ERR [name, message, traceback]` on the wire, a
/// `RemoteError(name, message, traceback)` in a Python client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Like a Python exception class name: `ValueError`, `NameError`, `TypeError`.
    pub name: String,
    pub message: String,
}

impl Failure {
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure {
            name: name.into(),
            message: message.into(),
        }
    }

    /// The args of the `ERR` event. zerorpc wants a traceback string third; a Rust method has
    /// none, so we say where it failed (a Python client prints this third string for `str(e)`).
    pub fn to_args(&self, method: &str) -> Value {
        let traceback = format!(
            "{}: {} (in method {method:?} of a Rust zerorpc-framework server)",
            self.name, self.message
        );
        Value::Array(vec![
            Value::from(self.name.as_str()),
            Value::from(self.message.as_str()),
            Value::from(traceback),
        ])
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

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
    /// Converts the arguments, calls the function, converts its result.
    fn invoke(&self, args: Vec<Value>) -> Result<Value, Failure>;
}

/// A function returning an iterator: its items go out as `STREAM` events.
pub trait StreamMethod<Params>: Send + Sync + 'static {
    const ARITY: usize;
    fn invoke(&self, args: Vec<Value>) -> Result<Items, Failure>;
}

/// One argument, converted; the error says which one and why (serde's words).
fn argument<T: DeserializeOwned>(value: Value, position: usize) -> Result<T, Failure> {
    rmpv::ext::from_value(value).map_err(|rmpv::ext::Error::Syntax(why)| {
        Failure::new("TypeError", format!("argument {position}: {why}"))
    })
}

/// Checks the count of arguments, as Python's `TypeError` would.
fn check_arity(expected: usize, got: usize) -> Result<(), Failure> {
    if expected == got {
        return Ok(());
    }
    Err(Failure::new(
        "TypeError",
        format!("takes {expected} positional argument(s) but {got} were given"),
    ))
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
            fn invoke(&self, args: Vec<Value>) -> Result<Value, Failure> {
                check_arity($arity, args.len())?;
                let mut args = args.into_iter().enumerate();
                $(
                    let (i, value) = args.next().expect("the count was checked");
                    let $param: $param = argument(value, i + 1)?;
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
            fn invoke(&self, args: Vec<Value>) -> Result<Items, Failure> {
                check_arity($arity, args.len())?;
                let mut args = args.into_iter().enumerate();
                $(
                    let (i, value) = args.next().expect("the count was checked");
                    let $param: $param = argument(value, i + 1)?;
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
        m.invoke(args)
    }

    #[test]
    fn plain_functions_are_methods() {
        let add = |a: i64, b: i64| Ok(a + b);
        assert_eq!(invoke(add, vec![2.into(), 3.into()]), Ok(Value::from(5)));
        let err = invoke(add, vec![2.into()]).unwrap_err();
        assert_eq!(err.name, "TypeError");
        let err = invoke(add, vec![2.into(), "x".into()]).unwrap_err();
        assert!(err.message.starts_with("argument 2: invalid type"), "{err}");
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
    fn a_value_parameter_keeps_bin_and_str_apart() {
        let echo = |x: Value| Ok(x);
        for v in [Value::Binary(vec![0, 255]), Value::from("é"), Value::Nil] {
            assert_eq!(invoke(echo, vec![v.clone()]), Ok(v));
        }
    }
}
