//! Section 1 over real sockets: the echo contract byte for byte, bad input, and the interop
//! matrix (Rust and PHP clients × Rust and PHP servers).

use std::process::Command;
use std::time::Duration;

use common::zmq_util::{bind_ephemeral, recv_multipart_timeout};
use test_support::{implementation, Lang, Matrix, Monitor, Proc, ServerThread};

const WAIT: Duration = Duration::from_secs(10);
/// How soon a server must have exited after Ctrl-C.
const STOP_WITHIN: Duration = Duration::from_secs(1);
const CRATE: &str = env!("CARGO_MANIFEST_DIR");

/// An in-process echo server on an ephemeral port, and that endpoint. `stop()` raises its
/// flag, waits for it (at most 5 s, then fails) and returns what it printed.
fn start() -> (ServerThread<String>, String) {
    start_with(|_, _| {})
}

/// [`start`], with `prepare` run on the bound REP socket (and its context) before it serves.
fn start_with(prepare: impl FnOnce(&zmq::Context, &zmq::Socket)) -> (ServerThread<String>, String) {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REP).unwrap();
    let endpoint = bind_ephemeral(&socket).unwrap();
    prepare(&context, &socket);
    let server = ServerThread::spawn("demo1 serve", move |stop| {
        let mut console = Vec::new();
        demo1_reqrep::serve(&socket, &mut console, &stop).expect("serve");
        String::from_utf8(console).expect("the console is UTF-8")
    });
    (server, endpoint)
}

fn req(endpoint: &str) -> zmq::Socket {
    let socket = zmq::Context::new().socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.connect(endpoint).unwrap();
    socket
}

fn call(endpoint: &str, frames: &[&[u8]]) -> Vec<Vec<u8>> {
    let socket = req(endpoint);
    socket.send_multipart(frames, 0).unwrap();
    recv_multipart_timeout(&socket, WAIT)
        .unwrap()
        .expect("the server replies in time")
}

#[test]
fn echoes_the_tutorial_greeting_byte_for_byte() {
    let (server, endpoint) = start();
    let reply = call(&endpoint, &[b"hello there!"]);
    assert_eq!(
        reply,
        vec![b"hello there!".to_vec()],
        "one frame, the same 12 bytes"
    );
    assert_eq!(server.stop(), "Get message: hello there!\n");
}

#[test]
fn bad_input_gets_a_reply_and_the_server_keeps_serving() {
    let (server, endpoint) = start();

    // Several frames where one is expected: a single-frame error, not a crash.
    let reply = call(&endpoint, &[b"a", b"b", b"c"]);
    assert_eq!(
        reply,
        vec![b"error: expected a single frame, got 3 frames".to_vec()]
    );

    // Binary garbage that is not UTF-8 is still a valid echo request: same bytes back.
    let garbage: &[u8] = &[0xff, 0x00, 0xfe, 0x80, b'\n'];
    assert_eq!(call(&endpoint, &[garbage]), vec![garbage.to_vec()]);

    // Raw bytes that are not even ZMTP: libzmq drops that connection, the server goes on.
    let addr = endpoint.trim_start_matches("tcp://").to_string();
    let mut raw = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(&mut raw, &[0xde, 0xad, 0xbe, 0xef].repeat(64)).unwrap();
    drop(raw);

    assert_eq!(
        call(&endpoint, &[b"still there?"]),
        vec![b"still there?".to_vec()]
    );
    let console = server.stop();
    // The multi-frame request shows its frames and the rejection, not `Get message: abc`.
    assert!(
        console
            .starts_with("Rejected [\"a\", \"b\", \"c\"]: expected a single frame, got 3 frames\n"),
        "{console}"
    );
    assert!(
        console.ends_with("Get message: still there?\n"),
        "{console}"
    );
}

#[test]
fn a_message_rep_discards_does_not_block_the_server() {
    // A DEALER that forgets REQ's empty delimiter frame: the message reaches the REP socket,
    // which discards it. A blocking recv after a poll would wait for the *next* message and
    // never see the shutdown flag; the server must stop promptly all the same.
    let mut monitor = None;
    let (server, endpoint) = start_with(|context, socket| {
        monitor = Some(Monitor::new(context, socket));
    });
    let dealer = zmq::Context::new().socket(zmq::DEALER).unwrap();
    dealer.set_linger(0).unwrap();
    dealer.connect(&endpoint).unwrap();
    dealer.send("no delimiter", 0).unwrap();
    // The message goes out right after the handshake: wait for that, not for a fixed time.
    monitor
        .as_mut()
        .unwrap()
        .wait_for(zmq::SocketEvent::HANDSHAKE_SUCCEEDED, 1, WAIT)
        .unwrap();

    let console = server.stop();
    assert_eq!(console, "", "nothing was served");
}

#[test]
fn client_gives_up_with_a_clear_message_when_no_server_runs() {
    let endpoint = test_support::free_endpoint();
    let out = test_support::run(
        "demo1-client",
        Command::new(env!("CARGO_BIN_EXE_demo1-client"))
            .args(["--connect", &endpoint, "--timeout", "300ms"])
            // Many machines set this; the student must still read one sentence, not a trace.
            .env("RUST_BACKTRACE", "1")
            .env("RUST_LOG", "error"),
        WAIT,
    );
    assert!(
        out.status.is_some_and(|s| !s.success()),
        "non-zero exit: {out:?}"
    );
    assert_eq!(
        out.stderr.trim_end(),
        format!("error: no reply from {endpoint} within 300 ms — is demo1-server running?"),
        "stderr is the one plain error line"
    );
}

/// Starts the server of `lang` on `endpoint`: Rust takes `--bind`, the peers `ZMQ_ENDPOINT`.
fn start_server(lang: Lang, endpoint: &str) -> Option<Proc> {
    test_support::zmq_server(
        lang,
        env!("CARGO_BIN_EXE_demo1-server"),
        CRATE,
        "peers/server.php",
        endpoint,
    )
}

/// The client of `lang` aimed at `endpoint`.
fn client(lang: Lang, endpoint: &str) -> Option<Command> {
    let mut cmd = implementation(
        lang,
        env!("CARGO_BIN_EXE_demo1-client"),
        CRATE,
        "peers/client.php",
    )?;
    match lang {
        Lang::Rust => cmd.args(["--connect", endpoint, "--timeout", "10s"]),
        _ => cmd.env("ZMQ_ENDPOINT", endpoint),
    };
    Some(cmd)
}

#[test]
fn interop_matrix_every_client_against_every_server() {
    let mut matrix = Matrix::new("demo1 request/reply: client × server");
    for server_lang in [Lang::Rust, Lang::Php] {
        for client_lang in [Lang::Rust, Lang::Php] {
            let endpoint = test_support::free_endpoint();
            // A missing peer skips this pair only (visibly); the rest is still asserted.
            let Some(mut server) = start_server(server_lang, &endpoint) else {
                continue;
            };
            let Some(mut client) = client(client_lang, &endpoint) else {
                continue;
            };
            let outcome = test_support::run(format!("{client_lang} client"), &mut client, WAIT)
                .success()
                .and_then(|lines| {
                    if lines == ["Get back message: hello there!"] {
                        Ok(())
                    } else {
                        Err(format!("client printed {lines:?}"))
                    }
                })
                .and_then(|()| {
                    server
                        .expect_line(WAIT, |l| l == "Get message: hello there!")
                        .map(drop)
                });
            matrix.record(client_lang, server_lang, outcome);
        }
    }
    matrix.assert_all_ok();
}

/// The tutorial's scripts as they are — no endpoint given anywhere — against our programs, also
/// with no flags: the defaults (port 5555, loopback bind, `localhost` connect) must line up.
#[test]
fn tutorial_scripts_and_our_programs_meet_at_their_defaults() {
    test_support::meet_at_defaults(&test_support::Defaults {
        crate_dir: CRATE,
        port: common::endpoints::ZMQ_PORT,
        server: ("demo1-server", env!("CARGO_BIN_EXE_demo1-server")),
        client: ("demo1-client", env!("CARGO_BIN_EXE_demo1-client")),
        peer_client: (Lang::Php, "peers/client.php"),
        peer_server: (Lang::Php, "peers/server.php"),
        client_prints: &["Get back message: hello there!"],
        server_prints: "Get message: hello there!",
    });
}

#[test]
fn help_says_what_each_binary_does_and_names_its_partner() {
    test_support::assert_help_names_partners(&[
        (env!("CARGO_BIN_EXE_demo1-server"), "demo1-client"),
        (env!("CARGO_BIN_EXE_demo1-client"), "demo1-server"),
    ]);
}

/// Ctrl-C (SIGINT) while serving, or SIGTERM (what `kill` and service managers send): the
/// server exits 0 within a second (`common::shutdown`).
#[test]
fn the_server_stops_cleanly_on_ctrl_c_and_sigterm() {
    for signal in ["INT", "TERM"] {
        let endpoint = test_support::free_endpoint();
        let mut server = start_server(Lang::Rust, &endpoint).unwrap();
        // It serves: one round trip first, so the signal lands in the serve loop.
        assert_eq!(call(&endpoint, &[b"ping"]), vec![b"ping".to_vec()]);
        server
            .expect_line(WAIT, |l| l == "Get message: ping")
            .unwrap();
        server.signal(signal);
        server
            .finish(STOP_WITHIN)
            .success()
            .unwrap_or_else(|e| panic!("SIG{signal}: {e}"));
    }
}

/// An endpoint without a transport, or a host name where bind needs an address, is
/// explained with the flag and the form it needs — and "another server?" only for a port in use.
#[test]
fn a_bad_endpoint_names_the_flag_and_the_form_it_needs() {
    let fails = |bin: &str, args: &[&str]| {
        let done = test_support::run(bin, Command::new(bin).args(args), WAIT);
        assert!(done.status.is_some_and(|s| !s.success()), "{done:?}");
        done.stderr.trim_end().to_string()
    };
    let server = env!("CARGO_BIN_EXE_demo1-server");
    let client = env!("CARGO_BIN_EXE_demo1-client");
    assert_eq!(
        fails(client, &["--connect", "localhost:5555"]),
        "error: cannot connect to localhost:5555 (--connect): Invalid argument — an endpoint is \
         transport://address, e.g. tcp://localhost:5555"
    );
    assert_eq!(
        fails(server, &["--bind", "localhost:5555"]),
        "error: cannot bind localhost:5555 (--bind): Invalid argument — an endpoint is \
         transport://address, e.g. tcp://127.0.0.1:5555"
    );
    let host_name = fails(server, &["--bind", "tcp://localhost:5559"]);
    assert!(
        host_name.starts_with("error: cannot bind tcp://localhost:5559 (--bind): No such device — libzmq binds an IP address, an interface name or `*`"),
        "{host_name}"
    );
    let (_running, taken) = start();
    assert!(
        fails(server, &["--bind", &taken])
            .ends_with("Address already in use (is another server running on it?)"),
        "only a port in use suggests another server"
    );
}

/// `demo1-server 2>log` leaves no colour codes in the log.
#[test]
fn logs_are_plain_text_when_stderr_is_not_a_terminal() {
    let endpoint = test_support::free_endpoint();
    let server = start_server(Lang::Rust, &endpoint).unwrap();
    assert_eq!(call(&endpoint, &[b"a", b"b"]).len(), 1); // logs a warning
    let done = server.ctrl_c(STOP_WITHIN);
    assert!(done.stderr.contains("multipart request"), "{done:?}");
    assert!(
        !done.stderr.contains('\x1b'),
        "ANSI codes in {:?}",
        done.stderr
    );
}
