//! Looking at the wire: send hand-made bytes and see the exact reply (for the tour, the tests,
//! and anyone curious), and indent XML for reading.
//!
//! XML-RPC is readable text, so the "bytes on the wire" of this section are an HTTP request
//! (`POST / HTTP/1.1`, `Content-Type: text/xml`, `Content-Length`) with a `<methodCall>` body,
//! and an HTTP response with a `<methodResponse>` body.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// What came back from [`post_raw`].
#[derive(Debug, Clone)]
pub struct RawReply {
    /// The HTTP status code, e.g. 200.
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    /// The body, as sent.
    pub body: String,
}

/// The HTTP head our raw POST sends (also what every XML-RPC client sends, give or take
/// `User-Agent`).
pub fn request_head(path: &str, body_len: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n\
         Content-Length: {body_len}\r\nConnection: close\r\n\r\n"
    )
}

/// POSTs `body` to `path` over a fresh connection and reads the whole reply (waiting at most
/// `timeout` for each read). Bodies that `xmlrpc` would never produce — junk, truncated XML —
/// are the point.
pub fn post_raw(
    addr: SocketAddr,
    path: &str,
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<RawReply> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(request_head(path, body.len()).as_bytes())?;
    // A server may refuse early (413) and close before reading everything: not our error.
    let _ = stream.write_all(body);
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not an HTTP reply: {reply:?}"),
            )
        })?;
    Ok(RawReply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}

/// Indents XML one element per line, for reading. An element holding only text, or only one
/// such element, stays on one line: `<value><i4>10</i4></value>`.
/// A display aid for well-formed XML-RPC, not a general XML formatter.
pub fn pretty(xml: &str) -> Vec<String> {
    // Join the lines first: some writers put newlines between tags, some do not.
    let flat: String = xml.lines().map(str::trim).collect();
    let mut lines = Vec::new();
    let mut depth = 0usize;
    let mut rest = flat.as_str();
    while !rest.is_empty() {
        let indent = "  ".repeat(depth);
        let start = rest.find('<').unwrap_or(rest.len());
        if start > 0 {
            // Text between elements (rare in XML-RPC): its own line.
            lines.push(format!("{indent}{}", &rest[..start]));
            rest = &rest[start..];
            continue;
        }
        let tag_len = rest.find('>').map_or(rest.len(), |i| i + 1);
        let tag = &rest[..tag_len];
        let one_line = if tag.starts_with("</") {
            depth = depth.saturating_sub(1);
            lines.push(format!("{}{tag}", "  ".repeat(depth)));
            rest = &rest[tag_len..];
            continue;
        } else if tag.starts_with("<?") || tag.ends_with("/>") {
            Some(tag_len)
        } else {
            leaf_len(rest).or_else(|| {
                // `<value><i4>7</i4></value>`: one leaf, then our closing tag.
                let after = &rest[tag_len..];
                let inner = leaf_len(after)?;
                let close = after[inner..].strip_prefix("</")?.find('>')? + 3;
                Some(tag_len + inner + close)
            })
        };
        match one_line {
            Some(len) => {
                lines.push(format!("{indent}{}", &rest[..len]));
                rest = &rest[len..];
            }
            None => {
                lines.push(format!("{indent}{tag}"));
                depth += 1;
                rest = &rest[tag_len..];
            }
        }
    }
    lines
}

/// Length of `<tag>text</tag>` at the start of `xml`, if it starts with such a leaf element.
fn leaf_len(xml: &str) -> Option<usize> {
    if !xml.starts_with('<') || xml.starts_with("</") || xml.starts_with("<?") {
        return None;
    }
    let tag_len = xml.find('>')? + 1;
    if xml[..tag_len].ends_with("/>") {
        return Some(tag_len);
    }
    let after = &xml[tag_len..];
    let close = after.find('<')?;
    if !after[close..].starts_with("</") {
        return None;
    }
    let close_len = after[close..].find('>')? + 1;
    Some(tag_len + close + close_len)
}

#[cfg(test)]
mod tests {
    use super::pretty;

    #[test]
    fn pretty_indents_elements_and_keeps_leaves_whole() {
        let xml = "<?xml version=\"1.0\"?><methodResponse><params><param><value><i4>10</i4></value></param></params></methodResponse>";
        assert_eq!(
            pretty(xml),
            [
                "<?xml version=\"1.0\"?>",
                "<methodResponse>",
                "  <params>",
                "    <param>",
                "      <value><i4>10</i4></value>",
                "    </param>",
                "  </params>",
                "</methodResponse>",
            ]
        );
        assert_eq!(
            pretty("<a>\n<b></b>\n<c/></a>"),
            ["<a>", "  <b></b>", "  <c/>", "</a>"]
        );
    }
}
