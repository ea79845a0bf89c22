//! The zerorpc cross-implementation contract (0rpc/zerorpc-crosstests), both ways with the
//! real zerorpc-python, over `ipc://`: the server is started as `server ENDPOINT` and exposes
//! `echo(v)` and `quit()`; the client echoes 42, 42.42, bytes and two strings, checks each is
//! returned exactly, then calls `quit()`. A pair passes when the client succeeds and the
//! server then exits 0 within 2 s.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use test_support::{peer_command, run, Lang, Matrix, Proc};
use zerorpc_framework::client::Options;
use zerorpc_framework::{Client, Value};

use crate::support::{zerorpc_python, DIR};

/// How long a server may take to exit after `quit()` (the contract's TERMINATE_TIMEOUT_S).
const EXIT_WITHIN: Duration = Duration::from_secs(2);

/// A fresh `ipc://` endpoint in the temp directory, unique per process and call; its socket
/// file is removed when this is dropped. A file left at the path by an earlier run (process ids
/// come round again) is removed first: a test that waits for the file to appear must not see a
/// stale one.
pub struct IpcEndpoint {
    endpoint: String,
    path: std::path::PathBuf,
}

pub fn ipc_endpoint() -> IpcEndpoint {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "zerorpc-crosstest-{}-{}.sock",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_file(&path);
    IpcEndpoint {
        endpoint: format!("ipc://{}", path.display()),
        path,
    }
}

impl IpcEndpoint {
    /// The socket file (what a bound socket creates).
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl std::ops::Deref for IpcEndpoint {
    type Target = str;
    fn deref(&self) -> &str {
        &self.endpoint
    }
}

impl std::fmt::Display for IpcEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.endpoint)
    }
}

impl Drop for IpcEndpoint {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn python(role: &str, endpoint: &str) -> Option<Command> {
    zerorpc_python()?;
    let mut cmd = peer_command(DIR, Lang::Python, "peers/crosstest.py")?;
    cmd.args([role, endpoint]);
    Some(cmd)
}

fn server(lang: Lang, endpoint: &str) -> Option<Proc> {
    let mut cmd = match lang {
        Lang::Python => python("server", endpoint)?,
        _ => {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_zerorpc-server"));
            cmd.args(["--allow-quit", endpoint]).env("RUST_LOG", "warn");
            cmd
        }
    };
    Some(Proc::spawn(format!("{lang} server"), &mut cmd))
}

/// The contract's client, ours: each value must come back with its MessagePack type.
fn rust_client(endpoint: &str) -> Result<(), String> {
    let options = Options {
        timeout: Duration::from_secs(10),
        ..Options::default()
    };
    let client = Client::connect(endpoint, options).map_err(|e| e.to_string())?;
    let values = [
        Value::from(42),
        Value::from(42.42),
        Value::Binary(b"random bytes".to_vec()),
        Value::from("unicode string ✓"),
        Value::from("default string"),
    ];
    for value in values {
        let got = client
            .call("echo", vec![value.clone()])
            .map_err(|e| e.to_string())?;
        if demo5_msgpack::encode(&got) != demo5_msgpack::encode(&value) {
            return Err(format!("echo({value}) = {got}"));
        }
    }
    match client.call("quit", vec![]).map_err(|e| e.to_string())? {
        Value::Nil => Ok(()),
        other => Err(format!("quit() = {other}, want null")),
    }
}

#[test]
fn the_official_cross_test_contract_passes_both_ways_over_ipc() {
    let mut matrix = Matrix::new("zerorpc-crosstests contract over ipc:// (echo ×5, quit, exit 0)");
    for server_lang in [Lang::Rust, Lang::Python] {
        for client_lang in [Lang::Rust, Lang::Python] {
            let endpoint = ipc_endpoint();
            let client_cmd = match client_lang {
                Lang::Python => match python("client", &endpoint) {
                    Some(cmd) => Some(cmd),
                    None => continue,
                },
                _ => None,
            };
            let Some(server) = server(server_lang, &endpoint) else {
                continue;
            };
            let client = match client_cmd {
                Some(mut cmd) => run("Python client", &mut cmd, Duration::from_secs(20))
                    .success()
                    .map(drop),
                None => rust_client(&endpoint),
            };
            let exit = server.finish(EXIT_WITHIN).success().map(drop);
            matrix.record(client_lang, server_lang, client.and(exit));
        }
    }
    matrix.assert_all_ok();
}
