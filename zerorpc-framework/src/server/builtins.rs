//! zerorpc's built-in methods, answered by every server besides its own: `_zerorpc_ping`,
//! `_zerorpc_name`, `_zerorpc_list`, `_zerorpc_inspect`, `_zerorpc_help` and `_zerorpc_args`,
//! with the answers zerorpc-python gives.

use rmpv::Value;

use super::registry::Registry;
use crate::method::{Answer, Failure};
use crate::middleware::{Call, Outcome};

/// The answer to `call` if it is a built-in, `None` for any other method.
pub(super) fn answer(registry: &Registry, call: &Call) -> Option<Outcome> {
    let value = |v: Value| Some(Ok(Answer::Value(v)));
    let named = || {
        let name = call.args.first().and_then(Value::as_str).unwrap_or("");
        registry
            .methods
            .get(name)
            .ok_or_else(|| Failure::new("NameError", name))
    };
    match call.method {
        "_zerorpc_ping" => value(Value::Array(vec!["pong".into(), registry.name().into()])),
        "_zerorpc_name" => value(registry.name().into()),
        "_zerorpc_list" => value(Value::Array(
            registry.names().into_iter().map(Value::from).collect(),
        )),
        "_zerorpc_inspect" => value(inspect(registry)),
        "_zerorpc_help" => Some(named().map(|m| Answer::Value(m.doc.as_str().into()))),
        // Python's `inspect.getargspec(f)`: `[args, varargs, keywords, defaults]`.
        "_zerorpc_args" => Some(named().map(|m| {
            let args = m.args.iter().map(|a| Value::from(a.as_str())).collect();
            Answer::Value(Value::Array(vec![
                Value::Array(args),
                Value::Nil,
                Value::Nil,
                Value::Nil,
            ]))
        })),
        _ => None,
    }
}

/// `{"name": …, "methods": {m: {"args": [{"name": a}], "doc": …}}}`, as zerorpc-python.
fn inspect(registry: &Registry) -> Value {
    let methods = registry
        .methods
        .iter()
        .map(|(name, m)| {
            let args = m
                .args
                .iter()
                .map(|a| Value::Map(vec![("name".into(), a.as_str().into())]))
                .collect();
            let detail = vec![
                ("args".into(), Value::Array(args)),
                ("doc".into(), m.doc.as_str().into()),
            ];
            (Value::from(name.as_str()), Value::Map(detail))
        })
        .collect();
    Value::Map(vec![
        ("name".into(), registry.name().into()),
        ("methods".into(), Value::Map(methods)),
    ])
}
