//! Where does a request end? The tutorial's client sends one JSON request with **no delimiter**
//! (no newline, no length prefix) and then waits for the reply without closing its side. So the
//! receiver cannot wait for "end of line" or "end of stream": it must parse. A request is
//! complete exactly when the bytes received so far hold one whole JSON value.
//!
//! `serde_json`'s stream deserializer does that parsing for us: on a truncated value it reports an
//! "unexpected end of input" error (`is_eof()`), which means "wait for more bytes"; any other
//! error means the bytes can never become JSON (invalid UTF-8 included). Braces inside strings
//! (`"}{"`), escapes and multi-byte UTF-8 split across two reads are handled by the parser, not
//! by counting.

use serde_json::Value;

/// What the bytes received so far hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// One complete JSON value fills `buf[..end]` (leading whitespace included).
    Complete(usize),
    /// Nothing yet, or a value that is not finished: read more.
    Incomplete,
    /// Not a JSON object or array, or broken JSON: no amount of reading will fix it.
    Invalid,
}

/// Looks for the end of the first JSON value in `buf`. Only objects (a call) and arrays (a batch)
/// count as requests, which is also what makes "the value is finished" unambiguous: a bare
/// number such as `12` could still grow into `123`.
pub fn find_end(buf: &[u8]) -> Frame {
    match parse_first(buf) {
        Ok(Some((end, _))) => Frame::Complete(end),
        Ok(None) => Frame::Incomplete,
        Err(()) => Frame::Invalid,
    }
}

/// [`find_end`], keeping what the parser built: `Ok(Some((end, value)))` for a complete
/// value, `Ok(None)` for "read more", `Err(())` for bytes that can never become a request. The
/// server parses each request once, here, and hands the value on.
#[allow(clippy::result_unit_err)] // the only failure is "invalid": nothing to say about it
pub fn parse_first(buf: &[u8]) -> Result<Option<(usize, Value)>, ()> {
    let Some(first) = buf.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Ok(None);
    };
    if !matches!(first, b'{' | b'[') {
        return Err(());
    }
    let mut values = serde_json::Deserializer::from_slice(buf).into_iter::<Value>();
    match values.next() {
        Some(Ok(value)) => Ok(Some((values.byte_offset(), value))),
        Some(Err(e)) if e.is_eof() => Ok(None),
        Some(Err(_)) => Err(()),
        None => Ok(None),
    }
}
