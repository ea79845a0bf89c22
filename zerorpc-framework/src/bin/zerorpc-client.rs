//! zerorpc-client — calls one method on a zerorpc server (section 6½).
//!
//! Connects a DEALER to `tcp://127.0.0.1:4242`, sends `[header, METHOD, [ARG…]]` and prints
//! the answer as JSON: one line for a value, one line per item for a stream. An `ERR` prints
//! `error: <name>: <message>` on stderr and exits 1. `--inspect` lists the server's methods.
//! Terminal 1: `cargo run -p zerorpc-framework` (or `python peers/server.py`);
//! terminal 2: `cargo run -p zerorpc-framework --bin zerorpc-client -- add 2 3` (prints `5`).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use zerorpc_framework::client::{Error, Options, Reply};
use zerorpc_framework::{Client, Value, CONNECT};

/// zerorpc client (ZeroMQ DEALER, MessagePack, zerorpc protocol v3): calls METHOD with ARGs and
/// prints the result as JSON. Partner: zerorpc-server, or any zerorpc server (peers/server.py).
///
/// Examples: `zerorpc-client add 2 3`, `zerorpc-client plus '[1, 2, 2, 3, 3, 4, 2, 3, -1]'`,
/// `zerorpc-client hello Ada`, `zerorpc-client count 3`, `zerorpc-client --inspect`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The method to call.
    #[arg(required_unless_present = "inspect")]
    method: Option<String>,
    /// Its arguments: each a JSON value when it parses as one (3, 2.5, null, [1, 2], {"a": 1},
    /// "7"), else the text itself as a string (Ada).
    #[arg(allow_negative_numbers = true)]
    args: Vec<String>,
    /// Endpoint of the server.
    #[arg(long, default_value = CONNECT)]
    connect: String,
    /// How long to wait for the answer (zerorpc's default is 30 s).
    #[arg(long, default_value = "30s", value_parser = common::parse_duration)]
    timeout: Duration,
    /// Heartbeat interval (must match the server's; zerorpc's is 5 s).
    #[arg(long, default_value = "5s", value_parser = common::parse_duration)]
    heartbeat: Duration,
    /// Sent in every call's header as `access_key` (for a server started with --access-key).
    #[arg(long, env = "ZERORPC_ACCESS_KEY")]
    access_key: Option<String>,
    /// List the server's methods and their arguments (`_zerorpc_inspect`).
    #[arg(long)]
    inspect: bool,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    common::logging::init();
    let args = Args::parse();
    let mut options = Options {
        timeout: args.timeout,
        heartbeat: args.heartbeat,
        ..Options::default()
    };
    if let Some(key) = args.access_key {
        options.header.push(("access_key".into(), Value::from(key)));
    }
    common::zmq_util::check_connect(&args.connect, "--connect")?;
    let client = Client::connect(&args.connect, options)?;
    let outcome = match (&args.method, args.inspect) {
        (_, true) => client.inspect().map(|v| print_inspect(&v)),
        (Some(method), false) => {
            let call_args = args.args.iter().map(|a| parse_arg(a)).collect();
            client.request(method, call_args).and_then(print_reply)
        }
        (None, false) => anyhow::bail!("name a METHOD to call, or --inspect (see --help)"),
    };
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Error::Remote { name, message, .. }) => {
            eprintln!("error: {name}: {message}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

/// A command-line argument: a JSON value when it parses as one, else the text as a string.
fn parse_arg(text: &str) -> Value {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|json| rmpv::ext::to_value(json).ok())
        .unwrap_or_else(|| Value::from(text))
}

fn print_reply(reply: Reply) -> Result<(), Error> {
    match reply {
        Reply::Value(value) => println!("{}", zerorpc_framework::app::to_json(&value)),
        Reply::Stream(stream) => {
            for item in stream {
                println!("{}", zerorpc_framework::app::to_json(&item?));
            }
        }
    }
    Ok(())
}

/// `add(a, b)  a + b, …`: one line per method, from `_zerorpc_inspect`.
fn print_inspect(inspect: &Value) {
    let field = |v: &Value, key: &str| -> Option<Value> {
        v.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v.clone())
    };
    let name = field(inspect, "name")
        .map(|n| zerorpc_framework::app::to_json(&n))
        .unwrap_or_default();
    println!("{name}");
    let methods = field(inspect, "methods")
        .and_then(|m| m.as_map().cloned())
        .unwrap_or_default();
    for (method, detail) in methods {
        let args: Vec<String> = field(&detail, "args")
            .and_then(|a| a.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|a| field(a, "name")?.as_str().map(str::to_string))
            .collect();
        let doc = field(&detail, "doc")
            .and_then(|d| d.as_str().map(str::to_string))
            .unwrap_or_default();
        println!(
            "{}({})  {doc}",
            method.as_str().unwrap_or("?"),
            args.join(", ")
        );
    }
}
