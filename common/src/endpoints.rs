//! Defaults taken from the tutorial, shared by the binaries' `--help` and the tests.

use std::time::Duration;

/// Every ZeroMQ demo of the tutorial uses port 5555.
pub const ZMQ_PORT: u16 = 5555;
/// Where ZeroMQ servers bind by default: loopback only. A classroom shares a server with
/// `--bind 'tcp://*:5555'` instead (every interface).
pub const ZMQ_BIND: &str = "tcp://127.0.0.1:5555";
/// Where ZeroMQ clients connect by default (the tutorial's `tcp://localhost:5555`).
pub const ZMQ_CONNECT: &str = "tcp://localhost:5555";
/// How long a client waits for a reply before it explains what probably went wrong.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// The default AMQP broker (RabbitMQ's `guest` user only logs in from loopback).
pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Parses a duration flag: `5` or `5s` (seconds), `2.5s`, `500ms`, `200us` (or `200µs`).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(common::parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// assert_eq!(common::parse_duration("2.5"), Ok(Duration::from_millis(2500)));
/// assert!(common::parse_duration("soon").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let micros = text.strip_suffix("us").or_else(|| text.strip_suffix("µs"));
    let (number, scale) = if let Some(us) = micros {
        (us, 0.000_001)
    } else if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (try 5, 2.5s or 500ms)"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("`{text}` is not a positive duration"));
    }
    Ok(Duration::from_secs_f64(value * scale))
}

/// Formats a duration the way the flags take it back: `5 s`, `2.5 s`, `500 ms`.
pub fn human(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{} s", duration.as_secs_f64())
    }
}

/// The doc examples above, run as unit tests (no doc-test binaries: docs/building.md).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_duration_takes_seconds_and_milliseconds() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("200us"), Ok(Duration::from_micros(200)));
        assert_eq!(parse_duration("200µs"), Ok(Duration::from_micros(200)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
    }
}
