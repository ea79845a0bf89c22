//! The tutorial asks: **should server exceptions reach the client?** Yes — as an *error reply*:
//! the same kind of message as an answer, to the same `reply_to` with the same `correlation_id`,
//! marked with the header [`ERROR_HEADER`] and a sentence for a person as its body. Successful
//! replies carry no header at all, exactly like the tutorial's Python server, so the tutorial's
//! client keeps working for valid input.

use amiquip::{AmqpProperties, AmqpValue, Delivery, FieldTable};

use crate::RequestError;

/// Header set on **error** replies only; its value is the error kind (e.g. `not-a-number`).
pub const ERROR_HEADER: &str = "x-rpc-error";

/// The server side: `properties` marked as an error reply for `error`.
pub fn mark(properties: AmqpProperties, error: &RequestError) -> AmqpProperties {
    let mut headers = FieldTable::new();
    headers.insert(
        ERROR_HEADER.to_string(),
        AmqpValue::LongString(error.kind().to_string()),
    );
    properties.with_headers(headers)
}

/// The client side: what a reply says — a value, or an error of some kind.
#[derive(Debug)]
pub enum Answer {
    Value(String),
    Error {
        kind: String,
        message: String,
    },
    /// The broker returned the request (see [`super::no_server`]).
    Returned {
        code: u16,
        text: String,
    },
}

/// Reads a reply: its correlation id and what it says.
pub fn read(reply: &Delivery) -> (String, Answer) {
    let id = reply
        .properties
        .correlation_id()
        .clone()
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    let error_kind = reply
        .properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.get(ERROR_HEADER))
        .map(|kind| match kind {
            AmqpValue::LongString(kind) => kind.clone(),
            other => format!("{other:?}"),
        });
    let answer = match error_kind {
        Some(kind) => Answer::Error {
            kind,
            message: body,
        },
        None => Answer::Value(body),
    };
    (id, answer)
}
