//! Not the lesson: how the client turns command-line words into XML-RPC values and shows the
//! values it gets back, the way the tutorial's Python client (`print(proxy.add(2, 5))`) does.

use xmlrpc::Value;

/// Shows a value the way Python's `print()` would (`10`, `'hi'`, `[1, 2]`, `{'a': 1}`).
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Int64(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Double(d) => format!("{d:?}"),
        Value::DateTime(dt) => format!("<DateTime {dt:?}>"),
        Value::Base64(bytes) => format!("b{:?}", String::from_utf8_lossy(bytes)),
        Value::Struct(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("'{k}': {}", python_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Nil => "None".to_string(),
    }
}

/// Turns a command-line word into an XML-RPC value: an `<int>` if it is one, else a
/// `<double>`, else a `<string>` (so `add 2 5` sends two ints, `hello Ada` a string).
pub fn parse_arg(word: &str) -> Value {
    if let Ok(n) = word.parse::<i32>() {
        Value::Int(n)
    } else if let Ok(d) = word.parse::<f64>() {
        Value::Double(d)
    } else {
        Value::String(word.to_string())
    }
}
