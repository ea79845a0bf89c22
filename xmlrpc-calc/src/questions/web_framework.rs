//! The tutorial mounts an XML-RPC handler inside a web framework, next to other routes, with a
//! `hello(name)` method that raises a Fault on an empty name. Here the web framework is axum:
//! the XML-RPC endpoint is one more route (`/api`, see [`crate::server::app`]).

use dxr::{TryFromParams, Value};
use dxr_server::axum::http::HeaderMap;
use dxr_server::{HandlerFn, HandlerResult};

use crate::calc::{CalcError, Methods};

/// The methods at `/api`.
pub fn api() -> Methods {
    let mut methods = Methods::new();
    methods.insert("hello", Box::new(hello as HandlerFn));
    methods
}

/// `hello(name)`: a greeting, or a fault for an empty name.
fn hello(params: &[Value], _headers: HeaderMap) -> HandlerResult {
    let name = String::try_from_params(params).map_err(CalcError::from)?;
    if name.trim().is_empty() {
        return Err(CalcError::EmptyName.into());
    }
    Ok(Value::String(format!("Hello, {name}!")))
}

#[cfg(test)]
mod tests {
    use super::*;

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
