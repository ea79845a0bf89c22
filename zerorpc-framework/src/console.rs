//! The console line: how a call and its outcome print (`add(2, 3) = 5`, `echo(b'random
//! bytes') = b'random bytes'`, `count(3) = stream of 3 items`), and the shared writer the
//! console middleware ([`crate::middleware::console`]) prints through.

use std::io::Write;
use std::sync::{Arc, Mutex};

use rmpv::Value;

use crate::method::{Failure, Items};

/// Where the console lines go, shared by every call (and every stream still running).
#[derive(Clone)]
pub(crate) struct Console(Arc<Mutex<Box<dyn Write + Send>>>);

impl Console {
    pub(crate) fn new(out: impl Write + Send + 'static) -> Console {
        Console(Arc::new(Mutex::new(Box::new(out))))
    }

    /// One line, flushed at once (the console is watched live).
    pub(crate) fn print(&self, line: &str) {
        let mut out = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// `items`, counted on their way out, with the line `shown = stream of N items` once
    /// they end (or `… abandoned after N items` when the client went away).
    pub(crate) fn counted(&self, items: Items, shown: String) -> Items {
        Box::new(Counted {
            items,
            shown,
            count: 0,
            ended: false,
            out: self.clone(),
        })
    }
}

/// A stream's items, counted on their way out, and its console line once it ends.
struct Counted {
    items: Items,
    shown: String,
    count: usize,
    ended: bool,
    out: Console,
}

impl Iterator for Counted {
    type Item = Result<Value, Failure>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.items.next();
        let (shown, count) = (&self.shown, self.count);
        match &item {
            Some(Ok(_)) => self.count += 1,
            Some(Err(failure)) => {
                self.out
                    .print(&format!("{shown} = ERR {failure} after {count} items"));
                self.ended = true;
            }
            None if !self.ended => {
                self.out
                    .print(&format!("{shown} = stream of {count} items"));
                self.ended = true;
            }
            None => {}
        }
        item
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if !self.ended {
            let (shown, count) = (&self.shown, self.count);
            self.out
                .print(&format!("{shown} = stream abandoned after {count} items"));
        }
    }
}

/// `add(2, 3)`: a call as the console line shows it.
pub fn display_call(method: &str, args: &[Value]) -> String {
    let args: Vec<String> = args.iter().map(display).collect();
    format!("{method}({})", args.join(", "))
}

/// A value as the console line shows it: rmpv's text, except that bin reads as Python's
/// bytes (`b'random bytes'`, not a list of numbers) and a float as Rust's shortest form
/// (`1e308`, not 309 digits).
pub fn display(value: &Value) -> String {
    match value {
        Value::Binary(bytes) => {
            let text: String = bytes
                .iter()
                .map(|&b| match b {
                    b'\\' | b'\'' => format!("\\{}", b as char),
                    b' '..=b'~' => (b as char).to_string(),
                    b'\n' => "\\n".into(),
                    _ => format!("\\x{b:02x}"),
                })
                .collect();
            format!("b'{text}'")
        }
        Value::F64(f) => format!("{f:?}"),
        Value::F32(f) => format!("{f:?}"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(display).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", display(k), display(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_shows_bytes_as_python_does() {
        let call = display_call("echo", &[Value::Binary(b"random bytes\x00'".to_vec())]);
        assert_eq!(call, r"echo(b'random bytes\x00\'')");
        assert_eq!(display(&Value::from(1e308)), "1e308");
        assert_eq!(
            display(&Value::Array(vec![0.5.into(), "a".into()])),
            r#"[0.5, "a"]"#
        );
    }
}
