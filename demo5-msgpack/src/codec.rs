//! The MessagePack side of the lesson, shared by sections 5 and 6: turn one frame into one
//! [`Value`] (carefully: the bytes come from the network) and back, and the `{"error": …}` reply.
//!
//! MessagePack spec: <https://github.com/msgpack/msgpack/blob/master/spec.md>. Every value
//! starts with a marker byte: `0x00–0x7f` small positive integers, `0x80–0x8f` maps of up to 15
//! entries, `0x90–0x9f` arrays of up to 15, `0xa0–0xbf` strings of up to 31 bytes, `0xc0` nil,
//! `0xc2`/`0xc3` false/true, `0xe0–0xff` small negative integers; the rest carry a length or a
//! number in the next bytes (`0xd9 n` string of n bytes, `0xdc n n` array of n elements, …).

use serde::Deserialize;

pub use rmpv::Value;

/// How deeply a request may nest (the decoders count roughly two steps per array level). The
/// decoders recurse, and a debug build spends kilobytes of stack per step: the libraries' own
/// limit (1024) lets a few thousand nested-array bytes overflow a 2 MiB thread stack.
pub const MAX_DEPTH: usize = 128;

/// Why some bytes are not one well-formed MessagePack value.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the request is empty (0 bytes); expected one MessagePack value")]
    Empty,
    #[error(
        "the request ends in the middle of a MessagePack value (cut short, or a wrong length)"
    )]
    Truncated,
    #[error("the request contains the byte 0xc1, the one marker MessagePack never uses: not MessagePack")]
    ReservedMarker,
    #[error(
        "the request nests arrays or maps deeper than this server allows (depth limit {MAX_DEPTH})"
    )]
    TooDeep,
    #[error("the request is not valid MessagePack: {0}")]
    NotMessagePack(String),
    #[error("the request holds one MessagePack value followed by {0} extra byte(s); send exactly one value per frame")]
    TrailingBytes(usize),
    #[error("a MessagePack string must be UTF-8 (raw bytes belong in the bin type): {0}")]
    InvalidUtf8(std::str::Utf8Error),
}

/// Decodes exactly one MessagePack value from `bytes`.
///
/// `rmpv` is safe on hostile input: a length field claiming four billion elements does not
/// allocate four billion slots, and nesting deeper than [`MAX_DEPTH`] is an error, not a stack
/// overflow. But it reads the byte `0xc1`, which the spec says "is never used", as nil; so a
/// first, strict pass with `rmp-serde` (which only checks, building nothing) refuses it, as
/// Python's `msgpack` does. Left-over bytes after the value are an error too: one frame, one value.
pub fn decode(bytes: &[u8]) -> Result<Value, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut strict = rmp_serde::Deserializer::from_read_ref(bytes);
    strict.set_max_depth(MAX_DEPTH);
    serde::de::IgnoredAny::deserialize(&mut strict).map_err(strict_error)?;
    let mut rest = bytes;
    let value =
        rmpv::decode::read_value_with_max_depth(&mut rest, MAX_DEPTH).map_err(|e| match e {
            rmpv::decode::Error::DepthLimitExceeded => DecodeError::TooDeep,
            other if other.kind() == std::io::ErrorKind::UnexpectedEof => DecodeError::Truncated,
            other => DecodeError::NotMessagePack(other.to_string()),
        })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    check_utf8(&value)?;
    Ok(value)
}

/// Puts the strict pass's complaint in words a student understands.
fn strict_error(error: rmp_serde::decode::Error) -> DecodeError {
    use rmp_serde::decode::Error;
    match error {
        Error::InvalidMarkerRead(e) | Error::InvalidDataRead(e)
            if e.kind() == std::io::ErrorKind::UnexpectedEof =>
        {
            DecodeError::Truncated
        }
        Error::TypeMismatch(rmp::Marker::Reserved) => DecodeError::ReservedMarker,
        Error::DepthLimitExceeded => DecodeError::TooDeep,
        other => DecodeError::NotMessagePack(other.to_string()),
    }
}

/// The MessagePack spec says a `str` holds UTF-8. `rmpv` keeps a broken one as raw bytes, but
/// would send it back as `bin` — silently changing its type — so we refuse it up front, as
/// Python's `msgpack.unpackb` does.
fn check_utf8(value: &Value) -> Result<(), DecodeError> {
    match value {
        Value::String(s) => match s.as_err() {
            Some(e) => Err(DecodeError::InvalidUtf8(*e)),
            None => Ok(()),
        },
        Value::Array(items) => items.iter().try_for_each(check_utf8),
        Value::Map(entries) => entries.iter().try_for_each(|(k, v)| {
            check_utf8(k)?;
            check_utf8(v)
        }),
        _ => Ok(()),
    }
}

/// Encodes one value as MessagePack bytes.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut bytes = Vec::new();
    rmpv::encode::write_value(&mut bytes, value).expect("writing into a Vec cannot fail");
    bytes
}

/// The error reply: a one-entry map `{"error": message}`.
pub fn error_value(message: impl Into<String>) -> Value {
    Value::Map(vec![(Value::from("error"), Value::from(message.into()))])
}

/// The message of an error reply (`{"error": "…"}`), or `None` for any other value.
pub fn as_error(reply: &Value) -> Option<&str> {
    match reply.as_map()?.as_slice() {
        [(key, message)] if key.as_str() == Some("error") => message.as_str(),
        _ => None,
    }
}

/// The type of a value in words, for error messages ("expected an array, got a map").
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Boolean(_) => "a boolean",
        Value::Integer(_) => "an integer",
        Value::F32(_) | Value::F64(_) => "a float",
        Value::String(_) => "a string",
        Value::Binary(_) => "binary data",
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
        Value::Ext(..) => "an extension value",
    }
}
