//! Section 5 against the tutorial's peers: the Python and PHP clients and the PHP server, over
//! real sockets on ephemeral ports. Every client × server pair is tried and reported together.

use std::process::Command;
use std::time::Duration;

use test_support::{free_endpoint, peer_command, run, Lang, Matrix, Proc};

const DIR: &str = env!("CARGO_MANIFEST_DIR");
/// Bound on every client run (the Rust client has its own, shorter, timeout).
const CLIENT_DEADLINE: Duration = Duration::from_secs(15);

/// A client implementation: how to start it against `endpoint`, and the line it must print.
struct Client {
    lang: Lang,
    expected: &'static str,
    command: fn(&str) -> Option<Command>,
}

const CLIENTS: [Client; 3] = [
    Client {
        lang: Lang::Rust,
        expected: r#"["world", "hello"]"#,
        command: |endpoint| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_demo5-client"));
            cmd.args(["--connect", endpoint, "--timeout", "10s"]);
            Some(cmd)
        },
    },
    Client {
        lang: Lang::Python,
        expected: "['world', 'hello']",
        command: |endpoint| {
            let mut cmd = peer_command(DIR, Lang::Python, "peers/client.py")?;
            cmd.env("ZMQ_ENDPOINT", endpoint);
            Some(cmd)
        },
    },
    Client {
        lang: Lang::Php,
        expected: r#"["world","hello"]"#,
        command: |endpoint| {
            let mut cmd = peer_command(DIR, Lang::Php, "peers/client.php")?;
            cmd.env("ZMQ_ENDPOINT", endpoint);
            Some(cmd)
        },
    },
];

/// Starts a server implementation on `endpoint` (`None` when its interpreter is missing).
fn start_server(lang: Lang, endpoint: &str) -> Option<Proc> {
    test_support::zmq_server(
        lang,
        env!("CARGO_BIN_EXE_demo5-server"),
        DIR,
        "peers/server.php",
        endpoint,
    )
}

#[test]
fn every_client_gets_the_reversed_array_from_every_server() {
    let mut matrix = Matrix::new("demo5-msgpack: [\"hello\", \"world\"] reversed");
    for server_lang in [Lang::Rust, Lang::Php] {
        let endpoint = free_endpoint();
        let Some(mut server) = start_server(server_lang, &endpoint) else {
            continue;
        };
        for client in &CLIENTS {
            let Some(mut cmd) = (client.command)(&endpoint) else {
                continue;
            };
            let outcome = run(format!("{} client", client.lang), &mut cmd, CLIENT_DEADLINE)
                .success()
                .and_then(|lines| {
                    if lines.iter().any(|l| l == client.expected) {
                        Ok(())
                    } else {
                        Err(format!(
                            "expected the line {:?}, got {lines:?}",
                            client.expected
                        ))
                    }
                });
            matrix.record(client.lang, server_lang, outcome);
        }
        // Both servers print what they received.
        let seen = server.expect_line(Duration::from_secs(5), |l| l.starts_with("Get message: "));
        matrix.record("(server console)", server_lang, seen.map(|_| ()));
    }
    matrix.assert_all_ok();
}

/// The Rust and PHP servers answer the same request with the same bytes, and the Python and PHP
/// peers encode the tutorial's request exactly as we do.
#[test]
fn rust_and_php_agree_byte_for_byte() {
    let ours = demo5_msgpack::request_bytes(&demo5_msgpack::GREETING);
    let pack = [
        (
            Lang::Python,
            "import msgpack; print(msgpack.packb(['hello', 'world']).hex())",
        ),
        (
            Lang::Php,
            "echo bin2hex(msgpack_pack(['hello', 'world'])), \"\\n\";",
        ),
    ];
    for (lang, code) in pack {
        let Some(interp) = test_support::interpreter(lang) else {
            test_support::skip(&format!("{lang} missing"));
            continue;
        };
        let flag = if lang == Lang::Php { "-r" } else { "-c" };
        let lines = run(
            format!("{lang} packb"),
            Command::new(interp).args([flag, code]),
            CLIENT_DEADLINE,
        )
        .success()
        .unwrap();
        assert_eq!(
            lines,
            [hex(&ours)],
            "{lang} encodes the request differently"
        );
    }

    // Raw bytes to both servers: the reply bytes must match.
    let requests: [&[u8]; 3] = [&ours, b"\x93\x01\xa1x\xc3", b"\x90"];
    let mut replies = Vec::new();
    for lang in [Lang::Rust, Lang::Php] {
        let endpoint = free_endpoint();
        let Some(_server) = start_server(lang, &endpoint) else {
            return;
        };
        let context = zmq::Context::new();
        let client = context.socket(zmq::REQ).unwrap();
        client.set_linger(0).unwrap();
        client.connect(&endpoint).unwrap();
        let mut got = Vec::new();
        for request in requests {
            client.send(request, 0).unwrap();
            let reply = common::zmq_util::recv_timeout(&client, Duration::from_secs(10))
                .unwrap()
                .unwrap_or_else(|| panic!("{lang} server did not reply to {}", hex(request)));
            got.push(hex(&reply));
        }
        replies.push(got);
    }
    assert_eq!(
        replies[0],
        ["92a5776f726c64a568656c6c6f", "93c3a17801", "90"]
    );
    assert_eq!(replies[0], replies[1], "Rust and PHP servers differ");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
