//! Not the tutorial's program: what a server computes, as `--function` picks — the tutorial's
//! [`crate::fib`], or `n + 100` for the second write-up's `s14rpc` variant — with the checked
//! arithmetic that turns a result too large for 128 bits into an error reply
//! ([`crate::questions::invalid_input`]).

use crate::{fib, parse_request, RequestError, RPC_QUEUE};

/// The request queue of the second write-up of the tutorial, whose server computes `n + 100`.
pub const S14_QUEUE: &str = "s14rpc";

/// What a server computes. Selected with `--function`; each has its tutorial queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Function {
    /// The RabbitMQ tutorial: the n-th Fibonacci number (queue `rpc_queue`).
    Fib,
    /// The second write-up (`s14rpc`): n + 100.
    Plus100,
}

impl Function {
    /// The name printed in console lines: ` [.] fib(30)`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Fib => "fib",
            Function::Plus100 => "plus100",
        }
    }

    /// The queue the tutorial uses for this function.
    pub fn default_queue(self) -> &'static str {
        match self {
            Function::Fib => RPC_QUEUE,
            Function::Plus100 => S14_QUEUE,
        }
    }

    /// Parses a request body and computes the reply body: the number, or why there is none.
    pub fn apply(self, body: &[u8]) -> Result<String, RequestError> {
        self.compute(parse_request(body)?)
    }

    /// Computes the reply body for an already parsed n.
    pub fn compute(self, n: i128) -> Result<String, RequestError> {
        match self {
            Function::Fib => {
                let n = u64::try_from(n).map_err(|_| RequestError::out_of_range(n))?;
                fib(n)
                    .map(|value| value.to_string())
                    .ok_or(RequestError::TooLarge(format!("fib({n})")))
            }
            Function::Plus100 => n
                .checked_add(100)
                .map(|value| value.to_string())
                .ok_or(RequestError::TooLarge(format!("{n} + 100"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Function;

    #[test]
    fn bodies_are_decimal_text() {
        assert_eq!(Function::Fib.apply(b"30"), Ok("832040".to_string()));
        assert_eq!(Function::Fib.apply(b" 10\n"), Ok("55".to_string()));
        assert_eq!(Function::Plus100.apply(b"30"), Ok("130".to_string()));
        assert_eq!(Function::Plus100.apply(b"-130"), Ok("-30".to_string()));
    }

    #[test]
    fn bad_bodies_are_errors_with_a_kind() {
        let kind = |f: Function, body: &[u8]| f.apply(body).map_err(|e| e.kind());
        assert_eq!(kind(Function::Fib, b"abc"), Err("not-a-number"));
        assert_eq!(kind(Function::Fib, b""), Err("not-a-number"));
        assert_eq!(kind(Function::Fib, b"3.5"), Err("not-a-number"));
        assert_eq!(kind(Function::Fib, b"\xff"), Err("not-text"));
        assert_eq!(kind(Function::Fib, b"-1"), Err("negative"));
        assert_eq!(kind(Function::Fib, b"187"), Err("too-large"));
        assert_eq!(kind(Function::Fib, &[b'9'; 60]), Err("too-large"));
        assert_eq!(
            kind(Function::Plus100, i128::MAX.to_string().as_bytes()),
            Err("too-large")
        );
        let huge = "x".repeat(1 << 20);
        let message = Function::Fib
            .apply(huge.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            message.len() < 100,
            "a bad request is not echoed in full: {message}"
        );
    }
}
