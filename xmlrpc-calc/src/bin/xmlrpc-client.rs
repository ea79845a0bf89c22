//! XML-RPC client (HTTP POST to `http://localhost:8000/`). Without arguments it performs the
//! tutorial's `system.multicall` of add/subtract/multiply/divide on (7, 3) and prints
//! `7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2`; `… --bin xmlrpc-client -- add 2 5` makes one call.
//!
//! Terminal 1: `cargo run -p xmlrpc-calc`            (the server)
//! Terminal 2: `cargo run -p xmlrpc-calc --bin xmlrpc-client`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use xmlrpc::Request;
use xmlrpc_calc::client::{self, Client};

/// XML-RPC calculator client: the tutorial's multicall (7 + 3 = 10, …), or one call such as
/// `add 2 5`. Partner: xmlrpc-server (or peers/server.py).
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Partner: xmlrpc-server (`cargo run -p xmlrpc-calc`).\n\
    Examples, from a clone (`cargo run -p xmlrpc-calc --bin xmlrpc-client -- ARGS`), with ARGS:\n\
    (none: the multicall) · add 2 5 · divide 1 0 (a fault) · system.listMethods · \
    --url http://localhost:8000/api hello Ada"
)]
struct Args {
    /// Server URL (`https://…` for a TLS server).
    #[arg(long, env = "XMLRPC_URL", default_value = client::DEFAULT_URL)]
    url: String,
    /// Give up on a call after this long: 10, 2.5s, 500ms.
    #[arg(long, default_value = "10s", value_parser = common::parse_duration)]
    timeout: Duration,
    /// PEM certificate to trust for https (e.g. the server's self-signed certificate).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Method to call; without it, the tutorial's multicall.
    method: Option<String>,
    /// Arguments: ints, doubles, or strings.
    #[arg(allow_negative_numbers = true)]
    args: Vec<String>,
}

fn main() -> ExitCode {
    common::logging::init();
    let args = Args::parse();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<String, client::CallError> {
    let client = Client::new(&args.url, args.timeout, args.ca.as_deref())?;
    let Some(method) = &args.method else {
        return client::tutorial_multicall(&client, 7, 3);
    };
    let request = args
        .args
        .iter()
        .fold(Request::new(method), |request, word| {
            request.arg(xmlrpc_calc::parse_arg(word))
        });
    // Like Python's `print(proxy.method(...))`: a string as is, anything else as its repr.
    Ok(match client.call(&request)? {
        xmlrpc::Value::String(text) => text,
        value => xmlrpc_calc::python_repr(&value),
    })
}
