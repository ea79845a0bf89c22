//! Shared by the test modules: the section's server in-process or as a process (Rust or the
//! real zerorpc-python), the interop checks our Rust client runs, and the Python client's.

use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use test_support::{peer_command, python, run, skip, Lang, Proc, ServerThread};
use zerorpc_framework::client::{Error, Options};
use zerorpc_framework::{app, Client, Value};

pub const DIR: &str = env!("CARGO_MANIFEST_DIR");
/// The name each server answers `_zerorpc_name` with.
pub fn server_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Python => "peers/server.py",
        _ => app::NAME,
    }
}

/// The project's Python, if it imports the real `zerorpc`; else skips (a failure under
/// REQUIRE_PEERS=1).
pub fn zerorpc_python() -> Option<std::path::PathBuf> {
    let found = python().filter(|p| {
        Command::new(p)
            .args(["-c", "import zerorpc"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        skip("the Python zerorpc package is missing from the venv");
    }
    found
}

/// A console that tests can read: the lines the server printed so far.
#[derive(Clone, Default)]
pub struct Console(Arc<Mutex<Vec<u8>>>);

impl Console {
    pub fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Write for Console {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The section's server on a thread, bound to an ephemeral port.
pub struct InProcess {
    pub endpoint: String,
    pub console: Console,
    thread: ServerThread<Result<(), zmq::Error>>,
}

impl InProcess {
    pub fn start(heartbeat: Duration, access_key: Option<&str>) -> InProcess {
        InProcess::serve(app::server(access_key.map(str::to_string)), heartbeat)
    }

    /// Any server on a thread (the section's, or a test's own methods).
    pub fn serve(server: zerorpc_framework::Server, heartbeat: Duration) -> InProcess {
        let console = Console::default();
        let context = zmq::Context::new();
        let bound = server
            .heartbeat(heartbeat)
            .console(console.clone())
            .bind(&context, "tcp://127.0.0.1:*")
            .expect("bind an ephemeral port");
        let endpoint = bound.endpoint().to_string();
        let thread = ServerThread::spawn("zerorpc-server", move |stop| {
            let result = bound.run(&stop);
            drop(context);
            result
        });
        InProcess {
            endpoint,
            console,
            thread,
        }
    }

    pub fn stop(self) -> Vec<String> {
        self.thread
            .stop()
            .expect("the server loop ends without error");
        self.console.lines()
    }
}

/// The server of `lang` as a process on `endpoint` (`None` after a skip).
pub fn server_process(lang: Lang, endpoint: &str, extra: &[&str]) -> Option<Proc> {
    if lang == Lang::Python {
        zerorpc_python()?;
    }
    let mut cmd = test_support::implementation(
        lang,
        env!("CARGO_BIN_EXE_zerorpc-server"),
        DIR,
        "peers/server.py",
    )?;
    match lang {
        Lang::Rust => cmd.args(["--bind", endpoint]).args(extra),
        _ => cmd.env("ZMQ_ENDPOINT", endpoint),
    };
    Some(Proc::spawn(format!("{lang} server"), &mut cmd))
}

/// The Python client peer with `args`, pointed at `endpoint` (`None` after a skip).
pub fn python_client(endpoint: &str, args: &[&str]) -> Option<Command> {
    zerorpc_python()?;
    let mut cmd = peer_command(DIR, Lang::Python, "peers/client.py")?;
    cmd.env("ZMQ_ENDPOINT", endpoint).args(args);
    Some(cmd)
}

/// The names of the checks both clients run, in order.
pub const CHECKS: [&str; 17] = [
    "add",
    "plus",
    "hello",
    "echo int",
    "echo float",
    "echo str",
    "echo bin",
    "echo nil",
    "echo nested",
    "error",
    "unknown method",
    "stream 1000",
    "50 concurrent",
    "ping",
    "name",
    "list",
    "inspect",
];

/// The checks, run by the real Python client: every check must print `ok NAME`.
pub fn python_suite(endpoint: &str, server: Lang) -> Option<Result<(), String>> {
    let mut args = vec!["--suite", server_name(server)];
    if server == Lang::Python {
        args.push("--inspect-broken");
    }
    let mut cmd = python_client(endpoint, &args)?;
    let lines = match run("Python client", &mut cmd, Duration::from_secs(60)).success() {
        Ok(lines) => lines,
        Err(e) => return Some(Err(e)),
    };
    let want: Vec<String> = CHECKS.iter().map(|c| format!("ok {c}")).collect();
    Some(if lines == want {
        Ok(())
    } else {
        Err(format!("expected {want:?}, got {lines:?}"))
    })
}

/// Exact equality, types included (an i64 1 is not an f64 1.0, a bin is not a str).
fn same(got: &Value, want: &Value) -> Result<(), String> {
    let bytes = |v: &Value| demo5_msgpack::encode(v);
    if bytes(got) == bytes(want) {
        Ok(())
    } else {
        Err(format!("got {got}, want {want}"))
    }
}

fn remote(outcome: Result<Value, Error>, name: &str, message: &str) -> Result<(), String> {
    match outcome {
        Err(Error::Remote {
            name: n,
            message: m,
            ..
        }) if n == name && m == message => Ok(()),
        other => Err(format!("expected ERR {name}: {message}, got {other:?}")),
    }
}

/// The same checks as peers/client.py, run by our Rust client; all failures listed.
pub fn rust_suite(endpoint: &str, server: Lang) -> Result<(), String> {
    let client = Client::connect(endpoint, Options::default()).map_err(|e| e.to_string())?;
    let call = |m: &str, args: Vec<Value>| client.call(m, args).map_err(|e| e.to_string());
    let int = |i: i64| Value::from(i);
    let mut failures = Vec::new();
    let mut check = |name: &str, outcome: Result<(), String>| {
        if let Err(e) = outcome {
            failures.push(format!("{name}: {e}"));
        }
    };
    check(
        "add",
        attempt(|| {
            same(&call("add", vec![int(2), int(3)])?, &int(5))?;
            same(
                &call("add", vec![0.5.into(), 0.25.into()])?,
                &Value::from(0.75),
            )
        }),
    );
    let numbers: Vec<Value> = [1, 2, 2, 3, 3, 4, 2, 3, -1].into_iter().map(int).collect();
    check(
        "plus",
        attempt(|| same(&call("plus", vec![Value::Array(numbers)])?, &int(19))),
    );
    check(
        "hello",
        attempt(|| same(&call("hello", vec!["Ada".into()])?, &"Hello, Ada!".into())),
    );
    let nested = Value::Array(vec![
        int(1),
        Value::Array(vec![Value::Binary(b"x".to_vec()), "y".into(), Value::Nil]),
        Value::Map(vec![(
            "a".into(),
            Value::Map(vec![(
                "b".into(),
                Value::Array(vec![2.5.into(), true.into()]),
            )]),
        )]),
    ]);
    let values: [(&str, Vec<Value>); 6] = [
        (
            "echo int",
            vec![
                int(0),
                int(-1),
                int(i64::MAX),
                int(i64::MIN),
                Value::from(u64::MAX),
            ],
        ),
        ("echo float", vec![0.5.into(), (-1e300).into()]),
        ("echo str", vec!["".into(), "héllo ✓".into()]),
        (
            "echo bin",
            vec![Value::Binary(vec![]), Value::Binary(vec![0, 0xff, 0x80])],
        ),
        ("echo nil", vec![Value::Nil]),
        ("echo nested", vec![nested]),
    ];
    for (name, xs) in values {
        check(
            name,
            attempt(|| {
                xs.iter()
                    .try_for_each(|x| same(&call("echo", vec![x.clone()])?, x))
            }),
        );
    }
    check(
        "error",
        remote(
            client.call("fail", vec!["boom".into()]),
            "ValueError",
            "boom",
        ),
    );
    check(
        "unknown method",
        remote(client.call("nosuch", vec![int(1)]), "NameError", "nosuch"),
    );
    check(
        "stream 1000",
        attempt(|| {
            let want = Value::Array((0..1000).map(int).collect());
            same(&call("count", vec![int(1000)])?, &want)
        }),
    );
    check(
        "50 concurrent",
        attempt(|| {
            let started = Instant::now();
            let client = &client;
            let results: Vec<Result<Value, String>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..50)
                    .map(|i| s.spawn(move || client.call("sleep", vec![int(1)]).map(|v| (i, v))))
                    .chain((0..50).map(|i| {
                        s.spawn(move || client.call("add", vec![int(i), int(i)]).map(|v| (i, v)))
                    }))
                    .collect();
                handles
                    .into_iter()
                    .enumerate()
                    .map(|(n, h)| match h.join().expect("a call thread") {
                        Ok((i, v)) if n < 50 => same(&v, &int(1))
                            .map(|_| v)
                            .map_err(|e| format!("sleep {i}: {e}")),
                        Ok((i, v)) => same(&v, &int(2 * i)).map(|_| v),
                        Err(e) => Err(e.to_string()),
                    })
                    .collect()
            });
            results.into_iter().collect::<Result<Vec<_>, _>>()?;
            let took = started.elapsed();
            if took > Duration::from_secs(10) {
                return Err(format!("50 concurrent 1 s sleeps took {took:?}"));
            }
            Ok(())
        }),
    );
    let name = server_name(server);
    check(
        "ping",
        attempt(|| {
            same(
                &call("_zerorpc_ping", vec![])?,
                &Value::Array(vec!["pong".into(), name.into()]),
            )
        }),
    );
    check(
        "name",
        attempt(|| same(&call("_zerorpc_name", vec![])?, &name.into())),
    );
    check(
        "list",
        attempt(|| {
            let Value::Array(mut names) = call("_zerorpc_list", vec![])? else {
                return Err("not a list".into());
            };
            names.sort_by_key(|n| n.to_string());
            let want = ["add", "count", "echo", "fail", "hello", "plus", "sleep"];
            same(
                &Value::Array(names),
                &Value::Array(want.into_iter().map(Value::from).collect()),
            )
        }),
    );
    check(
        "inspect",
        match (server, client.inspect()) {
            (Lang::Python, Err(Error::Remote { name, message, .. }))
                if name == "AttributeError" && message.contains("getargspec") =>
            {
                Ok(())
            }
            (Lang::Python, other) => Err(format!(
                "expected the known getargspec breakage, got {other:?}"
            )),
            (_, Ok(inspect)) => {
                let add = format!("{inspect}");
                if add.contains(r#""add": {"args": [{"name": "a"}, {"name": "b"}]"#) {
                    Ok(())
                } else {
                    Err(format!("no add(a, b) in {add}"))
                }
            }
            (_, Err(e)) => Err(e.to_string()),
        },
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// Runs one check's body (a closure, so that `?` can end it early).
fn attempt(body: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    body()
}
