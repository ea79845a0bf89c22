//! Chapter demo5 — a real payload: MessagePack arrays over REQ/REP, the server reverses them.

use std::time::Duration;

use anyhow::Context as _;
use common::zmq_util::{bind_ephemeral, recv_timeout};
use demo5_msgpack::{as_error, decode, encode, Value};
use test_support::ServerThread;

use super::{stop, Chapter, Dump};
use crate::narrator::Narrator;
use crate::recorder::{short, Message};

pub const CHAPTER: Chapter = Chapter {
    name: "demo5",
    number: "5",
    krate: "demo5-msgpack",
    title: "MessagePack over request/reply (the server reverses an array)",
    needs: &[],
    optional: &[],
    run,
};

/// The diagram's two lifelines.
const PAIR: (&str, &str) = ("demo5-client", "demo5-server");

const WAIT: Duration = Duration::from_secs(5);

/// Shows MessagePack bytes: the hex dump, then every item decoded, indented by nesting depth.
pub(super) fn show_msgpack(n: &mut Narrator, caption: &str, bytes: &[u8]) {
    n.wire(caption, bytes);
    match demo5_msgpack::explain::explain(bytes) {
        Ok(parts) => {
            for part in parts {
                let mut hex: Vec<String> = part
                    .bytes
                    .iter()
                    .take(3)
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if part.bytes.len() > 3 {
                    hex.push("…".to_string());
                }
                let indent = "  ".repeat(part.depth);
                n.field(&format!("{indent}{}", hex.join(" ")), &part.meaning);
            }
        }
        Err(e) => n.field("(not MessagePack)", &e.to_string()),
    }
}

/// The tutorial's request as the chapter shows it: 13 bytes of MessagePack, one frame.
pub(super) fn request_dump() -> Dump {
    Dump::new(
        "the request: 13 bytes for two words",
        demo5_msgpack::request_bytes(&demo5_msgpack::GREETING),
    )
}

/// The label of a MessagePack message's arrow: its value, short.
pub(super) fn label(bytes: &[u8]) -> String {
    decode(bytes).map_or_else(
        |_| "(not MessagePack)".to_string(),
        |v| short(&v.to_string()),
    )
}

/// [`ask`], drawn: the request from `from` to `to` and the reply back, with their MessagePack
/// breakdown. `what` labels the request (its decoded value when `None`).
pub(super) fn call(
    n: &mut Narrator,
    client: &zmq::Socket,
    (from, to): (&str, &str),
    what: Option<&str>,
    request: &[u8],
) -> anyhow::Result<Vec<u8>> {
    let shown = what.map_or_else(|| label(request), short);
    n.message(Message::req_rep(from, to, shown, &[request]).msgpack(request));
    let reply = ask(client, request)?;
    n.message(Message::req_rep(to, from, label(&reply), &[&reply]).msgpack(&reply));
    Ok(reply)
}

/// Sends one request and returns the reply bytes (bounded wait).
pub(super) fn ask(client: &zmq::Socket, request: &[u8]) -> anyhow::Result<Vec<u8>> {
    client.send(request, 0)?;
    recv_timeout(client, WAIT)?.context("no reply within 5 s")
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "Text was enough to say hello; real programs send structured data. MessagePack encodes\n\
         JSON's shapes (nil, booleans, numbers, strings, arrays, maps — plus binary) in compact\n\
         bytes: each value starts with a marker byte that tells its type, often its length too.\n\
         ZeroMQ carries the bytes in one frame and does not care what they mean.",
    );

    n.participants(&[PAIR.0, PAIR.1]);
    let context = zmq::Context::new();
    let server_socket = context.socket(zmq::REP)?;
    let endpoint = bind_ephemeral(&server_socket)?;
    n.step(&format!(
        "demo5-server binds a REP socket on {endpoint} (the tutorial uses port 5555)"
    ));
    let mut console = n.console_writer("demo5-server");
    let server = ServerThread::spawn("demo5-server", move |shutdown| {
        if let Err(e) = demo5_msgpack::serve(&server_socket, &mut console, &shutdown) {
            eprintln!("demo5-server stopped: {e}");
        }
    });

    n.step("demo5-client sends the MessagePack array [\"hello\", \"world\"]");
    let client = context.socket(zmq::REQ)?;
    client.set_linger(0)?;
    client.connect(&endpoint)?;
    let Dump {
        caption,
        bytes: request,
    } = request_dump();
    show_msgpack(n, &caption, &request);
    let reply = call(n, &client, PAIR, None, &request)?;
    show_msgpack(n, "the reply: the same array, reversed", &reply);
    let value = decode(&reply)?;
    n.console("demo5-client", &value.to_string());
    n.console(
        "client.py",
        "['world', 'hello']   (the tutorial's Python client, same bytes)",
    );
    anyhow::ensure!(
        reply == demo5_msgpack::request_bytes(&["world", "hello"]),
        "not reversed"
    );

    n.question("Does the server only take strings?");
    let mixed = Value::Array(vec![
        Value::from(1),
        Value::Map(vec![(
            Value::from("k"),
            Value::Array(vec![Value::from(true), Value::Nil]),
        )]),
        Value::from(-2.5),
    ]);
    let reply = call(n, &client, PAIR, None, &encode(&mixed))?;
    show_msgpack(n, "reply to [1, {\"k\": [true, nil]}, -2.5]", &reply);
    n.answer(&format!(
        "No: any array is reversed, whatever it holds — {}. The server decodes into\n\
         rmpv::Value, MessagePack's \"any value\" type, and never looks inside the elements.",
        decode(&reply)?
    ));

    n.question("What happens on a bad request — a string instead of an array, or bytes that are not MessagePack?");
    for (what, bad) in [
        ("the string \"hello\"", b"\xa5hello".to_vec()),
        (
            "the byte c1, the one marker MessagePack never uses",
            vec![0xc1],
        ),
        (
            "an array cut short (claims 2 elements, has 1)",
            b"\x92\xa5hello".to_vec(),
        ),
    ] {
        n.step(&format!("a client sends {what}"));
        n.wire("request", &bad);
        let reply = call(n, &client, PAIR, Some(what), &bad)?;
        show_msgpack(n, "reply: a map with one key, \"error\"", &reply);
        let reply = decode(&reply)?;
        anyhow::ensure!(
            as_error(&reply).is_some(),
            "expected an error reply, got {reply}"
        );
    }
    let again = call(n, &client, PAIR, None, &request)?;
    anyhow::ensure!(
        again == demo5_msgpack::request_bytes(&["world", "hello"]),
        "server broken"
    );
    n.answer(
        "Every bad request gets {\"error\": \"…\"} back, and the next good request is answered as\n\
         before. A REP server must always reply — a silent one leaves its REQ client stuck for\n\
         ever — and one malformed message must never kill it. (The tutorial's PHP server dies here.)",
    );
    stop(server)
}
