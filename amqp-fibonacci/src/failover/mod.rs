//! **When one broker is not enough** — section 7 on a cluster of RabbitMQ nodes, where any node
//! may die, and no call may be lost.
//!
//! - [`brokers`] — several `--amqp-url`s: the first that answers, the next one when it drops.
//! - [`serving`] — the server reconnects, declares the queue again (`--queue-type quorum`: it
//!   survives the node) and resumes consuming; it still acks after replying.
//! - [`calling`] — the client: publisher confirms, a new reply queue and every unanswered call
//!   re-sent with its `correlation_id` after a reconnect, duplicates dropped; the load mode
//!   (`--calls N --in-flight K`) and direct reply-to (`--reply-to direct`).
//!
//! What a quorum queue promises: a request the broker has **confirmed** survives while a
//! majority of the queue's nodes lives. Delivery stays **at-least-once**: a request can reach a
//! server twice (re-sent after a reconnect, or redelivered after a server died between its reply
//! and its ack), so the server must be idempotent — `fib` is — and the client drops the second
//! reply. The reply queue is not replicated: it is a classic queue on the client's node, deleted
//! with its connection; the client's re-send is what covers it.

pub mod brokers;
pub mod calling;
pub mod serving;
