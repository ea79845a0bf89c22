//! The discovery interop matrix: a server registered in etcd — ours (`--register`), the Python
//! peer registering itself through etcd's JSON gateway, the tutorial's unchanged PHP server
//! registered from outside with `etcdctl` — found by every kind of client: `demo4-client
//! --discover` (etcd), `--subscribe` (demo4-watch's PUB), the PHP client reading the rendered
//! `config/rpc.php`, the PHP subscriber. A missing peer skips its pairs; the matrix asserts.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use test_support::{free_endpoint, peer_command, Lang, Matrix, Proc};

use crate::discovery::{merged, server_bound};
use crate::etcd::Etcd;
use crate::watch::WATCH;

const CLIENT: &str = env!("CARGO_BIN_EXE_demo4-client");
const CRATE: &str = env!("CARGO_MANIFEST_DIR");
const WAIT: Duration = Duration::from_secs(10);

/// A registered server and whatever keeps it registered.
struct Registered {
    procs: Vec<Proc>,
    /// The lease to revoke when the server is not ours (the PHP one).
    lease: Option<String>,
}

fn etcdctl(etcd: &Etcd, args: &[&str]) -> Result<Vec<String>, String> {
    test_support::run(
        "etcdctl",
        Command::new("etcdctl")
            .env("ETCDCTL_API", "3")
            .args(["--endpoints", &etcd.client_url, "--command-timeout=2s"])
            .args(args),
        WAIT,
    )
    .success()
}

/// `[command…]` with stderr merged, as [`merged`] does for our binaries.
fn merged_peer(cmd: Command) -> Command {
    let mut args: Vec<String> = vec![cmd.get_program().to_string_lossy().into_owned()];
    args.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    let refs: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    merged(&args[0], &refs)
}

fn register(
    lang: Lang,
    etcd: &Etcd,
    name: &str,
    endpoint: &str,
) -> Option<Result<Registered, String>> {
    Some(match lang {
        Lang::Rust => Ok(Registered {
            procs: vec![server_bound(&etcd.client_url, name, endpoint, &[]).0],
            lease: None,
        }),
        Lang::Python => {
            let cmd = peer_command(CRATE, Lang::Python, "peers/server_etcd.py")?;
            let mut cmd = merged_peer(cmd);
            cmd.env("ZMQ_ENDPOINT", endpoint)
                .env("SERVER_NAME", name)
                .env("ETCD_ENDPOINTS", &etcd.client_url);
            let mut proc = Proc::spawn("Python server", &mut cmd);
            proc.expect_line(WAIT, |l| l.contains("registered (lease"))
                .map(|_| Registered {
                    procs: vec![proc],
                    lease: None,
                })
        }
        Lang::Php => {
            let mut cmd = peer_command(CRATE, Lang::Php, "peers/server.php")?;
            cmd.env("ZMQ_ENDPOINT", endpoint).env("SERVER_NAME", name);
            let server = Proc::spawn("PHP server", &mut cmd);
            // The tutorial's server knows nothing of etcd: register it from outside.
            let registered = etcdctl(etcd, &["lease", "grant", "3"]).and_then(|out| {
                let lease = out
                    .first()
                    .and_then(|l| l.split_whitespace().nth(1))
                    .ok_or_else(|| format!("etcdctl lease grant said {out:?}"))?
                    .to_string();
                etcdctl(
                    etcd,
                    &[
                        "put",
                        &format!("--lease={lease}"),
                        &format!("/rpc/demo4/{name}"),
                        endpoint,
                    ],
                )?;
                let keeper = Proc::spawn(
                    "etcdctl keep-alive",
                    Command::new("etcdctl").env("ETCDCTL_API", "3").args([
                        "--endpoints",
                        &etcd.client_url,
                        "lease",
                        "keep-alive",
                        &lease,
                    ]),
                );
                Ok((lease, keeper))
            });
            registered.map(|(lease, keeper)| Registered {
                procs: vec![server, keeper],
                lease: Some(lease),
            })
        }
    })
}

/// One client kind finding the server `name` (at `endpoint`) and getting its reply.
fn find(
    kind: &str,
    name: &str,
    endpoint: &str,
    publish: &str,
    config: &Path,
    etcd: &Etcd,
) -> Option<Result<(), String>> {
    let reply = format!("[b'{name}']");
    Some(match kind {
        "Rust --discover" | "Rust --subscribe" => {
            let source = if kind.ends_with("discover") {
                vec!["--discover", "--registry", &etcd.client_url]
            } else {
                vec!["--subscribe", publish]
            };
            let mut args = source;
            args.extend(["--requests", "0", "--interval", "100ms", "--timeout", "2s"]);
            let mut client = Proc::spawn(kind, &mut merged(CLIENT, &args));
            client
                .expect_line(WAIT, |l| l == format!("joined {name} {endpoint}"))
                .and_then(|_| client.expect_line(WAIT, |l| l == reply))
                .map(drop)
        }
        "PHP config/rpc.php" => {
            let deadline = Instant::now() + WAIT;
            while !std::fs::read_to_string(config).is_ok_and(|t| t.contains(endpoint)) {
                if Instant::now() > deadline {
                    return Some(Err(format!("{} never listed {endpoint}", config.display())));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let mut cmd = peer_command(CRATE, Lang::Php, "peers/client.php")?;
            cmd.env("RPC_CONFIG", config)
                .env("ZMQ_REQUESTS", "2")
                .env("INTERVAL_MS", "50");
            test_support::run(kind, &mut cmd, WAIT)
                .success()
                .and_then(|lines| {
                    if lines == [reply.clone(), reply.clone()] {
                        Ok(())
                    } else {
                        Err(format!("printed {lines:?}"))
                    }
                })
        }
        _ => {
            let mut cmd = peer_command(CRATE, Lang::Php, "peers/subscriber.php")?;
            cmd.env("ZMQ_ENDPOINT", publish);
            let mut subscriber = Proc::spawn(kind, &mut cmd);
            subscriber
                .expect_line(WAIT, |l| l == format!("joined {name} {endpoint}"))
                .map(drop)
        }
    })
}

#[test]
fn discovery_matrix_every_registered_server_found_by_every_client() {
    let Some(etcd) = Etcd::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config/rpc.php");
    let template = Path::new(CRATE).join("peers/templates/rpc.php.tpl");
    let publish = free_endpoint();
    let render = format!("{}:{}", template.display(), config.display());
    let _watch = Proc::spawn(
        "demo4-watch",
        &mut merged(
            WATCH,
            &[
                "--registry",
                &etcd.client_url,
                "--publish",
                &publish,
                "--render",
                &render,
            ],
        ),
    );
    let mut matrix = Matrix::new("demo4 discovery: client × registered server");
    for lang in [Lang::Rust, Lang::Python, Lang::Php] {
        let name = format!("{lang}").to_lowercase();
        let endpoint = free_endpoint();
        let registered = match register(lang, &etcd, &name, &endpoint) {
            None => continue, // the peer is missing: skipped (visibly), its pairs not recorded
            Some(Ok(registered)) => registered,
            Some(Err(e)) => {
                matrix.record("(registration)", lang, Err(e));
                continue;
            }
        };
        for kind in [
            "Rust --discover",
            "Rust --subscribe",
            "PHP config/rpc.php",
            "PHP subscriber",
        ] {
            if let Some(outcome) = find(kind, &name, &endpoint, &publish, &config, &etcd) {
                matrix.record(kind, lang, outcome);
            }
        }
        // Gone before the next language's server comes: SIGINT revokes our leases.
        for proc in &registered.procs {
            proc.signal("INT");
        }
        if let Some(lease) = &registered.lease {
            let _ = etcdctl(&etcd, &["lease", "revoke", lease]);
        }
        if let Err(e) = etcd.wait_servers(WAIT, |s| !s.contains_key(&name)) {
            matrix.record("(leave)", lang, Err(e));
        }
        drop(registered);
    }
    matrix.assert_all_ok();
}
