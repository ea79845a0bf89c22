//! Chapter jsonrpc — JSON-RPC 2.0 over raw TCP (no delimiter) and HTTP, on a SQLite phone book.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use jsonrpc_search::client::{self, ClientError, Target};
use jsonrpc_search::framing::{find_end, Frame};
use jsonrpc_search::TcpServer;
use jsonrpc_search::{http, methods, Limits, PhoneBook};

use super::Chapter;
use crate::narrator::Narrator;
use crate::recorder::{short, Message};

/// The diagram's lifelines.
const CLIENT: &str = "jsonrpc-client";
const SERVER: &str = "jsonrpc-server";

pub const CHAPTER: Chapter = Chapter {
    name: "jsonrpc",
    number: "9",
    krate: "jsonrpc-search",
    title: "JSON-RPC 2.0 over raw TCP and HTTP (echo, phone-book search, errors)",
    needs: &[],
    optional: &[],
    run,
};

const WAIT: Duration = Duration::from_secs(5);

/// The label of a reply's arrow: `result …` or `error <code>`.
fn reply_label(target: &Target, reply: &str) -> String {
    short(&match client::parse_reply(target, reply) {
        Ok(result) => format!("result {result}"),
        Err(ClientError::Rpc { code, .. }) => format!("error {code}"),
        Err(_) => "(unreadable)".to_string(),
    })
}

/// Sends `request` to `target`, shows both directions on the wire, returns the reply text;
/// drawn, the request labelled `label`.
fn exchange(
    n: &mut Narrator,
    target: &Target,
    request: &str,
    label: &str,
) -> anyhow::Result<String> {
    n.wire(
        "the request, exactly as sent (no newline after it)",
        request.as_bytes(),
    );
    n.message(Message::new(CLIENT, SERVER, label, request).field("JSON", request));
    let reply = client::exchange(target, request, WAIT)?;
    n.wire("the reply (no newline either)", reply.as_bytes());
    n.message(
        Message::new(
            SERVER,
            CLIENT,
            reply_label(target, &reply),
            reply.as_bytes(),
        )
        .field("JSON", &reply),
    );
    Ok(reply)
}

/// The decoded reply: `result = …` or `error = code message`.
fn decode(n: &mut Narrator, target: &Target, reply: &str) -> Result<String, ClientError> {
    let outcome = client::parse_reply(target, reply);
    match &outcome {
        Ok(result) => n.field("result", &result.to_string()),
        Err(ClientError::Rpc { code, message, .. }) => {
            n.field("error", &format!("{code} {message}"))
        }
        Err(other) => n.field("unreadable", &other.to_string()),
    }
    outcome.map(|value| value.to_string())
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "JSON-RPC 2.0 is RPC in a small JSON object: {\"jsonrpc\": \"2.0\", \"method\", \"params\", \"id\"};\n\
         the reply echoes the id and carries either a \"result\" or an \"error\" {code, message}.\n\
         The tutorial sends it over raw TCP in the style of an old Python library: connect, send\n\
         ONE request with no delimiter, read the reply, close. So the server must find the end of\n\
         a request by parsing the JSON — there is no newline to wait for.",
    );

    n.participants(&[CLIENT, SERVER]);
    let book = PhoneBook::in_memory()?;
    let io = methods::handler(book);
    let tcp = TcpServer::spawn(TcpListener::bind("127.0.0.1:0")?, io.clone())?;
    let web = http::start(&"127.0.0.1:0".parse()?, io, &Limits::default())?;
    let target = Target::Tcp(tcp.addr().to_string());
    n.step(&format!(
        "jsonrpc-server opens a SQLite phone book (table mytable, seeded) and listens on\n    \
         tcp://{} (the tutorial: 127.0.0.1:31415) and http://{}/",
        tcp.addr(),
        web.address()
    ));

    n.step("jsonrpc-client calls echo(\"hello world\") — positional params, as server.echo(\"hello world\")");
    let reply = exchange(
        n,
        &target,
        r#"{"jsonrpc": "2.0", "method": "echo", "params": ["hello world"], "id": 0}"#,
        "echo(\"hello world\")",
    )?;
    let echoed = decode(n, &target, &reply)?;
    n.console("jsonrpc-client", &echoed);
    anyhow::ensure!(echoed == r#""hello world""#, "echo returned {echoed}");

    n.step("search(last_name=\"Python\") — named params; each row is [id, last_name, first_name, number]");
    let reply = exchange(
        n,
        &target,
        r#"{"jsonrpc": "2.0", "method": "search", "params": {"last_name": "Python"}, "id": 1}"#,
        "search(last_name=\"Python\")",
    )?;
    let rows = decode(n, &target, &reply)?;
    n.console("jsonrpc-client", &rows);
    anyhow::ensure!(
        rows.matches("\"Python\"").count() == 2,
        "expected the two Pythons, got {rows}"
    );

    n.step("An error: a method the server does not have");
    let reply = exchange(
        n,
        &target,
        r#"{"jsonrpc": "2.0", "method": "delete_everyone", "id": 2}"#,
        "delete_everyone()",
    )?;
    let unknown = decode(n, &target, &reply);
    anyhow::ensure!(
        matches!(unknown, Err(ClientError::Rpc { code: -32601, .. })),
        "expected -32601, got {unknown:?}"
    );
    n.say(
        "The spec's codes: -32700 parse error, -32600 invalid request, -32601 method not found,\n\
         -32602 invalid params (try `jsonrpc-client call search '{\"lastname\": \"x\"}'`).",
    );

    n.question("With no delimiter, how does the server know the request is complete?");
    let request =
        br#"{"jsonrpc": "2.0", "method": "echo", "params": ["}{ braces in a string"], "id": 3}"#;
    let (first, second) = request.split_at(40);
    let mut stream = TcpStream::connect(tcp.addr())?;
    stream.write_all(first)?;
    n.message(
        Message::new(
            CLIENT,
            SERVER,
            format!("first {} bytes", first.len()),
            first,
        )
        .field("JSON", String::from_utf8_lossy(first))
        .field("server", "the JSON is unfinished: it waits for more"),
    );
    stream.set_read_timeout(Some(Duration::from_millis(300)))?;
    let mut chunk = [0u8; 512];
    let early = stream.read(&mut chunk);
    let silent_first = matches!(&early, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut));
    stream.write_all(second)?;
    n.message(
        Message::new(
            CLIENT,
            SERVER,
            format!("the other {} bytes", second.len()),
            second,
        )
        .field("JSON", String::from_utf8_lossy(second))
        .field("server", "now one whole JSON value: it answers"),
    );
    stream.set_read_timeout(Some(WAIT))?;
    let mut reply = Vec::new();
    while !matches!(find_end(&reply), Frame::Complete(_)) {
        let got = stream.read(&mut chunk)?;
        anyhow::ensure!(got > 0, "the server closed the connection without a reply");
        reply.extend_from_slice(&chunk[..got]);
    }
    let text = String::from_utf8_lossy(&reply).into_owned();
    n.message(
        Message::new(SERVER, CLIENT, reply_label(&target, &text), reply.clone())
            .field("JSON", &text),
    );
    n.answer(&format!(
        "It parses. After the first {} bytes the JSON is unfinished ({:?}), and the server {}.\n\
         After the rest it is one whole value ({:?}) and the reply comes at once:\n\
         {}\n\
         Braces inside strings do not fool it: the JSON parser, not a counter, decides.\n\
         A request larger than {} KiB, or broken JSON, gets an error reply and a closed socket —\n\
         never a dead server.",
        first.len(),
        find_end(first),
        if silent_first {
            "stays silent"
        } else {
            "answered early (unexpected)"
        },
        find_end(request),
        String::from_utf8_lossy(&reply),
        jsonrpc_search::MAX_REQUEST_BYTES / 1024
    ));
    anyhow::ensure!(silent_first, "the server answered half a request");

    n.question("The search takes strings from the network into SQL. Can a client inject SQL?");
    let reply = client::exchange(
        &target,
        r#"{"jsonrpc": "2.0", "method": "search", "params": {"last_name": "Python' OR '1'='1"}, "id": 4}"#,
        WAIT,
    )?;
    let injected = client::parse_reply(&target, &reply)?;
    n.answer(&format!(
        "search(last_name=\"Python' OR '1'='1\") returns {injected}: no one has that odd name.\n\
         The SQL text is a constant with placeholders (?1, ?2, ?3); the values travel separately."
    ));
    anyhow::ensure!(
        injected.as_array().is_some_and(|rows| rows.is_empty()),
        "injection matched rows"
    );

    n.step("The same methods over HTTP: POST the JSON (Content-Type: application/json); a batch is an array");
    let http_target = Target::Http(format!("http://{}/", web.address()));
    let batch = r#"[{"jsonrpc": "2.0", "method": "echo", "params": {"s": "hi"}, "id": 1}, {"jsonrpc": "2.0", "method": "search", "params": {"first_name": "Ada"}, "id": 2}]"#;
    n.wire("the POST body: a batch of two calls", batch.as_bytes());
    n.message(
        Message::new(CLIENT, SERVER, "POST [echo, search]", batch)
            .field(
                "HTTP",
                "POST / (Content-Type: application/json); the body below",
            )
            .field("JSON", batch),
    );
    let replies = client::exchange(&http_target, batch, WAIT)?;
    n.message(
        Message::new(SERVER, CLIENT, "200 [2 replies]", replies.as_bytes())
            .field("HTTP", "200 OK; the body below")
            .field("JSON", &replies),
    );
    n.wire(
        "the response body: both replies, in an array",
        replies.as_bytes(),
    );
    anyhow::ensure!(
        replies.contains("Lovelace"),
        "the batch did not find Ada: {replies}"
    );
    Ok(())
}
