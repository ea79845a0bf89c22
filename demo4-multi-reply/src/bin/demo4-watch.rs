//! demo4-watch — the consul-template of section 4: follows the servers registered in etcd,
//! publishes every change on a ZeroMQ PUB socket and rewrites config files from templates.
//!
//! Watches `/rpc/demo4/` (`--registry`, default `http://127.0.0.1:2379`); binds PUB on
//! `tcp://127.0.0.1:5556` (`--publish`) and sends one frame per change, `up <name> <endpoint>`
//! or `down <name>`, and the whole list again every second for late subscribers; on every
//! change rewrites each `--render TEMPLATE:DEST` atomically, then runs `--exec CMD` once.
//! Terminal 1: `etcd`; terminals 2–3: `cargo run -p demo4-multi-reply -- --register --name alice
//! --bind tcp://127.0.0.1:5601` (bob on 5602); terminal 4: `cargo run -p demo4-multi-reply --bin
//! demo4-watch -- --render demo4-multi-reply/peers/templates/rpc.php.tpl:config/rpc.php`;
//! terminal 5: `cargo run -p demo4-multi-reply --bin demo4-client -- --subscribe
//! tcp://127.0.0.1:5556 --requests 0` (or `php demo4-multi-reply/peers/subscriber.php`).

use std::process::{Command, ExitCode};
use std::sync::atomic::Ordering;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser;
use demo4_multi_reply::discovery::{
    self, events, render::Render, watch::Servers, Change, Registry,
};

/// Follows the demo4 registry: PUB events for every change, config files rendered from templates.
/// Partner: demo4-server --register (the servers it watches), demo4-client --subscribe and
/// peers/subscriber.php (its subscribers), peers/client.php (reads the rendered config/rpc.php).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Where to publish the `up <name> <endpoint>` / `down <name>` frames.
    #[arg(long, default_value = discovery::DEFAULT_PUBLISH)]
    publish: String,
    /// TEMPLATE:DEST — rewrite DEST from TEMPLATE on every change (repeatable).
    #[arg(long, value_name = "TEMPLATE:DEST")]
    render: Vec<Render>,
    /// A shell command run once after every change (the reload), e.g. 'kill -HUP 1234'.
    #[arg(long, value_name = "CMD")]
    exec: Option<String>,
    /// How often the whole list is published again, for subscribers that joined late.
    #[arg(long, default_value = "1s", value_parser = common::parse_duration)]
    republish: Duration,
    /// etcd endpoints, comma-separated.
    #[arg(long, env = "ETCD_ENDPOINTS", default_value = discovery::DEFAULT_REGISTRY, value_delimiter = ',')]
    registry: Vec<String>,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<()> {
    common::logging::init();
    let args = Args::parse();
    let stop = common::shutdown::on_ctrl_c()?;

    let registry = Registry::new(args.registry.clone())?;
    let (mut servers, watch) = registry.watch()?;
    let context = zmq::Context::new();
    let publisher = events::Publisher::bind(&context, &args.publish)
        .map_err(|e| common::zmq_util::bind_error(&args.publish, "--publish", e))?;
    tracing::info!(publish = %args.publish, registry = %registry.endpoints(), servers = servers.len(),
        "demo4-watch following {} (Ctrl-C to stop)", discovery::PREFIX);

    // The state at start is the first "change": files written, the command run once.
    for (name, endpoint) in &servers {
        println!(
            "{}",
            Change::Up {
                name: name.clone(),
                endpoint: endpoint.clone()
            }
            .line()
        );
    }
    for render in &args.render {
        render
            .write(&servers)
            .with_context(|| format!("cannot render {}", render.dest.display()))?;
    }
    reload(&args);
    publisher.snapshot(&servers)?;
    let mut published = Instant::now();

    while !stop.load(Ordering::Relaxed) {
        let due = args.republish.saturating_sub(published.elapsed());
        match watch
            .changes
            .recv_timeout(due.min(Duration::from_millis(100)))
        {
            Ok(first) => {
                // A burst of changes (three servers starting at once) is one change for the
                // files and the reload; every event is still published on its own.
                let mut batch = vec![first];
                batch.extend(watch.changes.try_iter());
                for change in &batch {
                    apply(&mut servers, change);
                    println!("{}", change.line());
                    publisher.change(change)?;
                }
                rerender(&args, &servers);
                reload(&args);
                publisher.snapshot(&servers)?;
                published = Instant::now();
            }
            Err(RecvTimeoutError::Timeout) => {
                if published.elapsed() >= args.republish {
                    publisher.snapshot(&servers)?;
                    published = Instant::now();
                }
            }
            Err(RecvTimeoutError::Disconnected) => anyhow::bail!("the registry watch stopped"),
        }
    }
    Ok(())
}

fn apply(servers: &mut Servers, change: &Change) {
    match change {
        Change::Up { name, endpoint } => {
            servers.insert(name.clone(), endpoint.clone());
        }
        Change::Down { name } => {
            servers.remove(name);
        }
    }
}

/// Rewrites every file; a failure is logged and the old file stays (the next change retries).
fn rerender(args: &Args, servers: &Servers) {
    for render in &args.render {
        if let Err(e) = render.write(servers) {
            tracing::error!(dest = %render.dest.display(), error = %e, "cannot render; the old file stays");
        }
    }
}

/// Runs `--exec` once (through `sh -c`, as consul-template does) and logs how it ended.
fn reload(args: &Args) {
    let Some(cmd) = &args.exec else { return };
    match Command::new("sh").args(["-c", cmd]).status() {
        Ok(status) if status.success() => tracing::debug!(%cmd, "reload ran"),
        Ok(status) => tracing::warn!(%cmd, %status, "reload command failed"),
        Err(e) => tracing::warn!(%cmd, error = %e, "cannot run the reload command"),
    }
}
