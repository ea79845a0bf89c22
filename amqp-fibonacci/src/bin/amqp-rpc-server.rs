//! RPC server over RabbitMQ: consumes `rpc_queue` (prefetch 1), answers fib(n) to each request's
//! `reply_to` queue with the same `correlation_id`, then acks. Partner: `amqp-rpc-client`.
//!
//! ```text
//! terminal 1: cargo run -p amqp-fibonacci                          # this server
//! terminal 2: cargo run -p amqp-fibonacci --bin amqp-rpc-client 30
//! ```
//! Start it twice to watch two servers share the calls (`--delay 1s` makes that visible).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use amqp_fibonacci::{connect, ensure_request_queue, serve, Function};

/// RPC server over RabbitMQ (tutorial section 7): answers fib(n) requests from `rpc_queue`.
/// Its partner is `amqp-rpc-client` (or the tutorial's `rpc_client.py`).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The AMQP broker.
    #[arg(long, env = "AMQP_URL", default_value = common::endpoints::AMQP_URL)]
    amqp_url: String,
    /// The request queue [default: rpc_queue, or s14rpc with --function plus100].
    #[arg(long)]
    queue: Option<String>,
    /// What to compute: fib (the RabbitMQ tutorial) or plus100 (the s14rpc variant: n + 100).
    #[arg(long, value_enum, default_value_t = Function::Fib)]
    function: Function,
    /// Pretend each computation takes this long (e.g. 1s, 200ms), to watch servers share work.
    #[arg(long, value_parser = common::parse_duration, default_value = "0ms")]
    delay: Duration,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();
    let queue = args
        .queue
        .unwrap_or_else(|| args.function.default_queue().to_string());

    let mut connection = connect(&args.amqp_url)?;
    let channel = ensure_request_queue(&mut connection, &queue)?;
    // The binary runs until killed (Ctrl-C); tests and the tour stop `serve` with a message.
    let stats = serve(
        &channel,
        &queue,
        args.function,
        args.delay,
        &mut std::io::stdout(),
        &crossbeam_channel::never(),
    )?;
    tracing::info!(?stats, "server stopped");
    connection.close()?;
    Ok(())
}
