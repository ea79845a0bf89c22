//! Section 4 over real sockets: the name reply byte for byte, bad input, the client's
//! round-robin, the Lazy Pirate surviving a dead server, and the interop matrix (Rust and Python
//! clients × Rust and PHP servers).

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::zmq_util::{bind_ephemeral, recv_multipart_timeout};
use demo4_multi_reply::{frames_repr, LazyPirate};
use test_support::{implementation, Lang, Matrix, Proc, ServerThread};

const WAIT: Duration = Duration::from_secs(10);
const CRATE: &str = env!("CARGO_MANIFEST_DIR");
const NAMES: [&str; 3] = ["alice", "bob", "carol"];

/// An in-process name server on an ephemeral port (on `test_support::ServerThread`, whose
/// `stop()` is bounded).
struct Server {
    endpoint: String,
    /// Returns what the server printed.
    thread: ServerThread<Vec<u8>>,
}

impl Server {
    fn start(name: &'static str) -> Server {
        Server::start_in(&zmq::Context::new(), name, |_| {})
    }

    /// Starts it on `context`, after `prepare` saw the bound socket (to attach a monitor).
    fn start_in(
        context: &zmq::Context,
        name: &'static str,
        prepare: impl FnOnce(&zmq::Socket),
    ) -> Server {
        let socket = context.socket(zmq::REP).unwrap();
        let endpoint = bind_ephemeral(&socket).unwrap();
        prepare(&socket);
        let thread = ServerThread::spawn(format!("server {name}"), move |stop| {
            let mut console = Vec::new();
            demo4_multi_reply::serve(&socket, name, &mut console, &stop).unwrap();
            console
        });
        Server { endpoint, thread }
    }

    /// Stops the server and returns what it printed; fails if its loop does not end in time.
    fn stop(self) -> String {
        String::from_utf8(self.thread.stop()).unwrap()
    }
}

fn call(endpoint: &str, frames: &[&[u8]]) -> Vec<Vec<u8>> {
    let socket = zmq::Context::new().socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(endpoint).unwrap();
    socket.send_multipart(frames, 0).unwrap();
    recv_multipart_timeout(&socket, WAIT)
        .unwrap()
        .expect("the server replies in time")
}

/// The Rust client aimed at `endpoints`, with the given extra flags.
fn rust_client(endpoints: &[&str], flags: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demo4-client"));
    for endpoint in endpoints {
        cmd.args(["--connect", endpoint]);
    }
    cmd.args(flags);
    cmd
}

#[test]
fn replies_its_name_as_one_frame_to_the_tutorial_request() {
    let server = Server::start("alice");
    assert_eq!(
        call(&server.endpoint, &[b"hello"]),
        vec![b"alice".to_vec()],
        "one frame, the five bytes of the name"
    );
    assert_eq!(server.stop(), "Get message: [b'hello']\n");
}

#[test]
fn bad_input_never_kills_the_server() {
    let context = zmq::Context::new();
    let monitor = context.socket(zmq::PAIR).unwrap();
    let server = Server::start_in(&context, "alice", |socket| {
        let events = zmq::SocketEvent::DISCONNECTED as i32;
        socket
            .monitor("inproc://demo4-server-monitor", events)
            .unwrap();
    });
    monitor.connect("inproc://demo4-server-monitor").unwrap();
    let alice = vec![b"alice".to_vec()];

    // Any request is a valid request here: several frames, binary garbage, an empty frame.
    assert_eq!(call(&server.endpoint, &[b"a", b"b", b"c"]), alice);
    assert_eq!(
        call(&server.endpoint, &[&[0xff, 0x00, b'\'', b'\n']]),
        alice
    );
    assert_eq!(call(&server.endpoint, &[b""]), alice);

    // A DEALER that forgets REQ's empty delimiter frame: REP cannot route it and drops it.
    let dealer = zmq::Context::new().socket(zmq::DEALER).unwrap();
    dealer.set_linger(0).unwrap();
    dealer.connect(&server.endpoint).unwrap();
    dealer.send("no delimiter", 0).unwrap();

    // Raw bytes that are not even ZMTP: libzmq drops that connection, the server goes on.
    let addr = server.endpoint.trim_start_matches("tcp://").to_string();
    let mut raw = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(&mut raw, &[0xde, 0xad, 0xbe, 0xef].repeat(64)).unwrap();
    drop(raw);
    let event = recv_multipart_timeout(&monitor, WAIT).unwrap();
    assert!(
        event.is_some(),
        "the server dropped the raw connection within {WAIT:?}"
    );

    assert_eq!(call(&server.endpoint, &[b"still there?"]), alice);

    // The same broken envelope as the very last message: the server must still notice the
    // shutdown (a blocking recv after poll would wait for a next request that never comes).
    // It has arrived once the server saw that DEALER disconnect: libzmq reads a connection in
    // order, so the message before the close is in the server's queue by then.
    dealer.send("no delimiter", 0).unwrap();
    dealer.set_linger(1000).unwrap();
    drop(dealer);
    let event = recv_multipart_timeout(&monitor, WAIT).unwrap();
    assert!(
        event.is_some(),
        "the server saw the DEALER go within {WAIT:?}"
    );
    let console = server.stop();
    assert!(
        console.starts_with(
            "Get message: [b'a', b'b', b'c']\n\
             Get message: [b\"\\xff\\x00'\\n\"]\n\
             Get message: [b'']\n"
        ),
        "{console}"
    );
    assert!(
        console.ends_with("Get message: [b'still there?']\n"),
        "{console}"
    );
}

#[test]
fn client_goes_round_robin_over_three_servers() {
    let servers: Vec<Server> = NAMES.iter().map(|name| Server::start(name)).collect();
    let endpoints: Vec<&str> = servers.iter().map(|s| s.endpoint.as_str()).collect();
    let out = test_support::run(
        "demo4-client",
        &mut rust_client(&endpoints, &["--requests", "6", "--timeout", "5s"]),
        WAIT,
    );
    let lines = out.success().unwrap();
    assert_eq!(
        lines,
        [
            "[b'alice']",
            "[b'bob']",
            "[b'carol']",
            "[b'alice']",
            "[b'bob']",
            "[b'carol']"
        ]
    );
    for server in servers {
        assert_eq!(server.stop(), "Get message: [b'hello']\n".repeat(2));
    }
}

#[test]
fn client_skips_a_dead_server_names_it_and_finishes() {
    let alice = Server::start("alice");
    let carol = Server::start("carol");
    let dead = test_support::free_endpoint(); // nobody listens there
    let out = test_support::run(
        "demo4-client",
        &mut rust_client(
            &[&alice.endpoint, &dead, &carol.endpoint],
            &["--requests", "6", "--timeout", "300ms", "--retries", "2"],
        ),
        WAIT,
    );
    assert!(
        out.status.is_some_and(|s| s.success()),
        "exit 0 when some server answered: {out:?}"
    );
    assert_eq!(
        out.stdout,
        ["[b'alice']", "[b'carol']"].repeat(3),
        "the dead server's turn goes to the next live one: {out:?}"
    );
    assert!(
        out.stderr.contains(&format!(
            "W: no reply from {dead} within 300 ms, retrying (try 2 of 2)"
        )),
        "{}",
        out.stderr
    );
    let skipped = format!("E: {dead} is unreachable (no reply after 2 × 300 ms), skipping it");
    assert_eq!(
        out.stderr.matches(&skipped).count(),
        1,
        "named once, then skipped for good: {}",
        out.stderr
    );
    assert_eq!(alice.stop().lines().count(), 3);
    assert_eq!(carol.stop().lines().count(), 3);
}

#[test]
fn client_fails_with_a_clear_message_when_no_server_answers() {
    let (a, b) = (test_support::free_endpoint(), test_support::free_endpoint());
    let out = test_support::run(
        "demo4-client",
        &mut rust_client(&[&a, &b], &["--timeout", "200ms", "--retries", "1"]),
        WAIT,
    );
    assert!(
        out.status.is_some_and(|s| !s.success()),
        "non-zero exit: {out:?}"
    );
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "no server answered: {a}, {b} unreachable — is demo4-server running there?"
        )),
        "{}",
        out.stderr
    );
}

/// The Lazy Pirate's core move, seen from the server: a lost reply makes the client close its
/// socket and resend the request on a *new* socket (a new connection, a new identity).
/// The "lost" reply here is a malformed one (no empty delimiter frame), which REQ discards:
/// the client must neither hang on it nor take it for an answer.
#[test]
fn lazy_pirate_reopens_its_socket_and_resends_after_a_lost_reply() {
    let context = zmq::Context::new();
    // A ROUTER shows each request's envelope: [identity, "", frames…].
    let router = context.socket(zmq::ROUTER).unwrap();
    let endpoint = bind_ephemeral(&router).unwrap();
    let (flaky_done, flaky) = mpsc::channel();
    thread::spawn(move || {
        let mut identities = Vec::new();
        while identities.len() < 2 {
            let Some(envelope) = recv_multipart_timeout(&router, WAIT).unwrap() else {
                break;
            };
            assert_eq!(envelope[1..], [b"".to_vec(), b"hello".to_vec()]);
            let reply: Vec<&[u8]> = if identities.is_empty() {
                vec![&envelope[0], b"no delimiter"] // first request: a broken reply
            } else {
                vec![&envelope[0], b"", b"flaky"]
            };
            router.send_multipart(reply, 0).unwrap();
            identities.push(envelope[0].clone());
        }
        let _ = flaky_done.send(identities);
    });

    // The client runs in a thread so that a hang fails the test instead of stalling it.
    let client_endpoint = endpoint.clone();
    let (tx, done) = mpsc::channel();
    thread::spawn(move || {
        let context = zmq::Context::new();
        let endpoints = [client_endpoint];
        let mut client =
            LazyPirate::connect(&context, &endpoints, Duration::from_secs(1), 3).unwrap();
        let mut notices = Vec::new();
        let reply = client.request(&[b"hello"], &mut notices).unwrap();
        let unreachable = client.unreachable().len();
        let _ = tx.send((reply, String::from_utf8(notices).unwrap(), unreachable));
    });
    let (reply, notices, unreachable) = done
        .recv_timeout(WAIT)
        .expect("the client returns (no blocking recv on a discarded reply)");
    assert_eq!(reply.frames, [b"flaky".to_vec()]);
    assert_eq!(reply.endpoint, endpoint);
    assert!(
        notices.starts_with(&format!(
            "W: no reply from {endpoint} within 1 s, retrying (try 2 of 3)\n"
        )),
        "{notices}"
    );
    assert!(!notices.contains("E:"), "{notices}");
    assert_eq!(unreachable, 0);

    let identities = flaky
        .recv_timeout(WAIT)
        .expect("the flaky server thread ends (and did not panic)");
    assert_eq!(identities.len(), 2, "the request came twice");
    assert_ne!(
        identities[0], identities[1],
        "the retry came on a new socket"
    );
}

/// Our `[b'alice']` printing against Python's own `print(list_of_bytes)`.
#[test]
fn frames_print_exactly_as_python_prints_them() {
    let Some(python) = test_support::python() else {
        return test_support::skip("the Python venv is missing");
    };
    let frames: Vec<Vec<u8>> = vec![
        b"alice".to_vec(),
        (0..=255).collect(),
        b"it's".to_vec(),
        br#"say "hi""#.to_vec(),
        br#"both ' and ""#.to_vec(),
        Vec::new(),
    ];
    let hex: Vec<String> = frames
        .iter()
        .map(|f| f.iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    let script = format!("print([bytes.fromhex(h) for h in {hex:?}])", hex = hex);
    let out = test_support::run("python", Command::new(python).args(["-c", &script]), WAIT);
    assert_eq!(out.success().unwrap(), [frames_repr(&frames)]);
}

/// Waits until something accepts TCP connections on `endpoint` (a `tcp://host:port`).
fn wait_listening(endpoint: &str) -> Result<(), String> {
    let addr: std::net::SocketAddr = endpoint
        .trim_start_matches("tcp://")
        .parse()
        .map_err(|e| format!("{endpoint}: {e}"))?;
    test_support::wait_for_port(addr, WAIT)
}

/// Starts the server of `lang` named `name` on `endpoint`: Rust takes flags, PHP the environment.
fn start_server(lang: Lang, name: &str, endpoint: &str) -> Option<Proc> {
    let mut cmd = implementation(
        lang,
        env!("CARGO_BIN_EXE_demo4-server"),
        CRATE,
        "peers/server.php",
    )?;
    match lang {
        Lang::Rust => cmd.args(["--bind", endpoint, "--name", name]),
        _ => cmd.env("ZMQ_ENDPOINT", endpoint).env("SERVER_NAME", name),
    };
    Some(Proc::spawn(format!("{lang} server {name}"), &mut cmd))
}

/// The client of `lang` aimed at `endpoints`, sending 6 requests.
fn client(lang: Lang, endpoints: &[&str]) -> Option<Command> {
    Some(match lang {
        Lang::Rust => rust_client(endpoints, &["--requests", "6", "--timeout", "5s"]),
        _ => {
            let mut cmd = test_support::peer_command(CRATE, lang, "peers/client.py")?;
            cmd.env("ZMQ_ENDPOINTS", endpoints.join(" "))
                .env("ZMQ_REQUESTS", "6");
            cmd
        }
    })
}

/// One cell of the matrix: three servers of `server_lang`, one client of `client_lang`.
fn three_servers_one_client(server_lang: Lang, client_lang: Lang) -> Option<Result<(), String>> {
    let endpoints: Vec<String> = NAMES
        .iter()
        .map(|_| test_support::free_endpoint())
        .collect();
    let mut servers = Vec::new();
    for (name, endpoint) in NAMES.iter().zip(&endpoints) {
        servers.push(start_server(server_lang, name, endpoint)?);
    }
    let endpoints: Vec<&str> = endpoints.iter().map(String::as_str).collect();
    let mut cmd = client(client_lang, &endpoints)?;
    let outcome = endpoints
        .iter()
        .try_for_each(|e| wait_listening(e))
        .and_then(|()| test_support::run(format!("{client_lang} client"), &mut cmd, WAIT).success())
        .and_then(|lines| {
            let expected: Vec<String> = NAMES.iter().map(|n| format!("[b'{n}']")).collect();
            let seen: BTreeSet<&String> = lines.iter().collect();
            let all_known = lines.iter().all(|l| expected.contains(l));
            // Our client's round-robin is exact; ZeroMQ's (the Python client) is fair but
            // starts wherever its connections happen to be ready first.
            let in_order =
                client_lang != Lang::Rust || lines == [&expected[..], &expected[..]].concat();
            if lines.len() == 6 && all_known && seen.len() == 3 && in_order {
                Ok(())
            } else {
                Err(format!("client printed {lines:?}"))
            }
        })
        .and_then(|()| {
            servers.iter_mut().try_for_each(|server| {
                server
                    .expect_line(WAIT, |l| l == "Get message: [b'hello']")
                    .map(drop)
            })
        });
    Some(outcome)
}

#[test]
fn interop_matrix_every_client_against_every_server() {
    let mut matrix = Matrix::new("demo4 one client, three servers: client × server");
    for server_lang in [Lang::Rust, Lang::Php] {
        for client_lang in [Lang::Rust, Lang::Python] {
            // A missing peer skips this pair only (visibly); the matrix still asserts.
            if let Some(outcome) = three_servers_one_client(server_lang, client_lang) {
                matrix.record(client_lang, server_lang, outcome);
            }
        }
    }
    matrix.assert_all_ok();
}

/// The tutorial's scripts as they are — no endpoint or name given anywhere — against our
/// programs, also with no flags: port 5555, loopback bind, `localhost` connect, host name as
/// the server's name.
#[test]
fn tutorial_scripts_and_our_programs_meet_at_their_defaults() {
    let host = format!("[b'{}']", demo4_multi_reply::default_name());
    test_support::meet_at_defaults(&test_support::Defaults {
        crate_dir: CRATE,
        port: common::endpoints::ZMQ_PORT,
        server: ("demo4-server", env!("CARGO_BIN_EXE_demo4-server")),
        client: ("demo4-client", env!("CARGO_BIN_EXE_demo4-client")),
        peer_client: (Lang::Python, "peers/client.py"),
        peer_server: (Lang::Php, "peers/server.php"),
        client_prints: &[host.as_str(); demo4_multi_reply::REQUESTS],
        server_prints: "Get message: [b'hello']",
    });
}

#[test]
fn help_says_what_each_binary_does_and_names_its_partner() {
    test_support::assert_help_names_partners(&[
        (env!("CARGO_BIN_EXE_demo4-server"), "demo4-client"),
        (env!("CARGO_BIN_EXE_demo4-client"), "demo4-server"),
    ]);
}

/// The tutorial's own client in Rust: one REQ socket, three `connect`s, ZeroMQ's round-robin.
#[test]
fn one_socket_with_three_connects_goes_round_robin() {
    let servers: Vec<Server> = NAMES.iter().map(|name| Server::start(name)).collect();
    let endpoints: Vec<&str> = servers.iter().map(|s| s.endpoint.as_str()).collect();
    let out = test_support::run(
        "demo4-client --one-socket",
        &mut rust_client(
            &endpoints,
            &["--one-socket", "--requests", "30", "--timeout", "5s"],
        ),
        WAIT,
    );
    let lines = out.success().unwrap();
    let expected: Vec<String> = NAMES.iter().map(|n| format!("[b'{n}']")).collect();
    assert_eq!(lines.len(), 30, "{lines:?}");
    assert!(lines.iter().all(|l| expected.contains(l)), "{lines:?}");
    // Once every connection is up, each server gets the next request in turn.
    let tail = &lines[lines.len() - 6..];
    let seen: BTreeSet<&String> = tail.iter().collect();
    assert_eq!(
        seen.len(),
        3,
        "the last six rotate over all three: {lines:?}"
    );
    assert_eq!(tail[..3], tail[3..], "in a fixed order: {lines:?}");
    let total: usize = servers.into_iter().map(|s| s.stop().lines().count()).sum();
    assert_eq!(total, 30);
}

/// …and why the Lazy Pirate exists: with one socket a dead server cannot be named.
#[test]
fn one_socket_cannot_tell_which_server_is_dead() {
    let alice = Server::start("alice");
    let dead = test_support::free_endpoint();
    let out = test_support::run(
        "demo4-client --one-socket",
        &mut rust_client(
            &[&alice.endpoint, &dead],
            &["--one-socket", "--requests", "50", "--timeout", "300ms"],
        ),
        WAIT,
    );
    assert!(out.status.is_some_and(|s| !s.success()), "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "error: no reply within 300 ms from one of {}, {dead} — one socket cannot tell which server is down",
            alice.endpoint
        )),
        "{}",
        out.stderr
    );
}

/// An endpoint without a transport names the flag and the form it needs, in every binary.
#[test]
fn a_bad_endpoint_names_the_flag_and_the_form_it_needs() {
    for (bin, flag) in [
        (env!("CARGO_BIN_EXE_demo4-server"), "--bind"),
        (env!("CARGO_BIN_EXE_demo4-client"), "--connect"),
        (env!("CARGO_BIN_EXE_demo4-client"), "--subscribe"),
    ] {
        test_support::assert_endpoint_error(bin, flag, "localhost:5555", &[]);
    }
    // A host name where bind needs an address: the hint says so, not "another server?".
    let bin = env!("CARGO_BIN_EXE_demo4-server");
    let done = test_support::run(
        bin,
        Command::new(bin).args(["--bind", "tcp://localhost:5559"]),
        WAIT,
    );
    assert!(
        done.stderr.contains("not a host name") && !done.stderr.contains("another server"),
        "{}",
        done.stderr
    );
}
