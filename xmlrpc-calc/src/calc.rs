//! The methods the server offers: the XML-RPC lesson proper.
//!
//! XML-RPC (<http://xmlrpc.com/spec.md>): a call is an HTTP `POST` whose body is a
//! `<methodCall>` naming a method and listing its `<params>`; the reply is a `<methodResponse>`
//! holding either one `<param>` (the result) or a `<fault>` (`faultCode` + `faultString`).
//! A method gets the decoded parameters and returns `Ok(value)` or `Err(fault)`; a fault is an
//! ordinary reply, and the server goes on serving.
//!
//! The four methods are the tutorial's Python functions `add(x, y)`, `subtract(x, y)`,
//! `multiply(x, y)` and `divide(x, y)`: Python's `x + y`, `x - y`, `x * y` and `x // y` on
//! whatever XML-RPC values arrive ([`crate::python_operators`]), so `7/3 = 2` (floor
//! division, as Python 2's `/` on ints), `add(0.5, 0.25) = 0.75` and `add('a', 'b') = 'ab'`,
//! and every fault carries CPython's words.

use std::collections::HashMap;

use dxr::{Fault, Value};
use dxr_server::axum::http::HeaderMap;
use dxr_server::{async_trait, Handler, HandlerResult};

use crate::python_operators::{self, PyError};

/// The fault code of every fault. Python's `SimpleXMLRPCServer` uses `1` for every exception,
/// so we do the same and both servers look alike to a client.
pub const FAULT_METHOD: i32 = 1;

/// Why a method refused its arguments. Each becomes a `<fault>` with code [`FAULT_METHOD`] and
/// the very text CPython's server sends for the same exception (`"%s:%s" % (type, value)`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalcError {
    /// What Python's operators raise (`TypeError`, `ZeroDivisionError`) and its marshaller
    /// (`OverflowError: int exceeds XML-RPC limits`).
    #[error(transparent)]
    Python(#[from] PyError),
    /// A call with too few or too many parameters, in CPython's words for the function.
    #[error("<class 'TypeError'>:{0}")]
    Arity(String),
    #[error("<class 'ValueError'>:sleep takes 0 to {max} seconds, got {seconds}")]
    SleepOutOfRange { seconds: String, max: u64 },
    #[error("<class 'ValueError'>:name must not be empty")]
    EmptyName,
    /// CPython's own words for a method it does not have.
    #[error("<class 'Exception'>:method \"{0}\" is not supported")]
    UnknownMethod(String),
    /// Parameters `dxr` could not convert (a multicall entry that is not a struct, say).
    #[error("<class 'TypeError'>:{0}")]
    BadParams(String),
}

impl From<dxr::Error> for CalcError {
    fn from(error: dxr::Error) -> CalcError {
        CalcError::BadParams(error.to_string())
    }
}

impl From<CalcError> for Fault {
    fn from(error: CalcError) -> Fault {
        Fault::new(FAULT_METHOD, error.to_string())
    }
}

/// Method name → method, for one path of the server.
pub type Methods = HashMap<&'static str, Box<dyn Handler>>;

/// The calculator's own methods, in the order `system.listMethods` lists them (`sleep` is the
/// slow call of `questions::concurrency`, which the server adds).
pub const CALC_METHODS: [&str; 5] = ["add", "subtract", "multiply", "divide", "sleep"];

/// The four methods. `max_len` bounds what `multiply` may build by repetition (the server
/// passes its request size limit).
pub fn calculator(max_len: usize) -> Methods {
    let mut methods = Methods::new();
    let operators: [(&'static str, Operation); 4] = [
        ("add", |x, y, _| python_operators::add(x, y)),
        ("subtract", |x, y, _| python_operators::subtract(x, y)),
        ("multiply", python_operators::multiply),
        ("divide", |x, y, _| python_operators::floor_divide(x, y)),
    ];
    for (name, apply) in operators {
        let method = Operator {
            name,
            apply,
            max_len,
        };
        methods.insert(name, Box::new(method));
    }
    methods
}

/// `x op y` on two values, with the repetition limit.
type Operation = fn(&Value, &Value, usize) -> Result<Value, PyError>;

/// One of the four methods: `def name(x, y): return x op y`.
struct Operator {
    name: &'static str,
    apply: Operation,
    max_len: usize,
}

#[async_trait]
impl Handler for Operator {
    async fn handle(&self, params: &[Value], _headers: HeaderMap) -> HandlerResult {
        let [x, y] = params else {
            return Err(CalcError::Arity(arity(self.name, &["x", "y"], params.len())).into());
        };
        let result = (self.apply)(x, y, self.max_len).and_then(python_operators::marshal);
        Ok(result.map_err(CalcError::from)?)
    }
}

/// CPython's words for calling `name(parameters…)` with `given` arguments:
/// `add() missing 1 required positional argument: 'y'`,
/// `add() takes 2 positional arguments but 3 were given`.
pub fn arity(name: &str, parameters: &[&str], given: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if given > parameters.len() {
        let takes = plural(parameters.len(), "positional argument");
        let verb = if given == 1 { "was" } else { "were" };
        return format!("{name}() takes {takes} but {given} {verb} given");
    }
    let missing: Vec<String> = parameters[given..]
        .iter()
        .map(|p| format!("'{p}'"))
        .collect();
    let names = match missing.as_slice() {
        [one] => one.clone(),
        [init @ .., last] if init.len() == 1 => format!("{} and {last}", init[0]),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
        [] => String::new(),
    };
    let count = plural(missing.len(), "required positional argument");
    format!("{name}() missing {count}: {names}")
}
