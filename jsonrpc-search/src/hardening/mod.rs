//! What the programs add to the tutorial's one request per connection:
//! - [`limits`] — so that no client can hurt the server: how much it may send, how long it may
//!   dawdle, and how a connection that broke the rules is closed;
//! - [`client_errors`] — so that a student knows what went wrong.
//!
//! (The spec mends are in [`crate::spec`].)

pub mod client_errors;
pub mod limits;
