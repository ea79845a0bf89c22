//! The tutorial asks: **what about invalid messages?** A body that is not a number, a negative
//! n, an n whose Fibonacci number does not fit the result type. Each is a [`RequestError`]: the
//! server answers it with an error reply ([`super::error_replies`]) and acks the request, so a
//! bad request is consumed once — never a crash, never a redelivery loop.

/// Why a request cannot be answered with a number. Sent back as an error reply, never a crash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request body is not UTF-8 text")]
    NotText,
    #[error("{0:?} is not a whole decimal number")]
    NotANumber(String),
    #[error("fib({0}) is not defined: n must be 0 or more")]
    Negative(i128),
    #[error("{0} is too large: the result would not fit in 128 bits")]
    TooLarge(String),
}

impl RequestError {
    /// The value of the [`super::error_replies::ERROR_HEADER`] header: a stable, greppable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            RequestError::NotText => "not-text",
            RequestError::NotANumber(_) => "not-a-number",
            RequestError::Negative(_) => "negative",
            RequestError::TooLarge(_) => "too-large",
        }
    }

    /// An n that is no `u64`: negative, or too large.
    pub fn out_of_range(n: i128) -> RequestError {
        if n < 0 {
            RequestError::Negative(n)
        } else {
            RequestError::TooLarge(n.to_string())
        }
    }
}

/// Reads the request body: the decimal text of an integer (surrounding spaces allowed, as
/// Python's `int(body)` allows them).
pub fn parse_request(body: &[u8]) -> Result<i128, RequestError> {
    let text = std::str::from_utf8(body).map_err(|_| RequestError::NotText)?;
    let text = text.trim();
    text.parse::<i128>().map_err(|e| match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
            RequestError::TooLarge(shorten(text))
        }
        _ => RequestError::NotANumber(shorten(text)),
    })
}

/// At most 40 characters of a bad request, for the error reply: echoing a megabyte back is no help.
fn shorten(text: &str) -> String {
    const KEEP: usize = 40;
    match text.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
