//! The server and client in-process on an ephemeral port: the methods, multicall, faults,
//! malformed requests, concurrency, timeouts, limits, the allowlist and HTTPS.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use xmlrpc::{Request, Value};
use xmlrpc_calc::client::{self, CallError, Client};
use xmlrpc_calc::Background;
use xmlrpc_calc::ServerConfig;

/// Bounds every test call; generous because the machine may be busy building other crates.
const TIMEOUT: Duration = Duration::from_secs(20);

fn start(config: ServerConfig) -> Background {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    Background::start(listener, config).expect("start the server")
}

fn client(url: &str) -> Client {
    Client::new(url, TIMEOUT, None).expect("client")
}

fn call(client: &Client, method: &str, args: &[Value]) -> Result<Value, CallError> {
    let request = args
        .iter()
        .fold(Request::new(method), |r, a| r.arg(a.clone()));
    client.call(&request)
}

fn fault_of(result: Result<Value, CallError>) -> (i32, String) {
    match result {
        Err(CallError::Fault { code, string }) => (code, string),
        other => panic!("expected a fault, got {other:?}"),
    }
}

/// POSTs raw bytes and returns (status, body): for requests the `xmlrpc` crate would never send.
fn raw_post(server: &Background, path: &str, body: &[u8]) -> (u16, String) {
    let reply = xmlrpc_calc::post_raw(server.addr(), path, body, TIMEOUT).unwrap();
    (reply.status, reply.body)
}

#[test]
fn tutorial_multicall_prints_the_tutorial_line() {
    let server = start(ServerConfig::default());
    for path in ["", "RPC2"] {
        let line = client::tutorial_multicall(&client(&server.url(path)), 7, 3).unwrap();
        assert_eq!(
            line, "7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2",
            "path /{path}"
        );
    }
}

#[test]
fn arithmetic_follows_python2_integers() {
    let server = start(ServerConfig::default());
    let c = client(&server.url(""));
    let int = |method: &str, a: i32, b: i32| call(&c, method, &[Value::Int(a), Value::Int(b)]);
    assert_eq!(int("add", 2, 5).unwrap(), Value::Int(7));
    assert_eq!(int("subtract", 2, 5).unwrap(), Value::Int(-3));
    assert_eq!(int("multiply", -4, 5).unwrap(), Value::Int(-20));
    assert_eq!(int("divide", 7, 3).unwrap(), Value::Int(2));
    assert_eq!(
        int("divide", -7, 3).unwrap(),
        Value::Int(-3),
        "floor, not truncation"
    );
    let (code, text) = fault_of(int("divide", 1, 0));
    assert_eq!(code, 1);
    assert_eq!(
        text,
        "<class 'ZeroDivisionError'>:integer division or modulo by zero"
    );
    let (code, text) = fault_of(int("add", i32::MAX, 1));
    assert_eq!(
        (code, text.as_str()),
        (1, "<class 'OverflowError'>:int exceeds XML-RPC limits")
    );
}

#[test]
fn the_methods_are_pythons_operators_on_any_xmlrpc_value() {
    let server = start(ServerConfig::default());
    let c = client(&server.url(""));
    let ok = |method: &str, args: &[Value]| call(&c, method, args).unwrap();
    let fault = |method: &str, args: &[Value]| fault_of(call(&c, method, args)).1;
    let (int, double, list) = (Value::Int, Value::Double, Value::Array);
    assert_eq!(ok("add", &[double(0.5), double(0.25)]), double(0.75));
    assert_eq!(ok("divide", &[double(7.5), int(2)]), double(3.0));
    assert_eq!(ok("divide", &[double(-7.5), int(2)]), double(-4.0));
    assert_eq!(ok("add", &[Value::Bool(true), Value::Bool(true)]), int(2));
    assert_eq!(ok("add", &["a".into(), "b".into()]), Value::from("ab"));
    assert_eq!(
        ok("add", &[list(vec![int(1)]), list(vec![int(2)])]),
        list(vec![int(1), int(2)])
    );
    assert_eq!(ok("multiply", &["ab".into(), int(2)]), Value::from("abab"));
    assert_eq!(ok("multiply", &[int(-1), "ab".into()]), Value::from(""));
    assert_eq!(
        fault("subtract", &[int(1), list(vec![])]),
        "<class 'TypeError'>:unsupported operand type(s) for -: 'int' and 'list'"
    );
    assert_eq!(
        fault("multiply", &["ab".into(), double(2.0)]),
        "<class 'TypeError'>:can't multiply sequence by non-int of type 'float'"
    );
    assert_eq!(
        fault("divide", &[double(1.0), int(0)]),
        "<class 'ZeroDivisionError'>:float floor division by zero"
    );
    assert_eq!(
        fault("add", &[int(1), int(2), int(3)]),
        "<class 'TypeError'>:add() takes 2 positional arguments but 3 were given"
    );
    assert_eq!(
        fault("divide", &[]),
        "<class 'TypeError'>:divide() missing 2 required positional arguments: 'x' and 'y'"
    );
    // Where Python would try to build 2 GB (and may run out of memory): refused at once.
    assert_eq!(
        fault("multiply", &[list(vec![int(1)]), int(i32::MAX)]),
        "<class 'MemoryError'>:the result would hold 1 × 2147483647 items, more than the \
         1048576 this server allows"
    );
    // The server is fine afterwards.
    assert_eq!(ok("add", &[int(7), int(3)]), int(10));
}

#[test]
fn a_multicall_result_too_big_for_int_is_one_fault_as_in_python() {
    let server = start(ServerConfig::default());
    let c = client(&server.url(""));
    let calls = [
        Request::new("add").arg(7).arg(3),
        Request::new("add").arg(i32::MAX).arg(1),
        Request::new("divide").arg(1).arg(0),
    ];
    let (code, text) = fault_of(c.call(&Request::new_multicall(&calls)));
    assert_eq!(
        (code, text.as_str()),
        (1, "<class 'OverflowError'>:int exceeds XML-RPC limits")
    );
}

#[test]
fn multicall_wraps_successes_and_reports_faults_in_place() {
    let server = start(ServerConfig::default());
    let c = client(&server.url(""));
    // The raw reply, as CPython shapes it: [[10], {faultCode, faultString}, [2], {…}].
    let calls = [
        Request::new("add").arg(7).arg(3),
        Request::new("divide").arg(1).arg(0),
        Request::new("divide").arg(7).arg(3),
        Request::new("power").arg(2).arg(3),
    ];
    let raw = c.call(&Request::new_multicall(&calls)).unwrap();
    let Value::Array(entries) = raw else {
        panic!("multicall returned {raw:?}")
    };
    assert_eq!(entries[0], Value::Array(vec![Value::Int(10)]));
    assert_eq!(entries[1]["faultCode"], Value::Int(1));
    assert_eq!(
        entries[1]["faultString"].as_str(),
        Some("<class 'ZeroDivisionError'>:integer division or modulo by zero")
    );
    assert_eq!(entries[2], Value::Array(vec![Value::Int(2)]));
    // An unknown method inside a multicall: CPython's fault, in its place.
    assert_eq!(entries[3]["faultCode"], Value::Int(1));
    assert_eq!(
        entries[3]["faultString"].as_str(),
        Some("<class 'Exception'>:method \"power\" is not supported")
    );
    // And the same through the client's helper.
    let results = c.multicall(&calls).unwrap();
    assert_eq!(results.len(), 4);
    assert!(matches!(results[1], Err(CallError::Fault { code: 1, .. })));
}

#[test]
fn list_methods_and_the_api_endpoint() {
    let server = start(ServerConfig::default());
    let names = call(&client(&server.url("")), "system.listMethods", &[]).unwrap();
    let names: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for method in [
        "add",
        "subtract",
        "multiply",
        "divide",
        "sleep",
        "system.multicall",
    ] {
        assert!(names.contains(&method), "{method} missing from {names:?}");
    }

    let api = client(&server.url("api"));
    let hi = call(&api, "hello", &[Value::from("Ada")]).unwrap();
    assert_eq!(hi.as_str(), Some("Hello, Ada!"));
    let (code, text) = fault_of(call(&api, "hello", &[Value::from("")]));
    assert_eq!(
        (code, text.as_str()),
        (1, "<class 'ValueError'>:name must not be empty")
    );
    // /api serves hello only; the calculator is not there.
    let (code, text) = fault_of(call(&api, "add", &[Value::Int(1), Value::Int(2)]));
    assert_eq!(
        (code, text.as_str()),
        (1, "<class 'Exception'>:method \"add\" is not supported")
    );
}

#[test]
fn bad_requests_get_faults_and_the_server_keeps_serving() {
    let server = start(ServerConfig::default());
    let c = client(&server.url(""));
    // Unknown method, wrong types, wrong count: faults with CPython's code 1 (and, for the
    // unknown method, CPython's very words), not dropped connections.
    let (code, text) = fault_of(call(&c, "power", &[Value::Int(2)]));
    assert_eq!(
        (code, text.as_str()),
        (1, "<class 'Exception'>:method \"power\" is not supported")
    );
    let (code, text) = fault_of(call(&c, "add", &[Value::from("7"), Value::Int(3)]));
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        text,
        "<class 'TypeError'>:can only concatenate str (not \"int\") to str"
    );
    let (code, text) = fault_of(call(&c, "add", &[Value::Int(7)]));
    assert_eq!(code, 1, "{text}");
    assert_eq!(
        text,
        "<class 'TypeError'>:add() missing 1 required positional argument: 'y'"
    );
    assert_eq!(fault_of(call(&c, "sleep", &[Value::Int(31)])).0, 1);
    assert_eq!(fault_of(call(&c, "sleep", &[Value::Int(-1)])).0, 1);
    // Not XML at all, truncated XML, 100 kB of junk, not UTF-8: each a short, well-formed
    // <fault> (code 400) with HTTP 200, quoting only the start of what was sent.
    let long_junk = format!("<methodCall>{}", "x".repeat(100_000));
    for junk in [
        &b"this is not xml"[..],
        b"<?xml version='1.0'?><methodCall><methodName>add",
        long_junk.as_bytes(),
        b"\xff\xfe<methodCall>",
    ] {
        let (status, body) = raw_post(&server, "/", junk);
        assert_eq!(status, 200, "{body}");
        let fault = dxr::FaultResponse::from_xml(&body)
            .unwrap_or_else(|e| panic!("no fault ({e}): {body}"))
            .fault;
        let text = fault.string();
        assert_eq!(fault.code(), 1, "{text}");
        assert!(text.starts_with("malformed XML-RPC request: "), "{text}");
        assert!(text.len() < 200, "a short fault, got {} bytes", text.len());
    }
    // Still serving.
    assert_eq!(
        client::tutorial_multicall(&c, 7, 3).unwrap(),
        "7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2"
    );
}

#[test]
fn slow_calls_run_concurrently() {
    // 100 calls of sleep(1) at once. One at a time that is 100 s; concurrently about 1 s.
    // The generous bound (half the sequential time) only proves they overlapped.
    const CALLS: usize = 100;
    let server = start(ServerConfig::default());
    let url = server.url("");
    let began = Instant::now();
    let workers: Vec<_> = (0..CALLS)
        .map(|_| {
            let c = Client::new(&url, Duration::from_secs(60), None).unwrap();
            std::thread::spawn(move || call(&c, "sleep", &[Value::Int(1)]))
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap().unwrap(), Value::Int(1));
    }
    let took = began.elapsed();
    assert!(
        took < Duration::from_secs(50),
        "{CALLS} sleep(1) calls took {took:?}: not concurrent"
    );
}

#[test]
fn a_silent_client_is_disconnected() {
    let server = start(ServerConfig {
        read_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    });
    // A keep-alive request answered, then silence: the idle connection is closed too.
    let body = "<?xml version='1.0'?><methodCall><methodName>add</methodName><params>\
                <param><value><int>2</int></value></param><param><value><int>5</int></value></param>\
                </params></methodCall>";
    let keep_alive = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let cases = [
        ("connects and sends nothing", String::new()),
        (
            "stops in the middle of its headers",
            "POST / HTTP/1.1\r\nHost: x\r\n".to_string(),
        ),
        ("goes quiet after a keep-alive request", keep_alive),
    ];
    for (what, sent) in cases {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.write_all(sent.as_bytes()).unwrap();
        let mut reply = Vec::new();
        // The server closes the connection (EOF) instead of waiting forever; a read error
        // here (WouldBlock) would mean our own bound expired first.
        stream
            .read_to_end(&mut reply)
            .unwrap_or_else(|e| panic!("a client that {what} was not disconnected: {e}"));
        if what.contains("keep-alive") {
            let reply = String::from_utf8_lossy(&reply);
            assert!(
                reply.contains("<i4>7</i4>"),
                "the request was answered first: {reply}"
            );
        }
    }
    // The server itself is fine.
    assert!(call(
        &client(&server.url("")),
        "add",
        &[Value::Int(1), Value::Int(1)]
    )
    .is_ok());
}

#[test]
fn a_body_that_stops_halfway_gets_408() {
    let server = start(ServerConfig {
        read_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    });
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    // Headers announce 100 bytes of body; only 10 come.
    let head = xmlrpc_calc::request_head("/", 100);
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(b"<methodCal").unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
}

#[test]
fn a_too_large_body_gets_413() {
    let server = start(ServerConfig {
        max_body: 1000,
        ..ServerConfig::default()
    });
    let c = client(&server.url(""));
    let big = Request::new("hello").arg("x".repeat(5000));
    match c.call(&big) {
        Err(CallError::Http {
            status: 413, body, ..
        }) => {
            assert!(body.contains("the limit is 1000 bytes"), "{body}")
        }
        other => panic!("expected 413, got {other:?}"),
    }
    // Chunked uploads announce no size: the limit trips while reading.
    let chunked = |body: &str| {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
             {:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(request.as_bytes()); // may be cut short by the 413
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply
    };
    let reply = chunked(&"x".repeat(5000));
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    // A small chunked call works (we give dxr_server the Content-Length it insists on).
    let add = "<?xml version='1.0'?><methodCall><methodName>add</methodName><params>\
               <param><value><int>2</int></value></param><param><value><int>5</int></value></param>\
               </params></methodCall>";
    let reply = chunked(add);
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.contains("<i4>7</i4>"),
        "{reply}"
    );
    assert!(call(&c, "add", &[Value::Int(1), Value::Int(1)]).is_ok());
}

#[test]
fn the_client_gives_up_after_its_timeout() {
    // A "server" that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let c = Client::new(&url, Duration::from_millis(300), None).unwrap();
    match call(&c, "add", &[Value::Int(1), Value::Int(2)]) {
        Err(error @ CallError::Timeout { .. }) => {
            assert!(error.to_string().contains("no reply from"), "{error}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // And against the real server, a call slower than the timeout.
    let server = start(ServerConfig::default());
    let c = Client::new(&server.url(""), Duration::from_millis(300), None).unwrap();
    assert!(matches!(
        call(&c, "sleep", &[Value::Int(5)]),
        Err(CallError::Timeout { .. })
    ));
}

#[test]
fn the_allowlist_answers_403_to_strangers() {
    let strangers_only = start(ServerConfig {
        allow: vec![
            "10.0.0.0/8".parse().unwrap(),
            "192.168.0.0/16".parse().unwrap(),
        ],
        ..ServerConfig::default()
    });
    match call(
        &client(&strangers_only.url("")),
        "add",
        &[Value::Int(1), Value::Int(1)],
    ) {
        Err(CallError::Http {
            status: 403, body, ..
        }) => {
            assert!(
                body.contains("127.0.0.1 is not in this server's --allow list"),
                "{body}"
            )
        }
        other => panic!("expected 403, got {other:?}"),
    }
    let loopback = start(ServerConfig {
        allow: vec!["127.0.0.0/8".parse().unwrap()],
        ..ServerConfig::default()
    });
    assert!(call(
        &client(&loopback.url("")),
        "add",
        &[Value::Int(1), Value::Int(1)]
    )
    .is_ok());
}

#[test]
fn allowlist_matches_ipv4_clients_on_ipv6_sockets() {
    let config = ServerConfig {
        allow: vec!["127.0.0.1/32".parse().unwrap()],
        ..ServerConfig::default()
    };
    assert!(config.allows("127.0.0.1".parse().unwrap()));
    assert!(config.allows("::ffff:127.0.0.1".parse().unwrap()));
    assert!(!config.allows("127.0.0.2".parse().unwrap()));
    assert!(!config.allows("::1".parse().unwrap()));
    assert!(
        ServerConfig::default().allows("8.8.8.8".parse().unwrap()),
        "empty list = everyone"
    );
}

#[test]
fn https_with_a_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, signing_key.serialize_pem()).unwrap();

    let tls = xmlrpc_calc::hardening::tls::load_tls(&cert_path, &key_path).unwrap();
    let server = start(ServerConfig {
        tls: Some(tls),
        ..ServerConfig::default()
    });
    let url = format!("https://localhost:{}/", server.addr().port());

    let trusting = Client::new(&url, TIMEOUT, Some(&cert_path)).unwrap();
    let line = client::tutorial_multicall(&trusting, 7, 3).unwrap();
    assert_eq!(line, "7 + 3 = 10, 7-3 = 4, 7*3 = 21, 7/3 = 2");

    // Without --ca the self-signed certificate is (rightly) refused...
    let default_roots = Client::new(&url, TIMEOUT, None).unwrap();
    let refused = call(&default_roots, "add", &[Value::Int(1), Value::Int(1)]);
    match refused {
        Err(error @ CallError::UntrustedCertificate { .. }) => {
            assert!(error.to_string().contains("certificate"), "{error}");
            assert!(
                error.to_string().contains("--ca"),
                "names the flag: {error}"
            );
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
    // ...and plain HTTP to the HTTPS port gets no XML-RPC answer, with a hint.
    let plain = client(&format!("http://localhost:{}/", server.addr().port()));
    match call(&plain, "add", &[Value::Int(1), Value::Int(1)]) {
        Err(error @ CallError::NotHttp { .. }) => {
            assert!(
                error.to_string().contains("TLS server: try https://"),
                "{error}"
            );
        }
        other => panic!("expected a not-HTTP error, got {other:?}"),
    }
    // The server survived both.
    assert!(call(&trusting, "add", &[Value::Int(1), Value::Int(1)]).is_ok());
}

#[test]
fn a_server_that_hangs_up_mid_call_is_named_as_such() {
    // A "server" that reads the whole request and closes without a word, as a killed one does.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hangs_up = test_support::ServerThread::spawn("hangs up", move |_stop| {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut request = Vec::new();
        let mut chunk = [0u8; 4096];
        while !String::from_utf8_lossy(&request).contains("</methodCall>") {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the client sent a whole request");
            request.extend_from_slice(&chunk[..n]);
        }
    });
    let c = client(&format!("http://{addr}/"));
    match call(&c, "add", &[Value::Int(1), Value::Int(1)]) {
        Err(error @ CallError::ClosedEarly { .. }) => {
            assert!(
                error
                    .to_string()
                    .contains("closed the connection before answering"),
                "{error}"
            );
        }
        other => panic!("expected ClosedEarly, got {other:?}"),
    }
    hangs_up.stop();
}
