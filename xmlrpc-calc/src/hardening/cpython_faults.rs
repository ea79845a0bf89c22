//! The faults a student sees must be the ones CPython's `SimpleXMLRPCServer` sends, so the Rust
//! and Python servers look alike to a client. `dxr_server`'s own dispatcher words three of them
//! differently, so the server dispatches itself ([`crate::server`], with `dxr`'s types and
//! `dxr_server`'s `Handler` trait, parsing each request once) and the faults are worded here:
//!
//! - a body that is not an XML-RPC `<methodCall>`: one line quoting the first [`QUOTED_CHARS`]
//!   characters (`dxr_server` quoted the whole body, twice prefixed: 1 MB of junk gave a 1 MB
//!   fault);
//! - a method this path does not serve: CPython's `<class 'Exception'>:method "power" is not
//!   supported` with code 1 (`dxr_server`: fault 404 `Unknown method.`), also inside a multicall;
//! - `system.multicall` and `system.listMethods`, with CPython's shapes (and its rule that a
//!   multicall result the marshaller refuses turns the whole reply into that fault).

use dxr::{multicall, Fault, MethodCall, TryToValue, Value};

use crate::calc::{CalcError, Methods, FAULT_METHOD};
use crate::python_operators::PyError;

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

/// One entry of a `system.multicall`: the method's name and parameters, or why it is malformed.
pub type Entry = Result<(String, Vec<Value>), Fault>;

/// The `{methodName, params}` entries of a `system.multicall`, each parsed on its own so that
/// one malformed entry spoils only its own answer.
pub fn multicall_entries(params: &[Value]) -> Result<Vec<Entry>, Fault> {
    let calls = multicall::from_multicall_params(params.to_vec()).map_err(CalcError::from)?;
    Ok(calls
        .into_iter()
        .map(|one| match one {
            // CPython would run a nested multicall; we refuse it (no recursion to bound).
            Ok((name, _)) if name == "system.multicall" => {
                Err(CalcError::UnknownMethod(name).into())
            }
            Ok(call) => Ok(call),
            Err(error) => Err(CalcError::from(error).into()),
        })
        .collect())
}

/// The answer to a `system.multicall`, CPython's way: an array holding `[result]` for each
/// success and `{faultCode, faultString}` for each failure, so one failing call does not spoil
/// the others. But CPython writes the whole array at the end, so a result its marshaller
/// refuses (an int beyond 32 bits) makes the whole reply that one fault; we do the same.
pub fn multicall_response(results: Vec<Result<Value, Fault>>) -> Result<Value, Fault> {
    let marshal_faults = [
        PyError::IntTooBig.to_string(),
        PyError::NoneInResult.to_string(),
    ];
    if let Some(fault) = results
        .iter()
        .filter_map(|result| result.as_ref().err())
        .find(|fault| marshal_faults.iter().any(|text| text == fault.string()))
    {
        return Err(fault.clone());
    }
    Ok(multicall::into_multicall_response(results))
}

/// `system.listMethods`: the names served at this path, in the order CPython's server lists
/// the calculator's, then the two `system.` methods.
pub fn list_methods(methods: &Methods, params: &[Value]) -> Result<Value, Fault> {
    if !params.is_empty() {
        let words = "system_listMethods() takes 1 positional argument";
        let text = format!("{words} but {} were given", params.len() + 1);
        return Err(CalcError::Arity(text).into());
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
