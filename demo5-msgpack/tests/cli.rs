//! The binaries as a student runs them: `--help` names the partner, the client sends its
//! arguments, an error reply is shown plainly, and no server means a clear timeout message.

use std::process::Command;
use std::time::Duration;

use demo5_msgpack::error_value;
use test_support::run;

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn help_names_the_partner() {
    for (bin, partner) in [
        (env!("CARGO_BIN_EXE_demo5-server"), "demo5-client"),
        (env!("CARGO_BIN_EXE_demo5-client"), "demo5-server"),
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

/// A one-shot REP socket in a thread: records the request, answers with `reply`.
fn one_shot_server(reply: Vec<u8>) -> (String, std::thread::JoinHandle<Option<Vec<u8>>>) {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REP).unwrap();
    let endpoint = common::zmq_util::bind_ephemeral(&socket).unwrap();
    let handle = std::thread::spawn(move || {
        let request = common::zmq_util::recv_timeout(&socket, WAIT).unwrap()?;
        socket.send(reply, 0).unwrap();
        Some(request)
    });
    (endpoint, handle)
}

#[test]
fn the_client_sends_its_arguments_as_an_array_of_strings() {
    let (endpoint, server) = one_shot_server(b"\x92\xa1b\xa1a".to_vec());
    let bin = env!("CARGO_BIN_EXE_demo5-client");
    let lines = run(
        bin,
        Command::new(bin).args(["--connect", &endpoint, "a", "b"]),
        WAIT,
    )
    .success()
    .unwrap();
    assert_eq!(server.join().unwrap().unwrap(), b"\x92\xa1a\xa1b");
    assert_eq!(lines, [r#"["b", "a"]"#]);
}

#[test]
fn an_error_reply_goes_to_stderr_with_a_failing_status() {
    let reply = demo5_msgpack::encode(&error_value("expected a MessagePack array, got a map"));
    let (endpoint, server) = one_shot_server(reply);
    let bin = env!("CARGO_BIN_EXE_demo5-client");
    let done = run(bin, Command::new(bin).args(["--connect", &endpoint]), WAIT);
    server.join().unwrap().unwrap();
    assert!(!done.status.expect("exits by itself").success());
    assert!(done.stdout.is_empty(), "{:?}", done.stdout);
    assert!(
        done.stderr
            .contains("error: expected a MessagePack array, got a map"),
        "{}",
        done.stderr
    );
}

#[test]
fn without_a_server_the_client_says_what_is_wrong() {
    let endpoint = test_support::free_endpoint(); // nobody listens there
    let bin = env!("CARGO_BIN_EXE_demo5-client");
    let done = run(
        bin,
        Command::new(bin).args(["--connect", &endpoint, "--timeout", "300ms"]),
        WAIT,
    );
    assert!(!done.status.expect("exits by itself").success());
    assert!(
        done.stderr.contains(&format!(
            "no reply from {endpoint} within 300 ms — is demo5-server running?"
        )),
        "{}",
        done.stderr
    );
}

/// Ctrl-C (SIGINT) while serving: demo5-server exits 0 within a second (`common::shutdown`).
#[test]
fn the_server_stops_cleanly_on_ctrl_c() {
    let endpoint = test_support::free_endpoint();
    let bin = env!("CARGO_BIN_EXE_demo5-server");
    let server = test_support::Proc::spawn(bin, Command::new(bin).args(["--bind", &endpoint]));
    let client = env!("CARGO_BIN_EXE_demo5-client");
    let lines = run(
        client,
        Command::new(client).args(["--connect", &endpoint]),
        WAIT,
    )
    .success()
    .unwrap();
    assert_eq!(lines, [r#"["world", "hello"]"#], "it serves");
    let lines = server.ctrl_c(Duration::from_secs(1)).success().unwrap();
    assert_eq!(lines, [r#"Get message: ["hello", "world"]"#]);
}

/// An endpoint without a transport names the flag and the form it needs, in both binaries.
#[test]
fn a_bad_endpoint_names_the_flag_and_the_form_it_needs() {
    for (bin, flag, args) in [
        (env!("CARGO_BIN_EXE_demo5-server"), "--bind", &[][..]),
        (env!("CARGO_BIN_EXE_demo5-client"), "--connect", &[][..]),
    ] {
        test_support::assert_endpoint_error(bin, flag, "localhost:5555", args);
    }
}
