//! JSON-RPC 2.0 client: calls `echo` or `search` on `jsonrpc-server` over raw TCP (the
//! tutorial's transport: [`client`]) or, with `--http URL`, over HTTP; prints the result as JSON.
//!
//! Terminal 1: `cargo run -p jsonrpc-search`                      (the server)
//! Terminal 2: `cargo run -p jsonrpc-search --bin jsonrpc-client -- search --last-name Python`

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use jsonrpc_core::{Params, Value};
use jsonrpc_search::client::{self, Target};
use jsonrpc_search::hardening::client_errors;

/// JSON-RPC 2.0 client for `jsonrpc-server` (or the Python peer, peers/server.py): prints the
/// result as one line of JSON; on an error reply or no reply, says so and exits non-zero.
///
/// Start its partner first: `cargo run -p jsonrpc-search` (TCP 127.0.0.1:31415, HTTP
/// http://127.0.0.1:31416/).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The server's raw TCP address.
    #[arg(long, global = true, default_value = jsonrpc_search::TCP_ADDR, value_name = "ADDR")]
    addr: String,
    /// Use HTTP instead of TCP, POSTing to this URL (the server's default: http://127.0.0.1:31416/).
    #[arg(long, global = true, value_name = "URL")]
    http: Option<String>,
    /// How long to wait for the reply (5, 2.5s, 500ms).
    #[arg(long, global = true, default_value = "5s", value_parser = common::parse_duration)]
    timeout: Duration,
    #[command(subcommand)]
    request: Request,
}

#[derive(Debug, Subcommand)]
enum Request {
    /// echo(s): the server sends `s` back.
    Echo { text: String },
    /// search(number?, last_name?, first_name?): the phone-book rows matching every given field
    /// (all rows if none is given), as [[id, last_name, first_name, number], …].
    Search(jsonrpc_search::db::SearchParams),
    /// Any method with raw JSON params (an array or an object), to try the spec's errors.
    Call(client_errors::RawCall),
}

fn main() -> ExitCode {
    common::logging::init();
    // Errors are printed as one plain sentence, with a non-zero exit status for scripts.
    common::cli::report(run(Args::parse()))
}

fn run(args: Args) -> anyhow::Result<()> {
    let target = args.http.map_or(Target::Tcp(args.addr), Target::Http);
    let (method, params) = match args.request {
        // Positional, as the tutorial's `server.echo("hello world")`.
        Request::Echo { text } => ("echo".into(), Params::Array(vec![Value::String(text)])),
        // Named, as `server.search(last_name="Python")`; fields not given are left out.
        Request::Search(filter) => ("search".into(), filter.named()),
        // Anything else, to try the spec's errors; the params are checked before sending.
        Request::Call(call) => call.checked()?,
    };
    println!("{}", client::call(&target, &method, params, args.timeout)?);
    Ok(())
}
