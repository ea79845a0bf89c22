//! MessagePack bytes explained one marker at a time, for the tour and for curious readers:
//! `92` → "array of 2", `a5` → "string of 5 bytes: \"hello\"", `ff` → "integer -1", …
//!
//! This is a teaching aid, not a decoder: it first checks the bytes with [`codec::decode`], then
//! walks them, naming each marker (spec: <https://github.com/msgpack/msgpack/blob/master/spec.md>).

use crate::codec::{self, DecodeError};

/// One item of a MessagePack value: its header bytes (the marker, plus any length or number
/// bytes; for a string, binary or extension its payload too) and what they mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// How many containers (arrays, maps) this item is inside.
    pub depth: usize,
    /// The item's bytes, payload of arrays and maps excepted (those are parts of their own).
    pub bytes: Vec<u8>,
    /// What the bytes mean, e.g. `string (fixstr, 5 bytes): "hello"`.
    pub meaning: String,
}

/// Explains one well-formed MessagePack value, item by item in wire order.
pub fn explain(bytes: &[u8]) -> Result<Vec<Part>, DecodeError> {
    codec::decode(bytes)?; // well-formed, so the walk below stays in bounds
    let mut parts = Vec::new();
    let mut at = 0;
    walk(bytes, &mut at, 0, &mut parts);
    Ok(parts)
}

/// Reads `n` bytes at `at` as a big-endian unsigned number.
fn be(bytes: &[u8], at: usize, n: usize) -> u64 {
    bytes[at..at + n]
        .iter()
        .fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

fn walk(bytes: &[u8], at: &mut usize, depth: usize, parts: &mut Vec<Part>) {
    let start = *at;
    let marker = bytes[start];
    // (header length, meaning, payload length, children)
    let (header, meaning, payload, children): (usize, String, usize, usize) = match marker {
        0x00..=0x7f => (1, format!("integer {marker} (positive fixint)"), 0, 0),
        0x80..=0x8f => {
            let n = usize::from(marker & 0x0f);
            (
                1,
                format!("map of {} (fixmap)", count(n, "entry", "entries")),
                0,
                2 * n,
            )
        }
        0x90..=0x9f => {
            let n = usize::from(marker & 0x0f);
            (
                1,
                format!("array of {} (fixarray)", count(n, "element", "elements")),
                0,
                n,
            )
        }
        0xa0..=0xbf => {
            let n = usize::from(marker & 0x1f);
            (1, string(bytes, start + 1, n, "fixstr"), n, 0)
        }
        0xc0 => (1, "nil".to_string(), 0, 0),
        0xc2 => (1, "false".to_string(), 0, 0),
        0xc3 => (1, "true".to_string(), 0, 0),
        0xc4..=0xc6 => {
            let w = 1 << (marker - 0xc4);
            let n = be(bytes, start + 1, w) as usize;
            (
                1 + w,
                format!("binary, {} (bin {})", count(n, "byte", "bytes"), 8 * w),
                n,
                0,
            )
        }
        0xc7..=0xc9 => {
            let w = 1 << (marker - 0xc7);
            let n = be(bytes, start + 1, w) as usize;
            let kind = bytes[start + 1 + w] as i8;
            (
                2 + w,
                format!(
                    "extension type {kind}, {} (ext {})",
                    count(n, "byte", "bytes"),
                    8 * w
                ),
                n,
                0,
            )
        }
        0xca => {
            let v = f32::from_bits(be(bytes, start + 1, 4) as u32);
            (5, format!("float {v} (float 32)"), 0, 0)
        }
        0xcb => {
            let v = f64::from_bits(be(bytes, start + 1, 8));
            (9, format!("float {v} (float 64)"), 0, 0)
        }
        0xcc..=0xcf => {
            let w = 1 << (marker - 0xcc);
            let v = be(bytes, start + 1, w);
            (1 + w, format!("integer {v} (uint {})", 8 * w), 0, 0)
        }
        0xd0..=0xd3 => {
            let w = 1 << (marker - 0xd0);
            let raw = be(bytes, start + 1, w);
            // Sign-extend the w-byte two's complement number.
            let shift = 64 - 8 * w as u32;
            let v = ((raw << shift) as i64) >> shift;
            (1 + w, format!("integer {v} (int {})", 8 * w), 0, 0)
        }
        0xd4..=0xd8 => {
            let n = 1 << (marker - 0xd4);
            let kind = bytes[start + 1] as i8;
            (
                2,
                format!(
                    "extension type {kind}, {} (fixext {n})",
                    count(n, "byte", "bytes")
                ),
                n,
                0,
            )
        }
        0xd9..=0xdb => {
            let w = 1 << (marker - 0xd9);
            let n = be(bytes, start + 1, w) as usize;
            let name = format!("str {}", 8 * w);
            (1 + w, string(bytes, start + 1 + w, n, &name), n, 0)
        }
        0xdc | 0xdd => {
            let w = if marker == 0xdc { 2 } else { 4 };
            let n = be(bytes, start + 1, w) as usize;
            (
                1 + w,
                format!(
                    "array of {} (array {})",
                    count(n, "element", "elements"),
                    8 * w
                ),
                0,
                n,
            )
        }
        0xde | 0xdf => {
            let w = if marker == 0xde { 2 } else { 4 };
            let n = be(bytes, start + 1, w) as usize;
            (
                1 + w,
                format!("map of {} (map {})", count(n, "entry", "entries"), 8 * w),
                0,
                2 * n,
            )
        }
        0xe0..=0xff => (
            1,
            format!("integer {} (negative fixint)", marker as i8),
            0,
            0,
        ),
        0xc1 => unreachable!("codec::decode refuses the reserved marker 0xc1"),
    };
    *at = start + header + payload;
    parts.push(Part {
        depth,
        bytes: bytes[start..*at].to_vec(),
        meaning,
    });
    for _ in 0..children {
        walk(bytes, at, depth + 1, parts);
    }
}

/// `string (fixstr, 5 bytes): "hello"`.
fn string(bytes: &[u8], at: usize, n: usize, format_name: &str) -> String {
    let text = String::from_utf8_lossy(&bytes[at..at + n]);
    format!(
        "string ({format_name}, {}): {text:?}",
        count(n, "byte", "bytes")
    )
}

/// `1 entry`, `2 entries`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
