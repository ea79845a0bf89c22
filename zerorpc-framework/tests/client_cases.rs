//! zerorpc-python's own client test cases (tests/test_client.py, test_client_heartbeat.py,
//! test_reqstream.py, test_server.py in 0rpc/zerorpc-python), run both ways: the real Python
//! client (`peers/client_cases.py client`) and ours, each against our server and against a
//! zerorpc-python server with the same methods (`peers/client_cases.py server`). Their
//! `TIME_FACTOR` of 0.2 s scales every wait: heartbeats every 0.2 s, `slow()` 0.6 s.

use std::time::Duration;

use test_support::{peer_command, run, Lang, Matrix, Proc};
use zerorpc_framework::client::{Error, Options, Reply};
use zerorpc_framework::events::Event;
use zerorpc_framework::method::Failure;
use zerorpc_framework::{Client, Server, Value};

use crate::crosstests::ipc_endpoint;
use crate::support::{zerorpc_python, InProcess, DIR};

const TIME_FACTOR: Duration = Duration::from_millis(200);

/// The cases, in the order both clients run them.
const CASES: [&str; 13] = [
    "lolita",
    "add",
    "raise_something(42)",
    "raise_something(range(5))",
    "raise_error",
    "unknown method",
    "v1 error",
    "timeout",
    "slow on heartbeats",
    "range 10",
    "stream 10 after a pause",
    "stream 42",
    "142 of a stream, dropped",
];

/// Python's `a[4]`, for the few types the cases send.
fn raise_something(a: Value) -> Result<Value, Failure> {
    match a {
        Value::Array(items) => items
            .get(4)
            .cloned()
            .ok_or_else(|| Failure::new("IndexError", "list index out of range")),
        other => Err(Failure::new(
            "TypeError",
            format!(
                "'{}' object is not subscriptable",
                zerorpc_framework::python::type_name(&other)
            ),
        )),
    }
}

/// The cases' server, ours: the methods of their `MySrv` classes.
fn my_srv() -> Server {
    Server::new("MySrv")
        .method("lolita()", "42", || Ok(42))
        .method("add(a, b)", "a + b", zerorpc_framework::app::add)
        .method("raise_something(a)", "a[4]", raise_something)
        .method(
            "raise_error()",
            "raises RuntimeError",
            || -> Result<Value, Failure> { Err(Failure::new("RuntimeError", "oops!")) },
        )
        .method("range(max)", "a list", |max: u64| {
            Ok((0..max).collect::<Vec<_>>())
        })
        .stream("xrange(max)", "a stream", |max: u64| Ok(0..max))
        .stream("iter()", "a stream of 42", || Ok(0..42u64))
        .method("slow()", "three heartbeats long", || {
            std::thread::sleep(TIME_FACTOR * 3);
            Ok(2)
        })
}

fn python(role: &str, endpoint: &str) -> Option<std::process::Command> {
    zerorpc_python()?;
    let mut cmd = peer_command(DIR, Lang::Python, "peers/client_cases.py")?;
    cmd.args([role, endpoint]);
    Some(cmd)
}

fn same(got: &Value, want: &Value) -> Result<(), String> {
    if demo5_msgpack::encode(got) == demo5_msgpack::encode(want) {
        Ok(())
    } else {
        Err(format!("got {got}, want {want}"))
    }
}

fn ints(range: std::ops::Range<i64>) -> Value {
    Value::Array(range.map(Value::from).collect())
}

fn remote(outcome: Result<Value, Error>, name: &str, message: &str) -> Result<(), String> {
    match outcome {
        Err(Error::Remote {
            name: n,
            message: m,
            ..
        }) if n == name && m == message => Ok(()),
        other => Err(format!("expected {name}: {message}, got {other:?}")),
    }
}

/// A call with a v1 header (`v: 1`), on a raw DEALER: protocol 1's `ERR [repr]`.
fn v1_error(endpoint: &str) -> Result<(), String> {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::DEALER).map_err(|e| e.to_string())?;
    socket.set_linger(0).map_err(|e| e.to_string())?;
    socket.connect(endpoint).map_err(|e| e.to_string())?;
    let header = Value::Map(vec![
        ("message_id".into(), Value::Binary(b"v1-call".to_vec())),
        ("v".into(), Value::from(1)),
    ]);
    let call = Value::Array(vec![header, "donotexist".into(), Value::Array(vec![])]);
    socket
        .send_multipart([&b""[..], &demo5_msgpack::encode(&call)], 0)
        .map_err(|e| e.to_string())?;
    loop {
        let frames = common::zmq_util::recv_multipart_timeout(&socket, Duration::from_secs(5))
            .map_err(|e| e.to_string())?
            .ok_or("no answer within 5 s")?;
        let event = Event::decode(frames.last().ok_or("no frames")?).map_err(|e| e.to_string())?;
        if event.name == "_zpc_hb" {
            continue;
        }
        let want = Value::Array(vec!["NameError('donotexist')".into()]);
        return match event.name.as_str() {
            "ERR" => same(&event.args, &want),
            other => Err(format!("{other} {}", event.args)),
        };
    }
}

/// The cases, run by our client; one outcome per case, in [`CASES`] order.
fn rust_cases(endpoint: &str) -> Vec<Result<(), String>> {
    let client = |timeout: Duration| {
        let options = Options {
            timeout,
            heartbeat: TIME_FACTOR,
            ..Options::default()
        };
        Client::connect(endpoint, options).map_err(|e| e.to_string())
    };
    let normal = || client(Duration::from_secs(10));
    let call = |method: &str, args: Vec<Value>| -> Result<Value, String> {
        normal()?.call(method, args).map_err(|e| e.to_string())
    };
    let with = |method: &str, args: Vec<Value>| normal().map(|c| c.call(method, args));
    vec![
        call("lolita", vec![]).and_then(|v| same(&v, &42.into())),
        call("add", vec![1.into(), 4.into()]).and_then(|v| same(&v, &5.into())),
        with("raise_something", vec![42.into()])
            .and_then(|outcome| remote(outcome, "TypeError", "'int' object is not subscriptable")),
        call("raise_something", vec![ints(0..5)]).and_then(|v| same(&v, &4.into())),
        with("raise_error", vec![]).and_then(|o| remote(o, "RuntimeError", "oops!")),
        with("donotexist", vec![]).and_then(|o| remote(o, "NameError", "donotexist")),
        v1_error(endpoint),
        client(TIME_FACTOR * 2).and_then(|c| match c.call("slow", vec![]) {
            Err(Error::Timeout { .. }) => Ok(()),
            other => Err(format!("expected a timeout, got {other:?}")),
        }),
        call("slow", vec![]).and_then(|v| same(&v, &2.into())),
        call("range", vec![10.into()]).and_then(|v| same(&v, &ints(0..10))),
        normal().and_then(|c| match c.request("xrange", vec![10.into()]) {
            Ok(Reply::Stream(stream)) => {
                std::thread::sleep(TIME_FACTOR * 4); // the case itself: a consumer that waits
                let items: Result<Vec<Value>, Error> = stream.collect();
                same(
                    &Value::Array(items.map_err(|e| e.to_string())?),
                    &ints(0..10),
                )
            }
            other => Err(format!("expected a stream, got {other:?}")),
        }),
        call("iter", vec![]).and_then(|v| same(&v, &ints(0..42))),
        normal().and_then(|c| {
            let first: Vec<Value> = match c.request("xrange", vec![500.into()]) {
                Ok(Reply::Stream(stream)) => stream.take(142).collect::<Result<_, _>>(),
                other => return Err(format!("expected a stream, got {other:?}")),
            }
            .map_err(|e| e.to_string())?;
            same(&Value::Array(first), &ints(0..142))?;
            std::thread::sleep(TIME_FACTOR * 3); // dropped: its heartbeats must stop cleanly
            same(
                &c.call("lolita", vec![]).map_err(|e| e.to_string())?,
                &42.into(),
            )
        }),
    ]
}

fn verdict(outcomes: Vec<Result<(), String>>) -> Result<(), String> {
    let failed: Vec<String> = CASES
        .iter()
        .zip(outcomes)
        .filter_map(|(case, o)| o.err().map(|e| format!("{case}: {e}")))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

fn python_cases(endpoint: &str) -> Option<Result<(), String>> {
    let mut cmd = python("client", endpoint)?;
    let lines = match run("Python client cases", &mut cmd, Duration::from_secs(60)).success() {
        Ok(lines) => lines,
        Err(e) => return Some(Err(e)),
    };
    let want: Vec<String> = CASES.iter().map(|c| format!("ok {c}")).collect();
    Some(if lines == want {
        Ok(())
    } else {
        let failed: Vec<&String> = lines.iter().filter(|l| !l.starts_with("ok ")).collect();
        Err(format!("{failed:?} (all: {lines:?})"))
    })
}

#[test]
fn zerorpc_pythons_client_cases_pass_in_every_pair() {
    let mut matrix = Matrix::new(format!(
        "zerorpc-python's client cases ({} each: results, errors, v1, timeout, heartbeats, streams)",
        CASES.len()
    ));
    let ours = InProcess::serve(my_srv(), TIME_FACTOR);
    matrix.record(Lang::Rust, Lang::Rust, verdict(rust_cases(&ours.endpoint)));
    if let Some(outcome) = python_cases(&ours.endpoint) {
        matrix.record(Lang::Python, Lang::Rust, outcome);
    }
    ours.stop();
    let endpoint = ipc_endpoint();
    if let Some(mut cmd) = python("server", &endpoint) {
        let _python = Proc::spawn("Python MySrv", &mut cmd);
        matrix.record(Lang::Rust, Lang::Python, verdict(rust_cases(&endpoint)));
        if let Some(outcome) = python_cases(&endpoint) {
            matrix.record(Lang::Python, Lang::Python, outcome);
        }
    }
    matrix.assert_all_ok();
}
