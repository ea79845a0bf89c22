//! The route table: function name → handler, the heart of any RPC framework.
//!
//! On the wire, parameters are just a MessagePack array of any values. A handler, though, wants
//! *typed* arguments: `plus` wants numbers, `divide` exactly two. serde does the
//! conversion: [`Router::route`] takes an ordinary Rust function `fn(P) -> Result<R, String>`,
//! and the router turns the array into `P` (a `Vec<Number>`, a tuple `(f64, f64)`, …) before the
//! call and `R` back into MessagePack after it. A wrong type or a wrong count of parameters
//! becomes an error reply that says what was expected, without a line of checking in the
//! handler. Registering a function is one line: `.route("plus", plus)`.

use std::collections::BTreeMap;
use std::fmt;

use rmpv::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a call failed once the request itself was understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("unknown function `{name}`; this server knows: {known}")]
    UnknownFunction { name: String, known: String },
    #[error("bad parameters for `{name}`: {reason}")]
    BadParameters { name: String, reason: String },
    #[error("`{name}` failed: {reason}")]
    Failed { name: String, reason: String },
}

/// What a type-erased handler reports, before the router adds the function's name.
enum Failure {
    Parameters(String),
    Function(String),
}

/// A handler with its types erased, so that handlers of different signatures fit in one table.
type Handler = Box<dyn Fn(Value) -> Result<Value, Failure> + Send + Sync>;

/// A table of named functions callable with MessagePack parameters.
#[derive(Default)]
pub struct Router {
    routes: BTreeMap<String, Handler>,
}

impl Router {
    /// An empty table.
    pub fn new() -> Router {
        Router::default()
    }

    /// Registers `function` under `name`. `P` is what the parameters array must deserialize
    /// into (a `Vec<T>` takes any number of `T`, a tuple exactly its arity); `R` is serialized
    /// as the reply, structs as maps with their field names as keys.
    pub fn route<P, R, F>(mut self, name: &str, function: F) -> Router
    where
        P: DeserializeOwned,
        R: Serialize,
        F: Fn(P) -> Result<R, String> + Send + Sync + 'static,
    {
        let handler = move |parameters: Value| {
            let typed: P = rmpv::ext::from_value(parameters)
                .map_err(|e| Failure::Parameters(serde_message(e)))?;
            let result = function(typed).map_err(Failure::Function)?;
            to_value(&result).map_err(Failure::Function)
        };
        self.routes.insert(name.to_string(), Box::new(handler));
        self
    }

    /// Calls the function `name` with `parameters`.
    pub fn call(&self, name: &str, parameters: Vec<Value>) -> Result<Value, CallError> {
        let Some(handler) = self.routes.get(name) else {
            return Err(CallError::UnknownFunction {
                name: name.to_string(),
                known: self.names().join(", "),
            });
        };
        handler(Value::Array(parameters)).map_err(|failure| match failure {
            Failure::Parameters(reason) => CallError::BadParameters {
                name: name.to_string(),
                reason,
            },
            Failure::Function(reason) => CallError::Failed {
                name: name.to_string(),
                reason,
            },
        })
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.routes.keys().map(String::as_str).collect()
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("functions", &self.names())
            .finish()
    }
}

/// serde's own words ("invalid type: string \"x\", expected i64"), without rmpv's prefix.
pub(crate) fn serde_message(error: rmpv::ext::Error) -> String {
    match error {
        rmpv::ext::Error::Syntax(message) => message,
    }
}

/// Serializes a handler's result into a [`Value`] the way it goes on the wire.
///
/// Through `rmp_serde::to_vec_named`, not `rmpv::ext::to_value`: both would write a struct as an
/// *array* of its fields by default; `_named` writes a map keyed by field names, which is what
/// a Python or PHP client can read.
fn to_value<R: Serialize>(result: &R) -> Result<Value, String> {
    let bytes =
        rmp_serde::to_vec_named(result).map_err(|e| format!("cannot encode the result: {e}"))?;
    rmpv::decode::read_value(&mut bytes.as_slice())
        .map_err(|e| format!("cannot encode the result: {e}"))
}
