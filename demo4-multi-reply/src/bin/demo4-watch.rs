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
use std::time::Duration;

use clap::Parser;
use demo4_multi_reply::discovery::{self, events, render::Render, watcher::Watcher, Registry};

/// Follows the demo4 registry: PUB events for every change, config files rendered from templates.
/// Partner: demo4-server --register (the servers it watches), demo4-client --subscribe and
/// peers/subscriber.php (its subscribers), peers/client.php (reads the rendered config/rpc.php).
#[derive(Parser, Debug)]
#[command(name = "demo4-watch", version)]
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

    // The loop is the library's (discovery::watcher); this binary gives it flags and stdout.
    let watcher = Watcher {
        publisher,
        renders: args.render.clone(),
        republish: args.republish,
    };
    let mut out = std::io::stdout();
    watcher.start(&servers, &mut out)?;
    reload(&args);
    watcher.follow(&mut servers, &watch.changes, &stop, &mut out, || {
        reload(&args)
    })
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
