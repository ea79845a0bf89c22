//! The server loop over a real socket (in-process), and the client binary against it.

use std::process::Command;
use std::time::Duration;

use test_support::{run, ServerThread};

const WAIT: Duration = Duration::from_secs(10);

/// A demo6 server on an ephemeral port, and that endpoint. `stop()` raises its flag, waits for
/// it (at most 5 s, then fails) and returns the console lines it printed.
fn start(context: &zmq::Context) -> (ServerThread<Vec<String>>, String) {
    let socket = context.socket(zmq::REP).unwrap();
    let endpoint = common::zmq_util::bind_ephemeral(&socket).unwrap();
    let server = ServerThread::spawn("demo6 serve", move |stop| {
        let router = demo6_rpc_server::functions::router();
        let mut console = Vec::new();
        demo6_rpc_server::serve(&socket, &router, &mut console, &stop).expect("serve");
        let console = String::from_utf8(console).expect("the console is UTF-8");
        console.lines().map(str::to_string).collect()
    });
    (server, endpoint)
}

#[test]
fn the_server_keeps_serving_after_bad_calls() {
    let context = zmq::Context::new();
    let (server, endpoint) = start(&context);
    let client = context.socket(zmq::REQ).unwrap();
    client.set_linger(0).unwrap();
    client.connect(&endpoint).unwrap();
    let ask = |frames: &[&[u8]]| {
        client.send_multipart(frames, 0).unwrap();
        common::zmq_util::recv_timeout(&client, WAIT)
            .unwrap()
            .expect("a reply")
    };
    let tutorial = demo6_rpc_server::Request::tutorial().to_bytes();

    assert_eq!(ask(&[&tutorial]), [0x13]);
    for bad in [&b""[..], b"\xc1", b"\xa4plus", b"\x90", &tutorial[..20]] {
        let reply = demo5_msgpack::decode(&ask(&[bad])).unwrap();
        assert!(
            demo5_msgpack::as_error(&reply).is_some(),
            "{bad:02x?} -> {reply}"
        );
    }
    let reply = demo5_msgpack::decode(&ask(&[&tutorial, &tutorial])).unwrap();
    assert!(demo5_msgpack::as_error(&reply)
        .unwrap()
        .contains("2 frames"));
    assert_eq!(ask(&[&tutorial]), [0x13]);

    assert_eq!(
        server.stop(),
        [
            "plus(1, 2, 2, 3, 3, 4, 2, 3, -1) = 19",
            "plus(1, 2, 2, 3, 3, 4, 2, 3, -1) = 19"
        ]
    );
}

fn client(endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demo6-client"));
    cmd.args(["--connect", endpoint, "--timeout", "10s"])
        .args(args);
    cmd
}

#[test]
fn the_client_prints_results_and_shows_errors_plainly() {
    let context = zmq::Context::new();
    let (server, endpoint) = start(&context);
    let ok = |args: &[&str]| {
        run("demo6-client", &mut client(&endpoint, args), WAIT)
            .success()
            .unwrap()
    };

    assert_eq!(ok(&[]), ["19"], "no arguments: the tutorial's call");
    assert_eq!(ok(&["plus", "1", "2", "3"]), ["6"]);
    assert_eq!(ok(&["plus", "-5", "2"]), ["-3"]);
    assert_eq!(ok(&["plus", "1.5", "2"]), ["3.5"]);
    assert_eq!(ok(&["divide", "7", "2"]), ["3.5"]);
    assert_eq!(ok(&["hello", "Ada"]), ["Hello, Ada!"]);
    assert_eq!(
        ok(&["echo", r#"[1, "two", {"three": true}]"#]),
        [r#"[1, "two", {"three": true}]"#]
    );

    for (args, want) in [
        (&["minus", "1"][..], "error: unknown function `minus`"),
        (
            &["plus", "1", "[2]"][..],
            "error: bad parameters for `plus`",
        ),
        (
            &["divide", "1", "0"][..],
            "error: `divide` failed: division by zero",
        ),
    ] {
        let done = run("demo6-client", &mut client(&endpoint, args), WAIT);
        let status = done.status.expect("the client exits by itself");
        assert!(!status.success(), "{args:?} must fail");
        assert!(
            done.stdout.is_empty(),
            "{args:?}: nothing on stdout, got {:?}",
            done.stdout
        );
        assert!(
            done.stderr.contains(want),
            "{args:?}: stderr {:?} should contain {want:?}",
            done.stderr
        );
    }
    server.stop();
}

#[test]
fn the_client_gives_up_with_a_clear_message_when_no_server_answers() {
    // A bound socket that never replies stands in for a server that hangs.
    let context = zmq::Context::new();
    let silent = context.socket(zmq::REP).unwrap();
    let endpoint = common::zmq_util::bind_ephemeral(&silent).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demo6-client"));
    cmd.args(["--connect", &endpoint, "--timeout", "300ms"]);
    let done = run("demo6-client", &mut cmd, WAIT);
    assert!(!done.status.expect("the client exits by itself").success());
    assert!(
        done.stderr.contains("no reply from") && done.stderr.contains("demo6-server"),
        "{}",
        done.stderr
    );
}

#[test]
fn help_names_the_partner() {
    for (bin, partner) in [
        (env!("CARGO_BIN_EXE_demo6-server"), "demo6-client"),
        (env!("CARGO_BIN_EXE_demo6-client"), "demo6-server"),
    ] {
        let lines = run(bin, Command::new(bin).arg("--help"), WAIT)
            .success()
            .unwrap();
        assert!(
            lines.join("\n").contains(partner),
            "{bin} --help: {lines:?}"
        );
    }
}

/// Ctrl-C (SIGINT) while serving: demo6-server exits 0 within a second (`common::shutdown`).
#[test]
fn the_server_stops_cleanly_on_ctrl_c() {
    let endpoint = test_support::free_endpoint();
    let bin = env!("CARGO_BIN_EXE_demo6-server");
    let server = test_support::Proc::spawn(bin, Command::new(bin).args(["--bind", &endpoint]));
    let lines = run("demo6-client", &mut client(&endpoint, &[]), WAIT)
        .success()
        .unwrap();
    assert_eq!(lines, ["19"], "it serves");
    let lines = server.ctrl_c(Duration::from_secs(1)).success().unwrap();
    assert_eq!(lines, ["plus(1, 2, 2, 3, 3, 4, 2, 3, -1) = 19"]);
}

/// An endpoint without a transport names the flag and the form it needs, in both binaries.
#[test]
fn a_bad_endpoint_names_the_flag_and_the_form_it_needs() {
    for (bin, flag) in [
        (env!("CARGO_BIN_EXE_demo6-server"), "--bind"),
        (env!("CARGO_BIN_EXE_demo6-client"), "--connect"),
    ] {
        test_support::assert_endpoint_error(bin, flag, "localhost:5555", &[]);
    }
}
