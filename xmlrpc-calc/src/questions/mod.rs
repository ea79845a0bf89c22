//! The tutorial's questions about an XML-RPC server beyond the calculator, each answered in a
//! module of its own (the security and timeout answers are in [`crate::hardening`]):
//!
//! - [`concurrency`] — many slow calls at once: threads or async? (`sleep`, a deep backlog);
//! - [`web_framework`] — an XML-RPC handler mounted in a web framework (`hello` at `/api`).

pub mod concurrency;
pub mod web_framework;
