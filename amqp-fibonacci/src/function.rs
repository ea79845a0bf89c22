//! Not the tutorial's program: what a server computes, as `--function` picks — the tutorial's
//! [`crate::fib`], or `n + 100` for the second write-up's `s14rpc` variant — with the checked
//! arithmetic that turns a result too large for 128 bits into an error reply
//! ([`crate::questions::invalid_input`]).

use crate::{fib, RequestError, RPC_QUEUE};

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
