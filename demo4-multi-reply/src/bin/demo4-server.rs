//! demo4-server — ZeroMQ REP server that answers with its name (section 4, one client, many servers).
//!
//! Binds `tcp://127.0.0.1:5555` (REP), prints `Get message: [b'hello']` for each request (its
//! frames as Python prints them) and replies with its name as one frame (`--name`, default the
//! host name). Terminals 1–3: `cargo run -p demo4-multi-reply -- --name alice --bind tcp://*:5555`
//! on three machines (or three ports on one: `--bind tcp://127.0.0.1:5556 --name bob`, …);
//! terminal 4: `cargo run -p demo4-multi-reply --bin demo4-client -- --connect … --connect …`.
//! With `--register` it also registers itself in etcd (`/rpc/demo4/<name>` = its endpoint,
//! under a lease it keeps alive, revoked on Ctrl-C), for `demo4-client --discover`.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use demo4_multi_reply::discovery::{self, advertise, Registry};

/// ZeroMQ REP server: answers every request, whatever its frames, with its name.
/// Partner: demo4-client (or the tutorial's client.py), which asks several such servers in turn.
#[derive(Parser, Debug)]
#[command(name = "demo4-server", version)]
struct Args {
    /// Endpoint to bind. The default is loopback only; use 'tcp://*:5555' to share the server
    /// with a classroom over Wi-Fi.
    #[arg(long, default_value = common::endpoints::ZMQ_BIND)]
    bind: String,
    /// The name to reply with [default: this machine's host name].
    #[arg(long)]
    name: Option<String>,
    /// Register in etcd as /rpc/demo4/<name> (for `demo4-client --discover`).
    #[arg(long)]
    register: bool,
    /// How long the registration outlives a server that died without a word (whole seconds).
    #[arg(long, default_value = "3s", value_parser = common::parse_duration, requires = "register")]
    ttl: Duration,
    /// The endpoint clients should connect to, when the bind address is not connectable
    /// [default: the bound endpoint; for a '*' bind, the first non-loopback address].
    #[arg(long, requires = "register")]
    advertise: Option<String>,
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
    let name = args.name.unwrap_or_else(demo4_multi_reply::default_name);
    // How a server stops: Ctrl-C or SIGTERM raises this flag; the loop finishes the request in
    // hand, and a registration is revoked before we exit 0.
    let stop = common::shutdown::on_ctrl_c()?;

    let context = zmq::Context::new();
    let socket = context.socket(zmq::REP)?;
    socket.set_linger(0)?;
    common::zmq_util::bind(&socket, &args.bind, "--bind")?;

    // The answer to "why consul?": tell the registry where we are (see discovery::register).
    let registration = if args.register {
        let endpoint = match args.advertise {
            Some(endpoint) => endpoint,
            None => {
                let bound = common::zmq_util::last_endpoint(&socket)?;
                let (endpoint, guessed) =
                    advertise::connectable(&bound).map_err(anyhow::Error::msg)?;
                if guessed {
                    tracing::info!(
                        "advertising {endpoint}: {} is not connectable (--advertise to choose)",
                        args.bind
                    );
                }
                endpoint
            }
        };
        let registry = Registry::new(args.registry)?;
        let registration = registry.register(&name, &endpoint, args.ttl)?;
        tracing::info!(key = %discovery::key(&name), %endpoint, registry = %registry.endpoints(),
            "registered (lease {})", common::endpoints::human(args.ttl));
        Some((registry, registration))
    } else {
        None
    };
    // Only now: with --register, a server that says `listening` is also findable.
    tracing::info!(endpoint = %args.bind, %name, "demo4-server listening (Ctrl-C to stop)");

    demo4_multi_reply::serve(&socket, &name, &mut std::io::stdout(), &stop)?;
    if let Some((_registry, registration)) = registration {
        registration.revoke();
    }
    tracing::info!("demo4-server stopped");
    Ok(())
}
