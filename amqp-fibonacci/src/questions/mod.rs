//! The tutorial's open questions about RPC over a broker, each answered in a module of its own
//! and called from the lesson path ([`crate::server`], [`crate::client`]):
//!
//! - [`no_server`] — what if no server is running? should the client time out?
//! - [`in_flight`] — can one client have several calls in flight?
//! - [`error_replies`] — should server exceptions reach the client?
//! - [`invalid_input`] — what about invalid messages?
//! - [`existing_queue`] — what if `rpc_queue` was declared differently (durable, quorum)?

pub mod error_replies;
pub mod existing_queue;
pub mod in_flight;
pub mod invalid_input;
pub mod no_server;
