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
//! Load mode, for a cluster whose nodes may die: `--calls 300 --in-flight 20` (publisher
//! confirms, re-sends after a reconnect, duplicates dropped) ends with one line
//! `calls: 300, answered: 300, unanswered: 0, wrong: 0, re-sent: R, duplicates dropped: D`.

use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use clap::Parser;

use amqp_fibonacci::DEFAULT_N;
use amqp_fibonacci::{call_with_failover, run_load, Brokers, Function, LoadOptions, ReplyTo};

/// RPC client over RabbitMQ (tutorial section 7): asks `amqp-rpc-server` (or the tutorial's
/// `rpc_server.py`) for fib(n) and prints the answer.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// n, sent as decimal text. Try `abc` or `-1` to see the server's error reply.
    #[arg(default_value = DEFAULT_N, allow_hyphen_values = true)]
    n: String,
    /// The AMQP broker; once per node of a cluster (AMQP_URL: comma-separated). The first that
    /// answers is used; when its connection drops, the next one.
    #[arg(long, env = "AMQP_URL", value_delimiter = ',', default_value = common::endpoints::AMQP_URL)]
    amqp_url: Vec<String>,
    /// The request queue [default: rpc_queue, or s14rpc with --function plus100].
    #[arg(long)]
    queue: Option<String>,
    /// Names the call in the console lines and picks the default queue: fib, or plus100.
    #[arg(long, value_enum, default_value_t = Function::Fib)]
    function: Function,
    /// How long to wait for the reply (e.g. 5, 2.5s, 500ms). With --calls: a call unanswered
    /// this long is sent again, and the run gives up after twice this long without an answer.
    #[arg(long, value_parser = common::parse_duration, default_value = "5s")]
    timeout: Duration,
    /// Load mode: make this many calls (n = 0, 1, … 99, 0, …), each answer checked against fib.
    #[arg(long)]
    calls: Option<usize>,
    /// With --calls: at most this many calls published and not answered yet.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    in_flight: u32,
    /// With --calls: where replies come: queue (an exclusive callback queue, the tutorial's) or
    /// direct (RabbitMQ's direct reply-to, amq.rabbitmq.reply-to).
    #[arg(long, value_enum, default_value_t = ReplyTo::Queue)]
    reply_to: ReplyTo,
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

    let mut brokers = Brokers::new(&args.amqp_url);

    if let Some(calls) = args.calls {
        anyhow::ensure!(
            args.function == Function::Fib,
            "--calls checks every answer against fib: it does not go with --function plus100"
        );
        let options = LoadOptions {
            calls,
            in_flight: args.in_flight as usize,
            timeout: args.timeout,
            reply_to: args.reply_to,
        };
        let report = run_load(&mut brokers, queue, options, &AtomicUsize::new(0))?;
        println!("{report}");
        anyhow::ensure!(report.ok(), "not every call was answered right");
        return Ok(());
    }

    // The tutorial's one call (the callback queue, the correlation id: src/client.rs).
    let connection = brokers.connect()?; // the first broker that answers
    println!(" [x] Requesting {}({})", args.function.name(), args.n);
    let answer = call_with_failover(&mut brokers, connection, queue, &args.n, args.timeout)?;
    println!(" [.] Got {answer}");
    Ok(())
}
