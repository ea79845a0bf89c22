//! Chapter xmlrpc — XML-RPC over HTTP: the XML of a call, a multicall and a fault.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use xmlrpc_calc::client::{self, CallError, Client};
use xmlrpc_calc::xmlrpc::Request;
use xmlrpc_calc::Background;
use xmlrpc_calc::ServerConfig;
use xmlrpc_calc::{post_raw, pretty, request_head};

use super::Chapter;
use crate::narrator::Narrator;
use crate::recorder::{short, Message};

/// The diagram's lifelines.
const CLIENT: &str = "xmlrpc-client";
const SERVER: &str = "xmlrpc-server";

pub const CHAPTER: Chapter = Chapter {
    name: "xmlrpc",
    number: "8",
    krate: "xmlrpc-calc",
    title: "XML-RPC over HTTP (calculator, multicall, faults)",
    needs: &[],
    optional: &[],
    run,
};

const WAIT: Duration = Duration::from_secs(10);

/// Longest request shown in full: the multicall's is cut after its first call.
const MAX_REQUEST_LINES: usize = 24;
/// Longest response shown in full (the multicall's fits).
const MAX_RESPONSE_LINES: usize = 44;

/// Prints XML indented, one element per line, under a caption.
fn show_xml(n: &mut Narrator, caption: &str, xml: &str, max_lines: usize) {
    n.say(&format!(
        "⇄ {caption} ({} bytes; indented here for reading)",
        xml.len()
    ));
    let lines = pretty(xml);
    for line in lines.iter().take(max_lines) {
        n.say(&format!("    {line}"));
    }
    if lines.len() > max_lines {
        n.say(&format!(
            "    ⋮ ({} more lines of the same shape)",
            lines.len() - max_lines
        ));
    }
}

/// The text of the first `<string>` in an XML reply, with the XML escapes undone.
fn first_string(xml: &str) -> Option<String> {
    let text = xml.split("<string>").nth(1)?.split("</string>").next()?;
    Some(unescape(text))
}

/// Text with XML's five escapes undone.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The texts between the tags of an XML document: `["10"]`, `["faultCode", "1", …]`.
fn leaves(xml: &str) -> Vec<String> {
    let body = xml.split_once("?>").map_or(xml, |(_, rest)| rest);
    body.split('<')
        .filter_map(|part| part.split_once('>').map(|(_, text)| text.trim()))
        .filter(|text| !text.is_empty())
        .map(unescape)
        .collect()
}

/// The label of a reply's arrow: `200 10`, `200 10, 4, 21, 2`, `fault <the fault's text>`.
fn reply_label(body: &str) -> String {
    let leaves = leaves(body);
    if body.contains("<fault>") {
        let text = leaves
            .iter()
            .skip_while(|leaf| *leaf != "faultString")
            .nth(1)
            .cloned()
            .unwrap_or_default();
        format!("fault {text}")
    } else {
        format!("200 {}", leaves.join(", "))
    }
}

/// An HTTP message as an arrow: the head's lines and the body indented, as the breakdown.
fn http_message(label: &str, from: &str, to: &str, head: &str, body: &str) -> Message {
    let mut bytes = head.as_bytes().to_vec();
    if !head.ends_with("\r\n\r\n") {
        bytes.extend_from_slice(b"\r\n\r\n");
    }
    bytes.extend_from_slice(body.as_bytes());
    let mut message = Message::new(from, to, short(label), bytes);
    for line in head.lines().filter(|l| !l.is_empty()) {
        message = message.field("head", line);
    }
    for line in pretty(body) {
        message = message.field("body", line);
    }
    message
}

/// Sends `request` as raw bytes, shows both directions, returns the reply body; drawn, the
/// request labelled `label`.
fn exchange(
    n: &mut Narrator,
    server: &Background,
    path: &str,
    request: &Request<'_>,
    label: &str,
) -> anyhow::Result<String> {
    let mut xml = Vec::new();
    request.write_as_xml(&mut xml)?;
    let head = request_head(path, xml.len());
    n.say("⇄ the HTTP request head:");
    for line in head.lines().filter(|l| !l.is_empty()) {
        n.say(&format!("    {line}"));
    }
    show_xml(
        n,
        "the request body: a <methodCall>",
        &String::from_utf8_lossy(&xml),
        MAX_REQUEST_LINES,
    );
    n.message(http_message(
        &format!("POST {label}"),
        CLIENT,
        SERVER,
        &head,
        &String::from_utf8_lossy(&xml),
    ));
    let reply = post_raw(server.addr(), path, &xml, WAIT)?;
    n.message(http_message(
        &reply_label(&reply.body),
        SERVER,
        CLIENT,
        &reply.head,
        &reply.body,
    ));
    anyhow::ensure!(reply.status == 200, "HTTP {}: {}", reply.status, reply.body);
    n.say(&format!(
        "⇄ the answer: {}",
        reply.head.lines().next().unwrap_or_default()
    ));
    show_xml(
        n,
        "the response body: a <methodResponse>",
        &reply.body,
        MAX_RESPONSE_LINES,
    );
    Ok(reply.body)
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "XML-RPC is RPC as an HTTP POST: the body names a method and its parameters in XML,\n\
         the reply carries one value — or a <fault> with a code and a text. No sockets to\n\
         manage, any language with an HTTP client can call it (Python has it in its stdlib).",
    );

    n.participants(&[CLIENT, SERVER]);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let server = Background::start(listener, ServerConfig::default())?;
    n.step(&format!(
        "xmlrpc-server listens on {} (the tutorial: localhost:8000), methods at / and /RPC2",
        server.addr()
    ));

    n.step("One call: add(7, 3)");
    let body = exchange(
        n,
        &server,
        "/",
        &Request::new("add").arg(7).arg(3),
        "add(7, 3)",
    )?;
    anyhow::ensure!(body.contains(">10<"), "add(7, 3) did not answer 10: {body}");

    n.step("The tutorial's multicall: four calls in one HTTP round trip (system.multicall)");
    let calls = ["add", "subtract", "multiply", "divide"].map(|m| Request::new(m).arg(7).arg(3));
    exchange(
        n,
        &server,
        "/",
        &Request::new_multicall(&calls),
        "system.multicall ×4",
    )?;
    n.say("Each result comes back wrapped in a one-element array — CPython's shape.");
    let client = Client::new(&server.url(""), WAIT, None)?;
    let line = client::tutorial_multicall(&client, 7, 3)?;
    n.console("xmlrpc-client", &line);
    anyhow::ensure!(
        line == "7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2",
        "unexpected: {line}"
    );

    n.step("A fault: divide(1, 0)");
    let body = exchange(
        n,
        &server,
        "/",
        &Request::new("divide").arg(1).arg(0),
        "divide(1, 0)",
    )?;
    anyhow::ensure!(
        body.contains("<fault>"),
        "divide(1, 0) did not fault: {body}"
    );
    match client.call(&Request::new("divide").arg(1).arg(0)) {
        Err(error @ CallError::Fault { .. }) => {
            n.console("xmlrpc-client", &format!("error: {error}"))
        }
        other => anyhow::bail!("expected a fault, got {other:?}"),
    }

    n.question("Why is 7/3 = 2, and what does division by zero do?");
    n.answer(
        "The tutorial's server is Python 2: `/` on integers is floor division (-7/3 = -3).\n\
         Division by zero raises an exception, which the server turns into a <fault> —\n\
         an ordinary HTTP 200 reply with the same text CPython sends. Nobody crashes.",
    );

    n.question("What does the server do with junk — XML that is not XML?");
    let junk = post_raw(server.addr(), "/", b"<methodCall><methodName>add", WAIT)?;
    anyhow::ensure!(junk.body.contains("<fault>"), "junk did not get a fault");
    let next = client.call(&Request::new("add").arg(2).arg(5))?;
    n.answer(&format!(
        "HTTP {} with a fault: {}\n\
         and the next call, add(2, 5), is answered as usual: {}",
        junk.status,
        first_string(&junk.body).unwrap_or_else(|| junk.body.clone()),
        xmlrpc_calc::python_repr(&next)
    ));

    n.question("One slow call — does it hold up everybody else?");
    const CALLS: usize = 20;
    let began = Instant::now();
    let workers: Vec<_> = (0..CALLS)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.call(&Request::new("sleep").arg(1)))
        })
        .collect();
    for worker in workers {
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("a caller thread panicked"))??;
    }
    n.answer(&format!(
        "{CALLS} clients called sleep(1) at once; all done in {:.1} s, not {CALLS} s.\n\
         The tutorial's threaded Python server spends one thread per waiting call (~40 calls);\n\
         ours awaits a timer per call on a tokio task, so hundreds fit\n\
         (try `peers/slow_calls.py http://127.0.0.1:8000/ 500 5` against xmlrpc-server).",
        began.elapsed().as_secs_f64()
    ));
    Ok(())
}
