//! The faults a student sees must be the ones CPython's `SimpleXMLRPCServer` sends, so the Rust
//! and Python servers look alike to a client. `dxr_server`'s own dispatcher words three of them
//! differently, so the server dispatches itself (with `dxr`'s types and `dxr_server`'s `Handler`
//! trait, parsing each request once) and answers here:
//!
//! - a body that is not an XML-RPC `<methodCall>`: one line quoting the first [`QUOTED_CHARS`]
//!   characters (`dxr_server` quoted the whole body, twice prefixed: 1 MB of junk gave a 1 MB
//!   fault);
//! - a method this path does not serve: CPython's `<class 'Exception'>:method "power" is not
//!   supported` with code 1 (`dxr_server`: fault 404 `Unknown method.`), also inside a multicall;
//! - `system.multicall` and `system.listMethods`, with CPython's shapes.

use dxr::{multicall, Fault, MethodCall, TryToValue, Value};
use dxr_server::axum::http::HeaderMap;
use dxr_server::HandlerResult;

use crate::calc::Methods;

/// The fault code of every fault. Python's `SimpleXMLRPCServer` uses `1` for every exception,
/// so we do the same and both servers look alike to a client.
pub const FAULT_METHOD: i32 = 1;

/// Why a method refused its arguments. Each becomes a `<fault>` with code [`FAULT_METHOD`] and
/// the very text CPython's server sends for the same exception (`"%s:%s" % (type, value)`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalcError {
    #[error("<class 'ZeroDivisionError'>:integer division or modulo by zero")]
    DivisionByZero,
    /// CPython computes the big number, then fails to marshal it: "int exceeds XML-RPC limits".
    #[error("<class 'OverflowError'>:int exceeds XML-RPC limits")]
    Overflow,
    #[error("<class 'ValueError'>:sleep takes 0 to {max} seconds, got {seconds}", max = crate::questions::concurrency::MAX_SLEEP.as_secs())]
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

/// How much of a malformed request its fault quotes.
pub const QUOTED_CHARS: usize = 60;

/// The `<methodCall>` in `body`, or CPython's kind of fault for a malformed request.
pub fn parse(body: &[u8]) -> Result<MethodCall<'static>, Fault> {
    let text = std::str::from_utf8(body).map_err(|error| {
        let text = format!("malformed XML-RPC request: the body is not UTF-8 ({error})");
        Fault::new(FAULT_METHOD, text)
    })?;
    MethodCall::from_xml(text).map_err(|_| {
        let text = text.trim();
        let mut quoted: String = text.chars().take(QUOTED_CHARS).collect();
        if quoted.len() < text.len() {
            quoted.push('…');
        }
        tracing::info!(%quoted, "malformed XML-RPC request");
        let text = format!(
            "malformed XML-RPC request: not a well-formed <methodCall> document: {quoted:?}"
        );
        Fault::new(FAULT_METHOD, text)
    })
}

/// Calls `name` among `methods`, or answers CPython's fault for a method that is not there.
pub async fn call(
    methods: &Methods,
    name: &str,
    params: &[Value],
    headers: HeaderMap,
) -> HandlerResult {
    match methods.get(name) {
        Some(method) => method.handle(params, headers).await,
        None if name == "system.listMethods" => list_methods(methods, params),
        None => {
            tracing::info!(method = %name, "unknown method");
            Err(CalcError::UnknownMethod(name.to_string()).into())
        }
    }
}

/// `system.multicall`, CPython's way: run each `{methodName, params}` in turn, and answer with
/// an array holding `[result]` for each success and `{faultCode, faultString}` for each
/// failure, so one failing call does not spoil the others. A nested `system.multicall` is an
/// unknown method (CPython would run it).
pub async fn multicall(methods: &Methods, params: &[Value], headers: HeaderMap) -> HandlerResult {
    let calls = multicall::from_multicall_params(params.to_vec()).map_err(CalcError::from)?;
    let mut results = Vec::with_capacity(calls.len());
    for one in calls {
        results.push(match one {
            Ok((name, _)) if name == "system.multicall" => {
                Err(CalcError::UnknownMethod(name).into())
            }
            Ok((name, params)) => call(methods, &name, &params, headers.clone()).await,
            Err(error) => Err(CalcError::from(error).into()),
        });
    }
    Ok(multicall::into_multicall_response(results))
}

/// `system.listMethods`: the names served at this path, in the order CPython's server lists
/// the calculator's, then the two `system.` methods.
fn list_methods(methods: &Methods, params: &[Value]) -> HandlerResult {
    if !params.is_empty() {
        return Err(CalcError::from(dxr::Error::parameter_mismatch(params.len(), 0)).into());
    }
    let mut names: Vec<&str> = crate::calc::CALC_METHODS
        .into_iter()
        .filter(|name| methods.contains_key(name))
        .collect();
    let mut others: Vec<&str> = methods
        .keys()
        .copied()
        .filter(|name| !names.contains(name))
        .collect();
    others.sort_unstable();
    names.extend(others);
    names.extend(["system.listMethods", "system.multicall"]);
    Ok(names.try_to_value()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::{add, multiply, subtract};

    #[test]
    fn arithmetic_checks_types_and_overflow() {
        let int = |n| Value::Integer(n);
        assert_eq!(add(&[int(7), int(3)], HeaderMap::new()), Ok(int(10)));
        let overflow = multiply(&[int(i32::MAX), int(2)], HeaderMap::new());
        assert_eq!(overflow.map_err(|f| f.code()), Err(FAULT_METHOD));
        let wrong = add(&[Value::String("7".into()), int(3)], HeaderMap::new());
        assert_eq!(wrong.map_err(|f| f.code()), Err(FAULT_METHOD));
        assert!(subtract(&[int(7)], HeaderMap::new()).is_err());
    }
}
