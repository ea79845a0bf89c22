//! Section 2 over real sockets: every client (Rust, Python, PHP) against every server (Rust,
//! PHP), and the tutorial's question — the server starts seconds after the client.

use std::process::Command;
use std::time::Duration;

use test_support::{free_endpoint, implementation, Lang, Matrix, Proc};

const WAIT: Duration = Duration::from_secs(15);
const CRATE: &str = env!("CARGO_MANIFEST_DIR");
/// Section 1's PHP peers are the tutorial's PHP side of this section too.
const DEMO1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo1-reqrep");

/// The server of `lang` on `endpoint` (Rust: demo2-server; PHP: the tutorial's echo server.php).
fn server(lang: Lang, endpoint: &str) -> Option<Proc> {
    test_support::zmq_server(
        lang,
        env!("CARGO_BIN_EXE_demo2-server"),
        DEMO1,
        "peers/server.php",
        endpoint,
    )
}

/// The client of `lang` aimed at `endpoint`, and the text it sends.
fn client(lang: Lang, endpoint: &str) -> Option<(Command, &'static str)> {
    let (mut cmd, sends) = match lang {
        Lang::Rust => (Command::new(env!("CARGO_BIN_EXE_demo2-client")), "hello"),
        Lang::Python => (implementation(lang, "", CRATE, "peers/client.py")?, "hello"),
        Lang::Php => (
            implementation(lang, "", DEMO1, "peers/client.php")?,
            "hello there!",
        ),
    };
    match lang {
        Lang::Rust => cmd.args(["--connect", endpoint, "--timeout", "15s"]),
        _ => cmd.env("ZMQ_ENDPOINT", endpoint),
    };
    Some((cmd, sends))
}

/// Checks one exchange: the client printed the echo, the server printed the request.
fn check(client: &mut Proc, server: &mut Proc, sends: &str) -> Result<(), String> {
    client.expect_line(WAIT, |l| l == format!("Get back message: {sends}"))?;
    server.expect_line(WAIT, |l| l == format!("Get message: {sends}"))?;
    Ok(())
}

#[test]
fn interop_matrix_every_client_against_every_server() {
    let mut matrix = Matrix::new("demo2 polyglot request/reply: client × server");
    for server_lang in [Lang::Rust, Lang::Php] {
        for client_lang in [Lang::Rust, Lang::Python, Lang::Php] {
            let endpoint = free_endpoint();
            // A missing peer skips this pair only (visibly); the rest is still asserted.
            let Some(mut srv) = server(server_lang, &endpoint) else {
                continue;
            };
            let Some((mut cmd, sends)) = client(client_lang, &endpoint) else {
                continue;
            };
            let mut cli = Proc::spawn(format!("{client_lang} client"), &mut cmd);
            matrix.record(client_lang, server_lang, check(&mut cli, &mut srv, sends));
        }
    }
    matrix.assert_all_ok();
}

/// The tutorial's question: the client sends before any server exists; the server comes up
/// two seconds later; the queued request is delivered and answered.
fn late_server(client_lang: Lang) {
    let endpoint = free_endpoint();
    let Some((mut cmd, sends)) = client(client_lang, &endpoint) else {
        return;
    };
    let mut cli = Proc::spawn(format!("{client_lang} client"), &mut cmd);

    let early = cli.lines_for(Duration::from_secs(2));
    assert!(
        early.is_empty(),
        "no server yet, so no reply yet: {early:?}"
    );

    let Some(mut srv) = server(Lang::Rust, &endpoint) else {
        return;
    };
    check(&mut cli, &mut srv, sends).unwrap();
    let done = cli.finish(WAIT);
    assert!(done.status.is_some_and(|s| s.success()), "{done:?}");
}

#[test]
fn late_server_rust_client_still_gets_its_reply() {
    late_server(Lang::Rust);
}

#[test]
fn late_server_python_client_still_gets_its_reply() {
    late_server(Lang::Python);
}

#[test]
fn late_server_php_client_still_gets_its_reply() {
    late_server(Lang::Php);
}

#[test]
fn client_explains_a_missing_server_after_its_timeout() {
    let endpoint = free_endpoint();
    let out = test_support::run(
        "demo2-client",
        Command::new(env!("CARGO_BIN_EXE_demo2-client")).args([
            "--connect",
            &endpoint,
            "--timeout",
            "500ms",
        ]),
        WAIT,
    );
    assert!(out.status.is_some_and(|s| !s.success()), "{out:?}");
    assert!(
        out.stderr.contains("is demo2-server running?"),
        "{}",
        out.stderr
    );
}

/// The tutorial's Python client as it is (no endpoint given) against `demo2-server` with no
/// flags, then `demo2-client` with no flags against the tutorial's PHP server: port 5555 both ways.
#[test]
fn tutorial_scripts_and_our_programs_meet_at_their_defaults() {
    let Some(_port) = test_support::lock_default_port(common::endpoints::ZMQ_PORT) else {
        return;
    };
    let Some(mut py_client) = implementation(Lang::Python, "", CRATE, "peers/client.py") else {
        return;
    };
    let Some(mut php_server) = implementation(Lang::Php, "", DEMO1, "peers/server.php") else {
        return;
    };

    let rust_server = Proc::spawn(
        "demo2-server",
        &mut Command::new(env!("CARGO_BIN_EXE_demo2-server")),
    );
    let lines = test_support::run("python client", &mut py_client, WAIT)
        .success()
        .unwrap();
    assert_eq!(lines, ["Get back message: hello"]);
    drop(rust_server);

    let mut server = Proc::spawn("php server", &mut php_server);
    let lines = test_support::run(
        "demo2-client",
        &mut Command::new(env!("CARGO_BIN_EXE_demo2-client")),
        WAIT,
    )
    .success()
    .unwrap();
    assert_eq!(lines, ["Get back message: hello"]);
    server
        .expect_line(WAIT, |l| l == "Get message: hello")
        .unwrap();
}

#[test]
fn help_names_the_partners() {
    for (bin, partner) in [
        (env!("CARGO_BIN_EXE_demo2-server"), "Partners: demo2-client"),
        (env!("CARGO_BIN_EXE_demo2-client"), "Partners: demo2-server"),
    ] {
        let help = test_support::run(bin, Command::new(bin).arg("--help"), WAIT)
            .success()
            .unwrap()
            .join("\n");
        assert!(help.contains(partner), "{bin}: {help}");
    }
}

/// Ctrl-C (SIGINT) while serving: demo2-server exits 0 within a second (`common::shutdown`).
#[test]
fn the_server_stops_cleanly_on_ctrl_c() {
    let endpoint = free_endpoint();
    let mut srv = server(Lang::Rust, &endpoint).unwrap();
    let (mut cmd, sends) = client(Lang::Rust, &endpoint).unwrap();
    let mut cli = Proc::spawn("Rust client", &mut cmd);
    check(&mut cli, &mut srv, sends).unwrap(); // it serves
    srv.ctrl_c(Duration::from_secs(1)).success().unwrap();
}

/// An endpoint without a transport names the flag and the form it needs, in both binaries.
#[test]
fn a_bad_endpoint_names_the_flag_and_the_form_it_needs() {
    for (bin, flag, args) in [
        (env!("CARGO_BIN_EXE_demo2-server"), "--bind", &[][..]),
        (env!("CARGO_BIN_EXE_demo2-client"), "--connect", &[][..]),
    ] {
        test_support::assert_endpoint_error(bin, flag, "localhost:5555", args);
    }
}
