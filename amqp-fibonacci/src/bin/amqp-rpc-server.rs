//! RPC server over RabbitMQ: consumes `rpc_queue` (prefetch 1), answers fib(n) to each request's
//! `reply_to` queue with the same `correlation_id`, then acks. Partner: `amqp-rpc-client`.
//!
//! ```text
//! terminal 1: cargo run -p amqp-fibonacci                          # this server
//! terminal 2: cargo run -p amqp-fibonacci --bin amqp-rpc-client 30
//! ```
//! Start it twice to watch two servers share the calls (`--delay 1s` makes that visible).
//! Ctrl-C stops it after the request in hand (answered, then acked); exit status 0.
//! On a cluster: `--amqp-url` once per node and `--queue-type quorum`; when its node dies it
//! reconnects to the next one and goes on (`scripts/rabbitmq-cluster.sh`, README).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use amqp_fibonacci::{serve_with_failover, Brokers, Function, QueueType, ServeOptions, PREFETCH};

/// RPC server over RabbitMQ (tutorial section 7): answers fib(n) requests from `rpc_queue`.
/// Its partner is `amqp-rpc-client` (or the tutorial's `rpc_client.py`).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The AMQP broker; once per node of a cluster (AMQP_URL: comma-separated). The first that
    /// answers is used; when its connection drops, the next one.
    #[arg(long, env = "AMQP_URL", value_delimiter = ',', default_value = common::endpoints::AMQP_URL)]
    amqp_url: Vec<String>,
    /// The request queue [default: rpc_queue, or s14rpc with --function plus100].
    #[arg(long)]
    queue: Option<String>,
    /// What to compute: fib (the RabbitMQ tutorial) or plus100 (the s14rpc variant: n + 100).
    #[arg(long, value_enum, default_value_t = Function::Fib)]
    function: Function,
    /// Pretend each computation takes this long (e.g. 1s, 200ms), to watch servers share work.
    #[arg(long, value_parser = common::parse_duration, default_value = "0ms")]
    delay: Duration,
    /// How to declare the queue: classic (the tutorial's; an existing queue is used as it is)
    /// or quorum (durable, replicated over a cluster's nodes).
    #[arg(long, value_enum, default_value_t = QueueType::Classic)]
    queue_type: QueueType,
    /// Requests the broker may push before we ack one: 1 (the tutorial's) shares the work evenly
    /// between servers, more saves a round trip per call.
    #[arg(long, default_value_t = PREFETCH)]
    prefetch: u16,
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
    let options = ServeOptions {
        function: args.function,
        delay: args.delay,
        prefetch: args.prefetch,
    };

    let stop = common::shutdown::on_ctrl_c()?; // Ctrl-C or SIGTERM raises it
    let mut brokers = Brokers::new(&args.amqp_url);
    let mut console = std::io::stdout();
    // Connect, make sure the queue exists, serve; on a lost connection, the same on the next
    // broker. Closing the connection at the end hands back whatever the broker pushed unacked.
    let (queue_type, stop) = (args.queue_type, &stop);
    let stats = serve_with_failover(
        &mut brokers,
        queue,
        queue_type,
        &options,
        &mut console,
        stop,
    )?;
    tracing::info!(?stats, "server stopped");
    Ok(())
}
