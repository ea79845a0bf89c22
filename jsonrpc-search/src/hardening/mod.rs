//! What the raw TCP server adds to the tutorial's one-request-per-connection so that no client
//! can hurt it: [`limits`] — how much a client may send, how long it may dawdle, and how a
//! connection that broke the rules is closed. (The spec mends are in [`crate::spec`].)

pub mod limits;
