//! zerorpc-client — calls one method on a zerorpc server (section 6½).
//!
//! Connects a DEALER to `tcp://127.0.0.1:4242`, sends `[header, METHOD, [ARG…]]` and prints
//! the answer as JSON: one line for a value, one line per item for a stream. An `ERR` prints
//! `error: <name>: <message>` on stderr and exits 1 (after a `NameError`, with the closest
//! method's name). `--inspect` lists the server's methods. zerorpc-python's command line
//! works too: `zerorpc-client [--json] ENDPOINT METHOD ARG…`; `--bind` waits for a server
//! started with `zerorpc-server --connect`.
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
/// `zerorpc-client hello Ada`, `zerorpc-client count 3`, `zerorpc-client --inspect`, and
/// zerorpc-python's form: `zerorpc-client --json tcp://127.0.0.1:4242 add 2 3`.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// `[ENDPOINT] METHOD ARG…`: an optional endpoint first (a word with `://`, as in
    /// zerorpc-python's `zerorpc ENDPOINT METHOD ARG…`), the method, then its arguments: each a
    /// JSON value when it parses as one (3, 2.5, null, [1, 2], {"a": 1}, "7"), else the text
    /// itself as a string (Ada).
    #[arg(value_name = "ENDPOINT] [METHOD] [ARG", allow_negative_numbers = true)]
    words: Vec<String>,
    /// Endpoint of the server [default: tcp://127.0.0.1:4242].
    #[arg(long, conflicts_with = "bind")]
    connect: Option<String>,
    /// Bind ENDPOINT and wait for a server to connect (`zerorpc-server --connect ENDPOINT`).
    #[arg(long, value_name = "ENDPOINT")]
    bind: Option<String>,
    /// Every ARG must be JSON (an error if one does not parse), as zerorpc-python's --json.
    #[arg(long)]
    json: bool,
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
        options
            .hooks
            .push(zerorpc_framework::client::access_key(key));
    }
    let mut words = args.words.as_slice();
    let mut connect = args.connect;
    if let Some((first, rest)) = words.split_first().filter(|(w, _)| w.contains("://")) {
        if connect.is_some() || args.bind.is_some() {
            anyhow::bail!("two endpoints: {first} and --connect/--bind; give one");
        }
        connect = Some(first.clone());
        words = rest;
    }
    let client = match args.bind {
        Some(endpoint) => {
            let client = Client::bind(&endpoint, options)
                .map_err(|e| anyhow::anyhow!("cannot bind {endpoint} (--bind): {e}"))?;
            tracing::info!(
                endpoint = client.endpoint(),
                "bound; waiting for a server to connect"
            );
            client
        }
        None => {
            let endpoint = connect.unwrap_or_else(|| CONNECT.to_string());
            common::zmq_util::check_connect(&endpoint, "--connect")?;
            Client::connect(&endpoint, options)?
        }
    };
    let outcome = match (words.split_first(), args.inspect) {
        (_, true) => inspect(&client),
        (Some((method, rest)), false) => {
            let mut call_args = Vec::new();
            for (i, text) in rest.iter().enumerate() {
                call_args.push(parse_arg(i + 1, text, args.json)?);
            }
            client.request(method, call_args).and_then(print_reply)
        }
        (None, false) => anyhow::bail!("name a METHOD to call, or --inspect (see --help)"),
    };
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Error::Remote { name, message, .. }) => {
            eprintln!("error: {name}: {message}");
            if name == "NameError" {
                suggest(&client, &message);
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

/// Argument `n` of the call: a JSON value when it parses as one, else the text as a string —
/// with a note on stderr when the text looks like JSON but is not (`[1,2`, `{a: 1}`). With
/// `--json`, text that is not JSON is an error.
fn parse_arg(n: usize, text: &str, json: bool) -> anyhow::Result<Value> {
    let parsed = serde_json::from_str::<serde_json::Value>(text);
    match parsed {
        Ok(value) => Ok(rmpv::ext::to_value(value)?),
        Err(e) if json => anyhow::bail!("argument {n} ({text}) is not JSON: {e} (--json)"),
        Err(e) => {
            if text.starts_with(['[', '{', '"']) {
                eprintln!(
                    "note: argument {n} ({text}) looks like JSON but does not parse ({e}); \
                     sent as the string {text:?}"
                );
            }
            Ok(Value::from(text))
        }
    }
}

/// After a `NameError`: the server's method closest to the one asked for, if any is close.
fn suggest(client: &Client, asked: &str) {
    let Ok(Value::Array(names)) = client.call("_zerorpc_list", Vec::new()) else {
        return;
    };
    let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
    if let Some(close) = closest(asked, &names) {
        eprintln!("did you mean {close}? (zerorpc-client --inspect lists the methods)");
    }
}

/// The name within two edits of `asked` (Levenshtein distance) that is nearest, if any.
fn closest<'a>(asked: &str, names: &[&'a str]) -> Option<&'a str> {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let substituted = diagonal + usize::from(ca != *cb);
                diagonal = row[j + 1];
                row[j + 1] = substituted.min(row[j] + 1).min(row[j + 1] + 1);
            }
        }
        row[b.len()]
    };
    names
        .iter()
        .map(|n| (distance(asked, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

/// `--inspect`: `_zerorpc_inspect`, or, when it fails (a zerorpc-python server on Python
/// 3.11: `inspect.getargspec` is gone), the names from `_zerorpc_list` and each method's
/// `_zerorpc_help`.
fn inspect(client: &Client) -> Result<(), Error> {
    match client.inspect() {
        Ok(inspect) => {
            print_inspect(&inspect);
            Ok(())
        }
        Err(Error::Remote { name, message, .. }) => {
            eprintln!(
                "note: the server's _zerorpc_inspect failed ({name}: {message}); listing \
                 _zerorpc_list and _zerorpc_help instead, without the arguments"
            );
            let server = client.call("_zerorpc_name", Vec::new())?;
            println!("{}", to_json(&server));
            let Value::Array(names) = client.call("_zerorpc_list", Vec::new())? else {
                return Ok(());
            };
            let mut names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
            names.sort_unstable();
            for method in names {
                let help = client.call("_zerorpc_help", vec![Value::from(method)]);
                let doc = match help {
                    Ok(Value::String(doc)) => doc.into_str().unwrap_or_default(),
                    _ => String::new(),
                };
                println!("{method}(…)  {doc}");
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

fn print_reply(reply: Reply) -> Result<(), Error> {
    match reply {
        Reply::Value(value) => println!("{}", to_json(&value)),
        Reply::Stream(stream) => {
            for item in stream {
                println!("{}", to_json(&item?));
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
        .map(|n| to_json(&n))
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

/// A value as JSON, for the client's output. JSON has no binary type: a bin prints as a
/// string of its bytes read as UTF-8 (lossy); a map key that is not a string prints as text.
pub fn to_json(value: &Value) -> String {
    json(value).to_string()
}

fn json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Nil => J::Null,
        Value::Boolean(b) => J::Bool(*b),
        Value::Integer(i) => match (i.as_i64(), i.as_u64()) {
            (Some(n), _) => J::from(n),
            (_, Some(n)) => J::from(n),
            _ => J::Null,
        },
        Value::F32(f) => J::from(f64::from(*f)),
        Value::F64(f) => J::from(*f),
        Value::String(s) => J::String(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        Value::Binary(b) => J::String(String::from_utf8_lossy(b).into_owned()),
        Value::Array(items) => J::Array(items.iter().map(json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = k.as_str().map_or_else(|| k.to_string(), str::to_string);
                    (key, json(v))
                })
                .collect(),
        ),
        Value::Ext(tag, data) => J::String(format!("ext({tag}, {} bytes)", data.len())),
    }
}
