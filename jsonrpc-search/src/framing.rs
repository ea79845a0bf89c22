//! Where does a request end? The tutorial's client sends one JSON request with **no delimiter**
//! (no newline, no length prefix) and then waits for the reply without closing its side. So the
//! receiver cannot wait for "end of line" or "end of stream": it must parse. A request is
//! complete exactly when the bytes received so far hold one whole JSON value.
//!
//! `serde_json`'s stream deserializer does that parsing for us: on a truncated value it reports an
//! "unexpected end of input" error (`is_eof()`), which means "wait for more bytes"; any other
//! error means the bytes can never become JSON. Braces inside strings (`"}{"`), escapes and
//! multi-byte UTF-8 split across two reads are all handled by the parser, not by counting.

use serde::de::IgnoredAny;

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
    let Some(first) = buf.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Frame::Incomplete;
    };
    if !matches!(first, b'{' | b'[') {
        return Frame::Invalid;
    }
    let mut values = serde_json::Deserializer::from_slice(buf).into_iter::<IgnoredAny>();
    match values.next() {
        // Skipping a string does not check its UTF-8, so check the finished value once.
        Some(Ok(_)) => match std::str::from_utf8(&buf[..values.byte_offset()]) {
            Ok(_) => Frame::Complete(values.byte_offset()),
            Err(_) => Frame::Invalid,
        },
        Some(Err(e)) if e.is_eof() => Frame::Incomplete,
        Some(Err(_)) => Frame::Invalid,
        None => Frame::Incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_ends_where_its_json_ends() {
        let req = br#"{"jsonrpc": "2.0", "method": "echo", "params": ["}{"], "id": 0}"#;
        assert_eq!(find_end(req), Frame::Complete(req.len()));
        // Everything shorter is unfinished, at every cut point.
        for cut in 0..req.len() {
            assert_eq!(find_end(&req[..cut]), Frame::Incomplete, "cut at {cut}");
        }
    }

    #[test]
    fn two_requests_back_to_back() {
        let two = b" {\"a\":[1]}\n[{\"b\":\"\\\"]\"}]";
        assert_eq!(find_end(two), Frame::Complete(10));
        assert_eq!(find_end(&two[10..]), Frame::Complete(two.len() - 10));
    }

    #[test]
    fn utf8_split_inside_a_string_is_just_unfinished() {
        let req = "{\"s\":\"héllo\"}".as_bytes();
        let mid = req.iter().position(|&b| b >= 0x80).expect("test input") + 1; // inside "é"
        assert_eq!(find_end(&req[..mid]), Frame::Incomplete);
        assert_eq!(find_end(req), Frame::Complete(req.len()));
    }

    #[test]
    fn garbage_is_invalid() {
        for bad in [
            &b"hello"[..],
            b"}",
            b"42",
            b"{\"a\" 1}",
            b"{\"s\":\"\xff\"}",
            b"[1,]",
        ] {
            assert_eq!(
                find_end(bad),
                Frame::Invalid,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(find_end(b"  \r\n"), Frame::Incomplete);
    }
}
