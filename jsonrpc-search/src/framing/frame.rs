//! Not the lesson: [`crate::framing::parse_first`]'s answer as a plain enum, without the value —
//! the form the tests and the tour use to show where a request ends.

use super::parse_first;

/// What the bytes received so far hold: one complete JSON value in `buf[..end]` (leading
/// whitespace included); a value not finished yet (read more); or something no amount of reading
/// will fix (broken JSON, or not an object or array).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    Complete(usize),
    Incomplete,
    Invalid,
}

/// Where the first JSON value in `buf` ends, if it does ([`parse_first`] without the value).
pub fn find_end(buf: &[u8]) -> Frame {
    match parse_first(buf) {
        Ok(Some((end, _))) => Frame::Complete(end),
        Ok(None) => Frame::Incomplete,
        Err(()) => Frame::Invalid,
    }
}
