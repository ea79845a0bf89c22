//! The methods the server offers, and the routes they live at.
//!
//! XML-RPC (<http://xmlrpc.com/spec.md>): a call is an HTTP `POST` whose body is a
//! `<methodCall>` naming a method and listing its `<params>`; the reply is a `<methodResponse>`
//! holding either one `<param>` (the result) or a `<fault>` (`faultCode` + `faultString`).
//! `dxr_server` does the XML and the HTTP; this module only says which names map to which Rust
//! functions. A handler gets the decoded parameters and returns `Ok(value)` or `Err(fault)`, and
//! a fault is an ordinary reply: the server goes on serving.
//!
//! Numbers follow the tutorial's Python 2 server: integers (`<int>`/`<i4>`, 32 bits), and `/` is
//! **floor** division (`7/3 = 2`, `-7/3 = -3`). Where Python 2 would quietly switch to a bigger
//! integer type that XML-RPC cannot carry anyway, we answer with a fault.

use std::collections::HashMap;
use std::time::Duration;

use dxr::{multicall, Fault, TryFromParams, TryFromValue, TryToValue, Value};
use dxr_server::axum::http::HeaderMap;
use dxr_server::axum::Router;
use dxr_server::{async_trait, Handler, HandlerFn, HandlerResult, RouteBuilder};

/// The longest `sleep(seconds)` the server agrees to (a guard against tying up the server).
pub const MAX_SLEEP: Duration = Duration::from_secs(30);

/// The calculator's own methods, in the order `system.listMethods` lists them.
pub const CALC_METHODS: [&str; 5] = ["add", "subtract", "multiply", "divide", "sleep"];

/// The fault code of every fault. Python's `SimpleXMLRPCServer` uses `1` for every exception,
/// whether the method raised it, the method does not exist or its parameters do not fit; we do
/// the same so both servers look alike to a client.
pub const FAULT_METHOD: i32 = 1;

/// Why a method refused its arguments. Each becomes a `<fault>` with code [`FAULT_METHOD`] and
/// the very text CPython's server sends for the same exception (`"%s:%s" % (type, value)`), so
/// a student sees the same fault from either server.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalcError {
    #[error("<class 'ZeroDivisionError'>:integer division or modulo by zero")]
    DivisionByZero,
    /// CPython computes the big number, then fails to marshal it: "int exceeds XML-RPC limits".
    #[error("<class 'OverflowError'>:int exceeds XML-RPC limits")]
    Overflow,
    #[error("<class 'ValueError'>:sleep takes 0 to {max} seconds, got {seconds}", max = MAX_SLEEP.as_secs())]
    SleepOutOfRange { seconds: f64 },
    #[error("<class 'ValueError'>:name must not be empty")]
    EmptyName,
    /// CPython's own words for a method it does not have.
    #[error("<class 'Exception'>:method \"{0}\" is not supported")]
    UnknownMethod(String),
    /// Wrong number or types of parameters: a `TypeError` in CPython (whose text names the
    /// Python function; ours is `dxr`'s description of the mismatch).
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

/// Decodes the two integer parameters every calculator method takes. A wrong count or type
/// is a `TypeError` fault ("Parameter mismatch" / "Type mismatch").
fn two_ints(params: &[Value]) -> Result<(i32, i32), CalcError> {
    Ok(<(i32, i32)>::try_from_params(params)?)
}

/// Wraps an integer result as an XML-RPC value.
fn int(result: Result<i32, CalcError>) -> HandlerResult {
    Ok(Value::Integer(result?))
}

fn add(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let (a, b) = two_ints(params)?;
    int(a.checked_add(b).ok_or(CalcError::Overflow))
}

fn subtract(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let (a, b) = two_ints(params)?;
    int(a.checked_sub(b).ok_or(CalcError::Overflow))
}

fn multiply(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let (a, b) = two_ints(params)?;
    int(a.checked_mul(b).ok_or(CalcError::Overflow))
}

fn divide(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let (a, b) = two_ints(params)?;
    int(floor_div(a, b))
}

/// The web-framework example: `hello(name)` mounted at `/api`.
fn hello(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let name = String::try_from_params(params).map_err(CalcError::from)?;
    if name.trim().is_empty() {
        return Err(CalcError::EmptyName.into());
    }
    Ok(Value::String(format!("Hello, {name}!")))
}

/// `sleep(seconds)`: the slow call of the concurrency lesson. It *awaits* a timer instead of
/// blocking a thread, so one server process can have hundreds of these in flight at once —
/// where the tutorial's threaded Python server needs one OS thread per waiting call.
/// Returns the seconds it slept (int or double, whatever it was given).
#[derive(Debug)]
struct Sleep;

#[async_trait]
impl Handler for Sleep {
    async fn handle(&self, params: &[Value], _headers: HeaderMap) -> HandlerResult {
        let [arg] = params else {
            return Err(CalcError::from(dxr::Error::parameter_mismatch(params.len(), 1)).into());
        };
        // Accept `sleep(5)` as well as `sleep(0.5)`.
        let seconds = match i32::try_from_value(arg) {
            Ok(n) => f64::from(n),
            Err(_) => f64::try_from_value(arg).map_err(CalcError::from)?,
        };
        if !(0.0..=MAX_SLEEP.as_secs_f64()).contains(&seconds) {
            return Err(CalcError::SleepOutOfRange { seconds }.into());
        }
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        Ok(arg.clone())
    }
}

/// `system.listMethods`: the names served at this path, as an array of strings.
#[derive(Debug)]
struct ListMethods(Vec<&'static str>);

#[async_trait]
impl Handler for ListMethods {
    async fn handle(&self, params: &[Value], _headers: HeaderMap) -> HandlerResult {
        if !params.is_empty() {
            return Err(CalcError::from(dxr::Error::parameter_mismatch(params.len(), 0)).into());
        }
        Ok(self.0.try_to_value()?)
    }
}

/// `system.multicall`, CPython's way: run each `{methodName, params}` in turn, and answer with
/// an array holding `[result]` for each success and `{faultCode, faultString}` for each
/// failure, so one failing call does not spoil the others. (`dxr_server` has one built in, but
/// it answers an unknown method with its own fault 404 where CPython says fault 1.)
struct Multicall(HashMap<&'static str, Box<dyn Handler>>);

impl std::fmt::Debug for Multicall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Multicall").field(&self.0.keys()).finish()
    }
}

#[async_trait]
impl Handler for Multicall {
    async fn handle(&self, params: &[Value], headers: HeaderMap) -> HandlerResult {
        let calls = multicall::from_multicall_params(params.to_vec()).map_err(CalcError::from)?;
        let mut results = Vec::with_capacity(calls.len());
        for call in calls {
            results.push(match call {
                Ok((name, params)) => match self.0.get(name.as_str()) {
                    Some(method) => method.handle(&params, headers.clone()).await,
                    None => Err(CalcError::UnknownMethod(name).into()),
                },
                Err(error) => Err(CalcError::from(error).into()),
            });
        }
        Ok(multicall::into_multicall_response(results))
    }
}

/// The two kinds of endpoint the server has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// The calculator, at `/` and `/RPC2` (Python's default paths).
    Calculator,
    /// The web-framework example at `/api`: `hello` only.
    Api,
}

impl Endpoint {
    fn at(path: &str) -> Option<Endpoint> {
        match path {
            "/" | "/RPC2" => Some(Endpoint::Calculator),
            "/api" => Some(Endpoint::Api),
            _ => None,
        }
    }

    /// Every method name served here, in the order `system.listMethods` lists them.
    fn names(self) -> Vec<&'static str> {
        let mut names = match self {
            Endpoint::Calculator => CALC_METHODS.to_vec(),
            Endpoint::Api => vec!["hello"],
        };
        names.extend(["system.listMethods", "system.multicall"]);
        names
    }

    /// The handlers a multicall may call (every method but `system.multicall` itself, as in
    /// CPython, where a nested multicall would only recurse).
    fn handlers(self) -> Vec<(&'static str, Box<dyn Handler>)> {
        let mut handlers: Vec<(&'static str, Box<dyn Handler>)> = match self {
            Endpoint::Calculator => vec![
                ("add", Box::new(add as HandlerFn)),
                ("subtract", Box::new(subtract as HandlerFn)),
                ("multiply", Box::new(multiply as HandlerFn)),
                ("divide", Box::new(divide as HandlerFn)),
                ("sleep", Box::new(Sleep)),
            ],
            Endpoint::Api => vec![("hello", Box::new(hello as HandlerFn))],
        };
        handlers.push(("system.listMethods", Box::new(ListMethods(self.names()))));
        handlers
    }

    /// The axum router for this endpoint at `path`: each method, plus `system.multicall`.
    fn router(self, path: &str) -> Router {
        let mut route = RouteBuilder::new().set_path(path);
        for (name, handler) in self.handlers() {
            route = route.add_method(name, handler);
        }
        let callable = self.handlers().into_iter().collect();
        route
            .add_method("system.multicall", Box::new(Multicall(callable)))
            .build()
    }
}

/// `Some(true)` when `method` is served at `path`, `Some(false)` when it is not (the server
/// answers CPython's "method … is not supported" fault), `None` for a path with no endpoint.
pub fn serves(path: &str, method: &str) -> Option<bool> {
    Endpoint::at(path).map(|endpoint| endpoint.names().contains(&method))
}

/// Every route of the server: the calculator at `/` and `/RPC2` (Python's default paths),
/// `hello` at `/api` (the tutorial mounts an XML-RPC handler inside a web framework next to
/// other routes; here the web framework is axum, and the handler is one more `Router`).
/// HTTP limits and the allowlist are added by [`crate::server`].
pub fn routes() -> Router {
    Endpoint::Calculator
        .router("/")
        .merge(Endpoint::Calculator.router("/RPC2"))
        .merge(Endpoint::Api.router("/api"))
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

    #[test]
    fn arithmetic_checks_types_and_overflow() {
        let ok = add(&[Value::Integer(7), Value::Integer(3)], HeaderMap::new());
        assert_eq!(ok, Ok(Value::Integer(10)));
        let overflow = multiply(
            &[Value::Integer(i32::MAX), Value::Integer(2)],
            HeaderMap::new(),
        );
        assert_eq!(overflow.map_err(|f| f.code()), Err(FAULT_METHOD));
        let wrong = add(
            &[Value::String("7".into()), Value::Integer(3)],
            HeaderMap::new(),
        );
        assert_eq!(wrong.map_err(|f| f.code()), Err(FAULT_METHOD));
        let missing = subtract(&[Value::Integer(7)], HeaderMap::new());
        assert!(missing.is_err());
    }

    #[test]
    fn hello_refuses_an_empty_name() {
        let fault = hello(&[Value::String(String::new())], HeaderMap::new()).unwrap_err();
        assert_eq!(
            fault.string(),
            "<class 'ValueError'>:name must not be empty"
        );
        let ok = hello(&[Value::String("Ada".into())], HeaderMap::new());
        assert_eq!(ok, Ok(Value::String("Hello, Ada!".into())));
    }
}
