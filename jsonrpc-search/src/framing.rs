//! Where does a request end? The tutorial's client sends one JSON request with **no delimiter**
//! (no newline, no length prefix) and then waits for the reply without closing its side. So the
//! receiver must parse: a request is complete exactly when the bytes so far hold one whole JSON
//! value. `serde_json`'s stream deserializer tells us: "unexpected end of input" (`is_eof()`)
//! means "read more"; any other error means the bytes can never become JSON. Braces inside
//! strings (`"}{"`) and UTF-8 split across two reads are the parser's business, not a counter's.

pub mod frame;
pub use frame::{find_end, Frame};

/// Looks for the end of the first JSON value in `buf`: `Ok(Some((end, value)))` when `buf[..end]`
/// holds one whole value (leading whitespace included), `Ok(None)` for "read more", `Err(())` for
/// bytes no amount of reading will fix. Only objects (a call) and arrays (a batch) count, which
/// is also what makes "the value is finished" unambiguous: `12` could still grow into `123`.
#[allow(clippy::result_unit_err)] // the only failure is "invalid": nothing to say about it
pub fn parse_first(buf: &[u8]) -> Result<Option<(usize, serde_json::Value)>, ()> {
    match buf.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Ok(None),
        Some(b'{' | b'[') => {}
        Some(_) => return Err(()),
    }
    let mut values = serde_json::Deserializer::from_slice(buf).into_iter::<serde_json::Value>();
    match values.next() {
        Some(Ok(value)) => Ok(Some((values.byte_offset(), value))),
        Some(Err(e)) if e.is_eof() => Ok(None),
        Some(Err(_)) => Err(()),
        None => Ok(None),
    }
}
