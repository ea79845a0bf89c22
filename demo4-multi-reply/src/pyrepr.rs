//! Python's way of printing bytes, so our client prints what the tutorial's Python client
//! prints: `print(socket.recv_multipart())` shows `[b'alice']`.
//!
//! The rules are CPython's `bytes.__repr__`: printable ASCII as is; `\t`, `\n`, `\r` and the
//! backslash escaped; every other byte as `\xNN`; single quotes around it, unless the bytes
//! contain a `'` and no `"`, then double quotes.

/// `repr(frame)` for one frame, e.g. `b'hello'`.
pub fn bytes_repr(frame: &[u8]) -> String {
    let quote = if frame.contains(&b'\'') && !frame.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(frame.len() + 3);
    out.push('b');
    out.push(char::from(quote));
    for &byte in frame {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b if b == quote => {
                out.push('\\');
                out.push(char::from(b));
            }
            b' '..=b'~' => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\x{byte:02x}")),
        }
    }
    out.push(char::from(quote));
    out
}

/// `repr(frames)` for a whole message, e.g. `[b'alice']` or `[b'a', b'b']`.
pub fn frames_repr<F: AsRef<[u8]>>(frames: &[F]) -> String {
    let items: Vec<String> = frames.iter().map(|f| bytes_repr(f.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_on_the_usual_cases() {
        assert_eq!(frames_repr(&[b"alice"]), "[b'alice']");
        assert_eq!(frames_repr::<&[u8]>(&[]), "[]");
        assert_eq!(frames_repr(&[&b"a"[..], b""]), "[b'a', b'']");
        assert_eq!(bytes_repr(b"it's"), r#"b"it's""#);
        assert_eq!(bytes_repr(br#"both ' and ""#), r#"b'both \' and "'"#);
        assert_eq!(
            bytes_repr(b"\x00\x7f\xff\\\t\n\r"),
            r"b'\x00\x7f\xff\\\t\n\r'"
        );
        assert_eq!(bytes_repr("é".as_bytes()), r"b'\xc3\xa9'");
    }
}
