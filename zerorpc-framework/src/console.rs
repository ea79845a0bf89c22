//! The console line: how a call and its outcome print (`add(2, 3) = 5`, `echo(b'random
//! bytes') = b'random bytes'`, `count(3) = stream of 3 items`), and the shared writer the
//! console middleware ([`crate::middleware::console`]) prints through.

use std::cell::RefCell;
use std::io::{BufWriter, Write};
use std::sync::{Arc, Mutex};

use rmpv::Value;

use crate::method::{Failure, Items};

/// Where the console lines go, shared by every call (and every stream still running).
#[derive(Clone)]
pub(crate) struct Console(Arc<Mutex<BufWriter<Box<dyn Write + Send>>>>);

thread_local! {
    /// `Some` on a thread that holds its lines ([`Hold`]): the consoles it wrote to since it
    /// last flushed them.
    static HELD: RefCell<Option<Vec<Console>>> = const { RefCell::new(None) };
}

impl Console {
    pub(crate) fn new(out: impl Write + Send + 'static) -> Console {
        Console(Arc::new(Mutex::new(BufWriter::new(Box::new(out)))))
    }

    /// One line, flushed at once (the console is watched live) — unless this thread holds its
    /// lines: then they leave at its next [`flush_held`].
    pub(crate) fn print(&self, line: &str) {
        let mut out = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
        let held = HELD.with(|held| match held.borrow_mut().as_mut() {
            Some(consoles) => {
                if !consoles.iter().any(|c| Arc::ptr_eq(&c.0, &self.0)) {
                    consoles.push(self.clone());
                }
                true
            }
            None => false,
        });
        if !held {
            let _ = out.flush();
        }
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

/// While alive, this thread's console lines wait in their buffer until [`flush_held`]. The
/// server's I/O thread holds its lines (those of the quick calls it answers itself) and flushes
/// them before it waits for the next message: a call's line then leaves after its reply, and
/// under load many lines leave in one write. (Not the lesson: an optimisation, as `Quick` is.)
pub(crate) struct Hold(());

impl Hold {
    pub(crate) fn start() -> Hold {
        HELD.with(|held| held.borrow_mut().get_or_insert_with(Vec::new).clear());
        Hold(())
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        flush_held();
        HELD.with(|held| held.borrow_mut().take());
    }
}

/// Writes out the lines this thread holds ([`Hold`]); nothing to do on other threads.
pub(crate) fn flush_held() {
    let consoles = HELD.with(|held| held.borrow_mut().as_mut().map(std::mem::take));
    for console in consoles.unwrap_or_default() {
        let _ = console.0.lock().unwrap_or_else(|p| p.into_inner()).flush();
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

    /// A writer whose bytes the test can read while the console holds it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("lock").clone()).expect("UTF-8")
        }
    }

    #[test]
    fn a_line_leaves_at_once_unless_its_thread_holds_it_until_flush_held() {
        let out = Shared::default();
        let console = Console::new(out.clone());
        console.print("add(1, 2) = 3");
        assert_eq!(out.text(), "add(1, 2) = 3\n", "no hold: written at once");

        let hold = Hold::start();
        console.print("add(2, 3) = 5");
        console.print("add(3, 4) = 7");
        assert_eq!(out.text(), "add(1, 2) = 3\n", "held until the thread waits");
        flush_held();
        assert_eq!(out.text(), "add(1, 2) = 3\nadd(2, 3) = 5\nadd(3, 4) = 7\n");

        // Another thread's line leaves at once (and takes the held ones with it).
        console.print("add(4, 5) = 9");
        let other = console.clone();
        let (done, printed) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            other.print("sleep(1) = 1");
            let _ = done.send(());
        });
        printed
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("the other thread printed within 5 s");
        assert!(out.text().ends_with("add(4, 5) = 9\nsleep(1) = 1\n"));

        // Dropping the hold flushes and ends it.
        console.print("add(5, 6) = 11");
        drop(hold);
        assert!(out.text().ends_with("add(5, 6) = 11\n"));
        console.print("add(6, 7) = 13");
        assert!(out.text().ends_with("add(6, 7) = 13\n"), "no hold any more");
    }

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
