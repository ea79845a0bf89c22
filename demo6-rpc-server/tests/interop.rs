//! Section 6 against the tutorial's peers: the Python and PHP clients and the PHP server, over
//! real sockets on ephemeral ports. Every client × server pair is tried and reported together.

use std::process::Command;
use std::time::Duration;

use demo6_rpc_server::Request;
use test_support::{free_endpoint, interpreter, peer_command, run, skip, Lang, Matrix, Proc};

const DIR: &str = env!("CARGO_MANIFEST_DIR");
/// Bound on every client run (the Rust client has its own, shorter, timeout).
const CLIENT_DEADLINE: Duration = Duration::from_secs(15);

/// Starts a server implementation on `endpoint` (`None` when its interpreter is missing).
fn start_server(lang: Lang, endpoint: &str) -> Option<Proc> {
    test_support::zmq_server(
        lang,
        env!("CARGO_BIN_EXE_demo6-server"),
        DIR,
        "peers/server.php",
        endpoint,
    )
}

/// The tutorial's client in `lang`, pointed at `endpoint`.
fn client(lang: Lang, endpoint: &str) -> Option<Command> {
    let mut cmd = match lang {
        Lang::Rust => {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_demo6-client"));
            cmd.args(["--connect", endpoint, "--timeout", "10s"]);
            return Some(cmd);
        }
        Lang::Python => peer_command(DIR, lang, "peers/client.py")?,
        Lang::Php => peer_command(DIR, lang, "peers/client.php")?,
    };
    cmd.env("ZMQ_ENDPOINT", endpoint);
    Some(cmd)
}

#[test]
fn every_client_gets_19_from_every_server() {
    let mut matrix = Matrix::new("demo6-rpc-server: plus(1, 2, 2, 3, 3, 4, 2, 3, -1) = 19");
    for server_lang in [Lang::Rust, Lang::Php] {
        let endpoint = free_endpoint();
        let Some(mut server) = start_server(server_lang, &endpoint) else {
            continue;
        };
        for client_lang in [Lang::Rust, Lang::Python, Lang::Php] {
            let Some(mut cmd) = client(client_lang, &endpoint) else {
                continue;
            };
            let outcome = run(format!("{client_lang} client"), &mut cmd, CLIENT_DEADLINE)
                .success()
                .and_then(|lines| match lines.as_slice() {
                    [line] if line == "19" => Ok(()),
                    _ => Err(format!("expected the single line \"19\", got {lines:?}")),
                });
            matrix.record(client_lang, server_lang, outcome);
        }
        let seen = server.expect_line(Duration::from_secs(5), |l| {
            l == "plus(1, 2, 2, 3, 3, 4, 2, 3, -1) = 19"
        });
        matrix.record("(server console)", server_lang, seen.map(|_| ()));
    }
    matrix.assert_all_ok();
}

/// The Python and PHP peers encode the tutorial's call exactly as we do, and the Rust and PHP
/// servers answer the same calls with the same bytes.
#[test]
fn rust_python_and_php_agree_byte_for_byte() {
    let ours = Request::tutorial().to_bytes();
    let pack = [
        (
            Lang::Python,
            "-c",
            "import msgpack; print(msgpack.packb({'function_name': 'plus', 'parameters': [1, 2, 2, 3, 3, 4, 2, 3, -1]}).hex())",
        ),
        (
            Lang::Php,
            "-r",
            "echo bin2hex(msgpack_pack(['function_name' => 'plus', 'parameters' => [1, 2, 2, 3, 3, 4, 2, 3, -1]])), \"\\n\";",
        ),
    ];
    for (lang, flag, code) in pack {
        let Some(interp) = interpreter(lang) else {
            skip(&format!("{lang} missing"));
            continue;
        };
        let lines = run(
            format!("{lang} pack"),
            Command::new(interp).args([flag, code]),
            CLIENT_DEADLINE,
        )
        .success()
        .unwrap();
        assert_eq!(lines, [hex(&ours)], "{lang} encodes the call differently");
    }

    let plus = |numbers: &[i64]| {
        Request::new("plus", numbers.iter().map(|&n| n.into()).collect()).to_bytes()
    };
    let requests = [
        ours.clone(),
        plus(&[]),
        plus(&[300, 1]),
        plus(&[-5, 2]),
        plus(&[70_000]),
    ];
    let mut replies = Vec::new();
    for lang in [Lang::Rust, Lang::Php] {
        let endpoint = free_endpoint();
        let Some(_server) = start_server(lang, &endpoint) else {
            return;
        };
        let context = zmq::Context::new();
        let socket = context.socket(zmq::REQ).unwrap();
        socket.set_linger(0).unwrap();
        socket.connect(&endpoint).unwrap();
        let mut got = Vec::new();
        for request in &requests {
            socket.send(request, 0).unwrap();
            let reply = common::zmq_util::recv_timeout(&socket, Duration::from_secs(10))
                .unwrap()
                .unwrap_or_else(|| panic!("{lang} server did not reply to {}", hex(request)));
            got.push(hex(&reply));
        }
        replies.push(got);
    }
    assert_eq!(replies[0], ["13", "00", "cd012d", "fd", "ce00011170"]);
    assert_eq!(replies[0], replies[1], "Rust and PHP servers differ");
}

/// Python's msgpack reads our error reply as an ordinary dict: a Python client can tell.
#[test]
fn a_python_client_sees_the_error_map() {
    let Some(python) = interpreter(Lang::Python) else {
        return skip("python missing");
    };
    let endpoint = free_endpoint();
    let _server = start_server(Lang::Rust, &endpoint);
    let code = "import msgpack, sys, zmq\n\
                s = zmq.Context().socket(zmq.REQ)\n\
                s.connect(sys.argv[1])\n\
                s.send(msgpack.packb({'function_name': 'minus', 'parameters': [3, 1]}))\n\
                print(msgpack.unpackb(s.recv()))\n";
    let lines = run(
        "python",
        Command::new(python).args(["-c", code, &endpoint]),
        CLIENT_DEADLINE,
    )
    .success()
    .unwrap();
    assert_eq!(
        lines,
        ["{'error': 'unknown function `minus`; this server knows: divide, echo, hello, plus, stats'}"]
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
