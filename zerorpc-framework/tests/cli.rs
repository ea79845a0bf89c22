//! The two binaries: output, errors, --inspect, --help, the access key, Ctrl-C.

use std::process::Command;
use std::time::{Duration, Instant};

use test_support::{free_endpoint, run, Proc};

use crate::support::{python_client, server_process, InProcess};

const WAIT: Duration = Duration::from_secs(15);

fn client(endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zerorpc-client"));
    cmd.args(["--connect", endpoint, "--timeout", "10s"])
        .args(args);
    cmd
}

#[test]
fn the_client_prints_json_one_line_per_stream_item() {
    let server = InProcess::start(Duration::from_secs(5), None);
    let ok = |args: &[&str]| {
        run("zerorpc-client", &mut client(&server.endpoint, args), WAIT)
            .success()
            .unwrap()
    };
    assert_eq!(ok(&["add", "2", "3"]), ["5"]);
    assert_eq!(ok(&["add", "0.5", "0.25"]), ["0.75"]);
    assert_eq!(ok(&["plus", "[1, 2, 2, 3, 3, 4, 2, 3, -1]"]), ["19"]);
    assert_eq!(ok(&["hello", "Ada"]), [r#""Hello, Ada!""#]);
    assert_eq!(
        ok(&["echo", r#"{"a": [1, null, true]}"#]),
        [r#"{"a":[1,null,true]}"#]
    );
    assert_eq!(ok(&["count", "3"]), ["0", "1", "2"]);
    assert_eq!(ok(&["_zerorpc_ping"]), [r#"["pong","zerorpc-server"]"#]);
    // Python's inspect.getargspec(add): [args, varargs, keywords, defaults].
    assert_eq!(
        ok(&["_zerorpc_args", "add"]),
        [r#"[["a","b"],null,null,null]"#]
    );
    let inspect = ok(&["--inspect"]);
    assert_eq!(inspect[0], r#""zerorpc-server""#);
    assert!(
        inspect.contains(
            &"add(a, b)  a + b, as Python computes it (numbers, strings, bytes, lists)".to_string()
        ),
        "{inspect:?}"
    );
    for (args, want) in [
        (&["fail", "boom"][..], "error: ValueError: boom"),
        (&["nosuch"][..], "error: NameError: nosuch"),
    ] {
        let done = run("zerorpc-client", &mut client(&server.endpoint, args), WAIT);
        assert_eq!(done.status.and_then(|s| s.code()), Some(1), "{args:?}");
        assert!(done.stdout.is_empty(), "{:?}", done.stdout);
        assert_eq!(done.stderr.trim(), want);
    }
    let lines = server.stop();
    assert!(
        lines.contains(&"plus([1, 2, 2, 3, 3, 4, 2, 3, -1]) = 19".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"count(3) = stream of 3 items".to_string()),
        "{lines:?}"
    );
}

/// AOP: the access-key middleware refuses calls without the right key, for every method.
#[test]
fn the_access_key_middleware_refuses_calls_without_the_key() {
    let server = InProcess::start(Duration::from_secs(5), Some("s3cret"));
    let call = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["add", "2", "3"]);
        run(
            "zerorpc-client",
            client(&server.endpoint, &args).env_remove("ZERORPC_ACCESS_KEY"),
            WAIT,
        )
    };
    let refused = call(&[]);
    assert!(
        refused
            .stderr
            .contains("error: PermissionDenied: this server needs an access key"),
        "{}",
        refused.stderr
    );
    let wrong = call(&["--access-key", "guess"]);
    assert!(
        wrong
            .stderr
            .contains("error: PermissionDenied: wrong access key"),
        "{}",
        wrong.stderr
    );
    assert_eq!(call(&["--access-key", "s3cret"]).success().unwrap(), ["5"]);
    // The real Python client adds the key through zerorpc's own middleware hook.
    if let Some(mut python) = python_client(&server.endpoint, &["add", "2", "3"]) {
        let with_key = run(
            "Python client",
            python.env("ZERORPC_ACCESS_KEY", "s3cret"),
            WAIT,
        );
        assert_eq!(with_key.success().unwrap(), ["5"]);
        let mut python = python_client(&server.endpoint, &["add", "2", "3"]).unwrap();
        let without = run(
            "Python client",
            python.env_remove("ZERORPC_ACCESS_KEY"),
            WAIT,
        );
        assert!(
            without.stderr.contains("RemoteError: PermissionDenied"),
            "{}",
            without.stderr
        );
    }
    server.stop();
}

#[test]
fn help_names_the_partner() {
    for (bin, partner) in [
        (env!("CARGO_BIN_EXE_zerorpc-server"), "zerorpc-client"),
        (env!("CARGO_BIN_EXE_zerorpc-client"), "zerorpc-server"),
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

/// Ctrl-C (SIGINT) and SIGTERM: the server exits 0 within a second, and the call in hand is
/// handed back with `ERR ServerStopping` instead of being left to time out.
#[test]
fn the_server_stops_cleanly_on_ctrl_c() {
    use zerorpc_framework::events::Event;
    use zerorpc_framework::Value;

    use crate::wire::{call_bytes, dealer, next_event};

    for signal in ["INT", "TERM"] {
        let endpoint = free_endpoint();
        let mut server: Proc = server_process(
            test_support::Lang::Rust,
            &endpoint,
            &["--heartbeat", "500ms"],
        )
        .unwrap();
        assert_eq!(
            run(
                "zerorpc-client",
                &mut client(&endpoint, &["add", "2", "3"]),
                WAIT
            )
            .success()
            .unwrap(),
            ["5"]
        );
        server.expect_line(WAIT, |l| l == "add(2, 3) = 5").unwrap();
        // A slow call, in hand once the server heartbeats its conversation.
        let context = zmq::Context::new();
        let socket = dealer(&context, &endpoint);
        let id = Value::from("slow");
        socket
            .send_multipart(
                [&b""[..], &call_bytes(id.clone(), "sleep", vec![30.into()])],
                0,
            )
            .unwrap();
        let hb = next_event(&socket);
        assert_eq!(
            (hb.name.as_str(), &hb.header.response_to),
            ("_zpc_hb", &Some(id.clone()))
        );
        let ours = Event::new("_zpc_hb", Value::Array(vec![0.into()]), Some(id.clone()));
        socket
            .send_multipart([&b""[..], &ours.encode()], 0)
            .unwrap();

        server.signal(signal);
        let signalled = Instant::now();
        let answer = loop {
            let event = next_event(&socket);
            if event.name != "_zpc_hb" {
                break event;
            }
        };
        let done = server.finish(Duration::from_secs(3));
        let took = signalled.elapsed();
        assert_eq!(
            done.status.and_then(|s| s.code()),
            Some(0),
            "SIG{signal}: {}",
            done.stderr
        );
        assert!(
            took < Duration::from_secs(1),
            "SIG{signal}: exited after {took:?}"
        );
        assert_eq!(answer.name, "ERR");
        assert_eq!(answer.header.response_to, Some(id));
        assert_eq!(
            answer.args.as_array().unwrap()[0],
            Value::from("ServerStopping")
        );
    }
}

/// An endpoint without a transport names the flag and the form it needs, in both binaries.
#[test]
fn a_bad_endpoint_names_the_flag_and_the_form_it_needs() {
    for (bin, flag, args) in [
        (env!("CARGO_BIN_EXE_zerorpc-server"), "--bind", &[][..]),
        (
            env!("CARGO_BIN_EXE_zerorpc-client"),
            "--connect",
            &["add", "1", "2"][..],
        ),
    ] {
        test_support::assert_endpoint_error(bin, flag, "localhost:4242", args);
    }
}

/// The "workers connect to the client" layout: `zerorpc-client --bind`, `zerorpc-server
/// --connect`; and zerorpc-python's syntax, the endpoint as the first word.
#[test]
fn a_bound_client_is_served_by_a_connecting_server() {
    let endpoint = crate::crosstests::ipc_endpoint(); // no TCP port to race for
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zerorpc-client"));
    cmd.args(["--bind", &endpoint, "--timeout", "15s", "add", "2", "3"]);
    let caller = Proc::spawn("zerorpc-client --bind", &mut cmd);
    // The server connects once the client has bound (its ipc socket file exists), as the
    // README says to start them. (This test also caught the server's endpoint check taking
    // the client's waiting request: common::zmq_util::check_connect.)
    let socket_file = endpoint.path();
    let deadline = std::time::Instant::now() + WAIT;
    while !socket_file.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the client never bound {endpoint}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut server = Command::new(env!("CARGO_BIN_EXE_zerorpc-server"));
    server
        .args(["--connect", &endpoint])
        .env("RUST_LOG", "warn");
    let _server = Proc::spawn("zerorpc-server --connect", &mut server);
    assert_eq!(caller.finish(WAIT).success().unwrap(), ["5"]);

    let served = InProcess::start(Duration::from_secs(5), None);
    let mut python_style = Command::new(env!("CARGO_BIN_EXE_zerorpc-client"));
    python_style.args(["--json", &served.endpoint, "add", "2", "3"]);
    let lines = run("zerorpc-client --json ENDPOINT", &mut python_style, WAIT);
    assert_eq!(lines.success().unwrap(), ["5"]);
    served.stop();
}

/// The timing middleware logs a slow call at the default level, with three decimals
/// (`slow call method="sleep" ms=200.113`), and says nothing of a quick one.
#[test]
fn the_timing_middleware_logs_slow_calls_only() {
    let endpoint = free_endpoint();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zerorpc-server"));
    cmd.args(["--bind", &endpoint]).env_remove("RUST_LOG");
    let mut server = Proc::spawn("zerorpc-server", &mut cmd);
    for (args, want) in [
        (&["add", "2", "3"][..], "5"),
        (&["sleep", "0.2"][..], "0.2"),
    ] {
        let answer = run("zerorpc-client", &mut client(&endpoint, args), WAIT)
            .success()
            .expect("the client answers");
        assert_eq!(answer, [want]);
    }
    server
        .expect_line(WAIT, |l| l == "sleep(0.2) = 0.2")
        .expect("the console shows the sleep");
    server.signal("INT");
    let done = server.finish(Duration::from_secs(3));
    let slow: Vec<&str> = done
        .stderr
        .lines()
        .filter(|l| l.contains("slow call"))
        .collect();
    assert_eq!(slow.len(), 1, "{}", done.stderr);
    let ms = slow[0].split("ms=").nth(1).expect("an ms= field");
    let (whole, decimals) = ms.trim().split_once('.').expect("ms with decimals");
    assert!(slow[0].contains(r#"method="sleep""#), "{}", slow[0]);
    assert!(
        whole
            .parse::<u32>()
            .is_ok_and(|ms| (200..2000).contains(&ms))
            && decimals.len() == 3,
        "{}",
        slow[0]
    );
    assert!(!done.stderr.contains(r#"method="add""#), "{}", done.stderr);
}
