//! RPC client over RabbitMQ: publishes n to `rpc_queue` with `reply_to` = its own exclusive
//! callback queue and a fresh uuid4 `correlation_id`, then waits (bounded) for the matching reply.
//! Partner: `amqp-rpc-server`.
//!
//! ```text
//! terminal 1: cargo run -p amqp-fibonacci                          # the server
//! terminal 2: cargo run -p amqp-fibonacci --bin amqp-rpc-client 30
//!              [x] Requesting fib(30)
//!              [.] Got 832040
//! ```
//! Without a server it says why nothing came back (no queue, or a queue nobody consumes).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use amqp_fibonacci::{connect, Function, RpcClient, DEFAULT_N};

/// RPC client over RabbitMQ (tutorial section 7): asks `amqp-rpc-server` (or the tutorial's
/// `rpc_server.py`) for fib(n) and prints the answer.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// n, sent as decimal text. Try `abc` or `-1` to see the server's error reply.
    #[arg(default_value = DEFAULT_N, allow_hyphen_values = true)]
    n: String,
    /// The AMQP broker.
    #[arg(long, env = "AMQP_URL", default_value = common::endpoints::AMQP_URL)]
    amqp_url: String,
    /// The request queue [default: rpc_queue, or s14rpc with --function plus100].
    #[arg(long)]
    queue: Option<String>,
    /// Names the call in the console lines and picks the default queue: fib, or plus100.
    #[arg(long, value_enum, default_value_t = Function::Fib)]
    function: Function,
    /// How long to wait for the reply (e.g. 5, 2.5s, 500ms).
    #[arg(long, value_parser = common::parse_duration, default_value = "5s")]
    timeout: Duration,
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

    let mut connection = connect(&args.amqp_url)?;
    let channel = connection.open_channel(None)?;
    let mut client = RpcClient::new(&channel, queue)?;

    println!(" [x] Requesting {}({})", args.function.name(), args.n);
    let answer = client.call(&args.n, args.timeout)?;
    println!(" [.] Got {answer}");

    drop(client);
    connection.close()?;
    Ok(())
}
