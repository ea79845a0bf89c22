//! The raw TCP transport, byte by byte: one request with no delimiter, the reply as soon as the
//! JSON is complete, and a server that survives every kind of bad input.

use crate::spec_examples;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use jsonrpc_search::framing::{find_end, Frame};
use jsonrpc_search::TcpServer;
use jsonrpc_search::{db, methods, Limits, PhoneBook, MAX_REQUEST_BYTES};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(5);

fn server() -> TcpServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    TcpServer::spawn(listener, methods::handler(PhoneBook::in_memory().unwrap())).unwrap()
}

fn connect(server: &TcpServer) -> TcpStream {
    let stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
}

/// Reads exactly one JSON value (the reply has no delimiter either), within `WAIT`.
fn read_reply(stream: &mut TcpStream, pending: &mut Vec<u8>) -> String {
    let deadline = Instant::now() + WAIT;
    let mut chunk = [0u8; 4096];
    loop {
        if let Frame::Complete(end) = find_end(pending) {
            let reply: Vec<u8> = pending.drain(..end).collect();
            return String::from_utf8(reply).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no complete reply; got {:?}",
            String::from_utf8_lossy(pending)
        );
        let n = stream.read(&mut chunk).expect("a reply within the timeout");
        assert!(
            n > 0,
            "server closed; got so far {:?}",
            String::from_utf8_lossy(pending)
        );
        pending.extend_from_slice(&chunk[..n]);
    }
}

/// One call on a fresh connection, the tutorial's way; returns the reply bytes as text.
fn exchange(server: &TcpServer, request: &[u8]) -> String {
    let mut stream = connect(server);
    stream.write_all(request).unwrap();
    read_reply(&mut stream, &mut Vec::new())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// After a reply the server closes: the next read ends (EOF or reset), within `WAIT`.
fn assert_closed(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "unexpected extra bytes {rest:?}"),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
}

fn still_serves(server: &TcpServer) {
    let reply = exchange(
        server,
        br#"{"jsonrpc": "2.0", "method": "echo", "params": ["still here"], "id": 9}"#,
    );
    assert_eq!(json(&reply)["result"], "still here");
}

#[test]
fn echo_reply_is_exact_bytes_without_delimiter() {
    let server = server();
    // The tutorial's library writes requests like this (spaces after `:` and `,`, id 0).
    let reply = exchange(
        &server,
        br#"{"jsonrpc": "2.0", "method": "echo", "params": ["hello world"], "id": 0}"#,
    );
    assert_eq!(reply, r#"{"jsonrpc":"2.0","result":"hello world","id":0}"#);
}

#[test]
fn reply_comes_while_the_client_keeps_its_side_open() {
    // No shutdown(Write), no newline: the server must answer from parsing alone.
    let server = server();
    let mut stream = connect(&server);
    stream
        .write_all(br#"{"jsonrpc":"2.0","method":"echo","params":{"s":"named"},"id":"a"}"#)
        .unwrap();
    let reply = read_reply(&mut stream, &mut Vec::new());
    assert_eq!(
        json(&reply),
        json!({"jsonrpc": "2.0", "result": "named", "id": "a"})
    );
}

#[test]
fn search_named_positional_and_all() {
    let server = server();
    let pythons = json!([
        [1, "Python", "Monty", "555-0101"],
        [4, "Python", "Brian", "555-0104"]
    ]);
    let named = exchange(
        &server,
        br#"{"jsonrpc": "2.0", "method": "search", "params": {"last_name": "Python"}, "id": 1}"#,
    );
    assert_eq!(json(&named)["result"], pythons);
    let positional = exchange(
        &server,
        br#"{"jsonrpc": "2.0", "method": "search", "params": [null, "Python"], "id": 2}"#,
    );
    assert_eq!(json(&positional)["result"], pythons);
    let both = exchange(&server, br#"{"jsonrpc":"2.0","method":"search","params":{"last_name":"Python","first_name":"Brian"},"id":3}"#);
    assert_eq!(
        json(&both)["result"],
        json!([[4, "Python", "Brian", "555-0104"]])
    );
    let all = exchange(
        &server,
        br#"{"jsonrpc": "2.0", "method": "search", "id": 4}"#,
    );
    assert_eq!(
        json(&all)["result"],
        serde_json::to_value(db::seed::seed_rows()).unwrap()
    );
    let nobody = exchange(
        &server,
        br#"{"jsonrpc": "2.0", "method": "search", "params": {"number": "000"}, "id": 5}"#,
    );
    assert_eq!(json(&nobody)["result"], json!([]));
}

#[test]
fn sql_injection_in_a_parameter_matches_nothing() {
    let server = server();
    for evil in [
        "Python' OR '1'='1",
        "x'; DROP TABLE mytable; --",
        "' OR 1=1 --",
    ] {
        let request =
            json!({"jsonrpc": "2.0", "method": "search", "params": {"last_name": evil}, "id": 1});
        let reply = exchange(&server, request.to_string().as_bytes());
        assert_eq!(json(&reply)["result"], json!([]), "{evil}");
    }
    let all = exchange(
        &server,
        br#"{"jsonrpc": "2.0", "method": "search", "id": 2}"#,
    );
    assert_eq!(
        json(&all)["result"].as_array().unwrap().len(),
        db::seed::SEED.len(),
        "the table survived"
    );
}

#[test]
fn spec_errors() {
    let server = server();
    let cases: [(&[u8], i64); 5] = [
        (br#"{"jsonrpc": "2.0", "method": "nope", "id": 1}"#, -32601),
        (
            br#"{"jsonrpc": "2.0", "method": "echo", "params": [1], "id": 1}"#,
            -32602,
        ),
        (
            br#"{"jsonrpc": "2.0", "method": "echo", "params": ["a", "b"], "id": 1}"#,
            -32602,
        ),
        (
            br#"{"jsonrpc": "2.0", "method": "search", "params": {"lastname": "Python"}, "id": 1}"#,
            -32602,
        ),
        (br#"{"foo": "bar"}"#, -32600),
    ];
    for (request, code) in cases {
        let reply = json(&exchange(&server, request));
        assert_eq!(
            reply["error"]["code"],
            code,
            "{}: {reply}",
            String::from_utf8_lossy(request)
        );
    }
    // Valid JSON that is not a request object, and broken JSON: parse error, then we hang up.
    for garbage in [
        &b"hello"[..],
        b"{\"jsonrpc\": \"2.0\", \"method\": }",
        b"[1,]",
    ] {
        let mut stream = connect(&server);
        stream.write_all(garbage).unwrap();
        let reply = json(&read_reply(&mut stream, &mut Vec::new()));
        assert_eq!(
            reply,
            json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null})
        );
        assert_closed(&mut stream);
    }
    still_serves(&server);
}

/// The specification's broken batches (`tests/spec_examples`): the spec's replies over TCP,
/// and the valid call in a mixed batch is still made.
#[test]
fn broken_batches_get_the_spec_replies() {
    let server = server();
    for (request, expected) in spec_examples::broken_batches() {
        assert_eq!(
            json(&exchange(&server, request.as_bytes())),
            expected,
            "request {request}"
        );
    }
    still_serves(&server);
}

/// The thread whose trace events [`server_reads`] passes on.
const TRACED: &str = "traced server";

/// Formatted trace events written by the thread [`TRACED`], one line each.
struct ReadLog(std::sync::mpsc::Sender<String>, Vec<u8>);

impl Write for ReadLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.1.extend_from_slice(bytes);
        while let Some(end) = self.1.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.1.drain(..=end).collect();
            let _ = self.0.send(String::from_utf8_lossy(&line).into_owned());
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The trace events of the thread [`TRACED`] (the server logs each socket read in
/// `tcp::connection`). A global subscriber for this test binary, set once: a scoped
/// one races with other tests' servers over tracing's per-callsite cache.
fn server_reads() -> std::sync::MutexGuard<'static, std::sync::mpsc::Receiver<String>> {
    use std::sync::{mpsc, Mutex, OnceLock};
    static READS: OnceLock<Mutex<mpsc::Receiver<String>>> = OnceLock::new();
    let reads = READS.get_or_init(|| {
        let (events, reads) = mpsc::channel();
        let make_writer = move || -> Box<dyn Write> {
            match thread::current().name() {
                Some(TRACED) => Box::new(ReadLog(events.clone(), Vec::new())),
                _ => Box::new(std::io::sink()),
            }
        };
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(make_writer)
            .try_init();
        Mutex::new(reads)
    });
    reads
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn request_split_into_pieces_gets_one_reply() {
    let reads = server_reads();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = test_support::ServerThread::spawn(TRACED, move |_flag| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let io = std::sync::Arc::new(methods::handler(PhoneBook::in_memory().unwrap()));
        let shutdown = async {
            let _ = stopped.await;
        };
        runtime.block_on(jsonrpc_search::tcp::serve(
            listener,
            io,
            Limits::default(),
            None,
            shutdown,
        ))
    })
    .on_stop(move || {
        let _ = stop.send(());
    });

    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.set_nodelay(true).unwrap(); // each piece leaves at once, in a segment of its own
                                       // Cut inside a string holding braces and inside a multi-byte character.
    let request =
        r#"{"jsonrpc": "2.0", "method": "echo", "params": ["}{ é ]["], "id": 7}"#.as_bytes();
    let cuts = [5, 50, 53, request.len()];
    let mut from = 0;
    for to in cuts {
        stream.write_all(&request[from..to]).unwrap();
        // Proof that the server read this piece on its own: its read of exactly these bytes.
        let want = format!("bytes={}", to - from);
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = reads.recv_timeout(left) else {
                panic!("no read of {want} by the server; its events: {seen:?}");
            };
            if line.contains(" read") && line.trim_end().ends_with(&want) {
                break;
            }
            seen.push(line);
        }
        from = to;
    }
    let reply = json(&read_reply(&mut stream, &mut Vec::new()));
    assert_eq!(reply["result"], "}{ é ][");
    drop(stream);
    server.stop().unwrap();
}

#[test]
fn pipelined_requests_notifications_and_batches_on_one_connection() {
    let server = server();
    let mut stream = connect(&server);
    // A notification (no id: no reply), two calls and a batch, all in one write.
    stream
        .write_all(
            br#"{"jsonrpc":"2.0","method":"echo","params":["quiet"]}
            {"jsonrpc":"2.0","method":"echo","params":["one"],"id":1}{"jsonrpc":"2.0","method":"echo","params":["two"],"id":2}
            [{"jsonrpc":"2.0","method":"echo","params":["b"],"id":3},{"jsonrpc":"2.0","method":"nope","id":4}]"#,
        )
        .unwrap();
    let mut pending = Vec::new();
    assert_eq!(
        json(&read_reply(&mut stream, &mut pending))["result"],
        "one"
    );
    assert_eq!(
        json(&read_reply(&mut stream, &mut pending))["result"],
        "two"
    );
    let batch = json(&read_reply(&mut stream, &mut pending));
    assert_eq!(batch[0]["result"], "b");
    assert_eq!(batch[1]["error"]["code"], -32601);
}

#[test]
fn half_a_request_then_hang_up_does_not_hurt() {
    let server = server();
    for _ in 0..3 {
        let mut stream = connect(&server);
        stream
            .write_all(br#"{"jsonrpc": "2.0", "method": "ech"#)
            .unwrap();
        stream.shutdown(Shutdown::Both).unwrap();
    }
    // Another client is half-way through when a third one is served.
    let mut slow = connect(&server);
    slow.write_all(br#"{"jsonrpc": "2.0", "#).unwrap();
    still_serves(&server);
    slow.write_all(br#""method": "echo", "params": ["late"], "id": 1}"#)
        .unwrap();
    assert_eq!(
        json(&read_reply(&mut slow, &mut Vec::new()))["result"],
        "late"
    );
}

#[test]
fn oversized_request_is_refused_and_the_server_goes_on() {
    let server = server();
    let mut stream = connect(&server);
    stream.set_write_timeout(Some(WAIT)).unwrap();
    // An opening brace and then a string that never ends: only the size bound stops it.
    let mut flood = br#"{"jsonrpc": "2.0", "method": "echo", "params": [""#.to_vec();
    flood.resize(MAX_REQUEST_BYTES + 64 * 1024, b'x');
    // The server may hang up before it has read everything: a write error is expected then.
    let _ = stream.write_all(&flood);
    let reply = json(&read_reply(&mut stream, &mut Vec::new()));
    assert_eq!(reply["error"]["code"], -32600, "{reply}");
    assert_eq!(reply["id"], Value::Null);
    still_serves(&server);
}

#[test]
fn many_clients_at_once() {
    let server = server();
    let addr = server.addr();
    let clients: Vec<_> = (0..20)
        .map(|i| {
            thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream.set_read_timeout(Some(WAIT)).unwrap();
                let request = json!({"jsonrpc": "2.0", "method": "echo", "params": [format!("client {i}")], "id": i});
                stream.write_all(request.to_string().as_bytes()).unwrap();
                json(&read_reply(&mut stream, &mut Vec::new()))
            })
        })
        .collect();
    for (i, client) in clients.into_iter().enumerate() {
        let reply = client.join().unwrap();
        assert_eq!(reply["result"], format!("client {i}"));
        assert_eq!(reply["id"], i);
    }
}

#[test]
fn a_file_database_is_created_and_seeded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phonebook.sqlite3");
    assert!(!path.exists());
    let book = PhoneBook::open(&path).unwrap();
    assert!(path.exists());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = TcpServer::spawn(listener, methods::handler(book)).unwrap();
    let reply = exchange(
        &server,
        br#"{"jsonrpc": "2.0", "method": "search", "params": {"last_name": "Python"}, "id": 1}"#,
    );
    assert_eq!(json(&reply)["result"].as_array().unwrap().len(), 2);
}

fn server_with(limits: Limits) -> TcpServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    TcpServer::spawn_with(
        listener,
        methods::handler(PhoneBook::in_memory().unwrap()),
        limits,
    )
    .unwrap()
}

#[test]
fn half_a_request_then_silence_is_closed_after_the_idle_timeout() {
    let server = server_with(Limits {
        idle_timeout: Duration::from_millis(200),
        ..Limits::default()
    });
    let mut stream = connect(&server);
    stream
        .write_all(br#"{"jsonrpc": "2.0", "method": "echo", "params": ["#)
        .unwrap();
    // No reply can come; the server hangs up (EOF) long before our 5 s read timeout.
    assert_closed(&mut stream);
    still_serves(&server);
}

#[test]
fn the_size_bound_is_a_setting() {
    let server = server_with(Limits {
        max_request_bytes: 100,
        ..Limits::default()
    });
    let small = json!({"jsonrpc": "2.0", "method": "echo", "params": ["x".repeat(20)], "id": 1});
    assert_eq!(
        json(&exchange(&server, small.to_string().as_bytes()))["result"],
        "x".repeat(20)
    );
    let big = json!({"jsonrpc": "2.0", "method": "echo", "params": ["x".repeat(200)], "id": 2});
    let mut stream = connect(&server);
    stream.write_all(big.to_string().as_bytes()).unwrap();
    let reply = json(&read_reply(&mut stream, &mut Vec::new()));
    assert_eq!(reply["error"]["code"], -32600, "{reply}");
    assert_closed(&mut stream);
}
