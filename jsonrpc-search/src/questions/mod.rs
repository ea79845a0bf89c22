//! Pieces of the tutorial's server beyond the two methods, each in a module of its own:
//!
//! - [`log_file`] — the transport log of every request and reply (`logfunc=log_file("myrpc.log")`).

pub mod log_file;
