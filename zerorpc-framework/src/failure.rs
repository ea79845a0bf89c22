//! What a method answers when it fails: a name and a message, like a Python exception, and
//! how that goes on the wire (`ERR [name, message, traceback]`, or protocol 1's one string).
//! A leaf module: the method glue, Python's operators and the server all use it.

use rmpv::Value;

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

impl Failure {
    /// Protocol v1's form (a call whose header has no `v`, or `v` < 2, as zerorpc-python
    /// reads it): `ERR [repr]`, one string, Python's `repr(exception)`: `NameError('ad')`.
    pub fn to_args_v1(&self) -> Value {
        let quote = if self.message.contains('\'') && !self.message.contains('"') {
            '"'
        } else {
            '\''
        };
        let mut repr = String::new();
        for c in self.message.chars() {
            match c {
                '\\' => repr.push_str("\\\\"),
                '\n' => repr.push_str("\\n"),
                c if c == quote => {
                    repr.push('\\');
                    repr.push(c);
                }
                c => repr.push(c),
            }
        }
        Value::Array(vec![Value::from(format!(
            "{}({quote}{repr}{quote})",
            self.name
        ))])
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_1_errors_are_pythons_repr() {
        let v1 = |m: &str| Failure::new("NameError", m).to_args_v1();
        assert_eq!(v1("ad"), Value::Array(vec!["NameError('ad')".into()]));
        assert_eq!(
            v1("it's"),
            Value::Array(vec![r#"NameError("it's")"#.into()])
        );
    }
}
