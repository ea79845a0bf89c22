//! RPC server over RabbitMQ: consumes `rpc_queue` (prefetch 1), answers fib(n) to each request's
//! `reply_to` queue with the same `correlation_id`, then acks. Partner: `amqp-rpc-client`.
//!
//! ```text
//! terminal 1: cargo run -p amqp-fibonacci                          # this server
//! terminal 2: cargo run -p amqp-fibonacci --bin amqp-rpc-client 30
//! ```
//! Start it twice to watch two servers share the calls (`--delay 1s` makes that visible).
//! Ctrl-C stops it after the request in hand (answered, then acked); exit status 0.

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
        .as_deref()
        .unwrap_or(args.function.default_queue());
    let (function, delay) = (args.function, args.delay);

    let stop = common::shutdown::on_ctrl_c()?; // Ctrl-C or SIGTERM raises it
    let mut connection = connect(&args.amqp_url)?;
    let channel = ensure_request_queue(&mut connection, queue)?;
    let mut console = std::io::stdout();
    let stats = serve(&channel, queue, function, delay, &mut console, &stop)?;
    tracing::info!(?stats, "server stopped");
    // Closing the connection hands back to the broker whatever it had pushed to us unacked.
    connection.close()?;
    Ok(())
}
