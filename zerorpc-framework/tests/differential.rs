//! The differential test of issue "numbers as the tutorial's languages have them": a few
//! hundred generated calls of `add`, `plus` and `echo` (every MessagePack type, 0–3 arguments,
//! edge values) sent by our client to our server and to zerorpc-python serving the same
//! methods (`peers/server.py`). The answers must be the same — the value as MessagePack bytes,
//! or the error's name and message — except the differences [`known_difference`] lists (the
//! README lists the same). Seeded: `DIFFERENTIAL_SEED=n` replays a run.

use std::time::Duration;

use test_support::{free_endpoint, Lang};
use zerorpc_framework::client::{Error, Options};
use zerorpc_framework::{Client, Value};

use crate::support::{server_process, InProcess};

/// How many calls, and the seed when `DIFFERENTIAL_SEED` is not set.
const CALLS: usize = 400;
const SEED: u64 = 0x6_5EED;

/// splitmix64: a seeded generator in five lines (no `rand` dependency for one test).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

/// The edge integers: the ends of each MessagePack int format, and sums that leave u64.
const INTS: [i128; 18] = [
    0,
    1,
    -1,
    127,
    128,
    -32,
    -33,
    255,
    65_535,
    4_294_967_296,
    i64::MAX as i128,
    i64::MIN as i128,
    1 << 62,
    1 << 63,
    u64::MAX as i128,
    -(1 << 62),
    7,
    -3,
];

fn int(i: i128) -> Value {
    match u64::try_from(i) {
        Ok(u) => Value::from(u),
        Err(_) => Value::from(i64::try_from(i).expect("INTS are within i64..=u64")),
    }
}

/// A value of any MessagePack type Python's `msgpack.Unpacker(raw=False)` accepts: no
/// invalid UTF-8, map keys str or bin (its `strict_map_key`), no ext -1 (a timestamp).
fn value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth == 0 { 9 } else { 11 };
    match rng.below(kinds) {
        0 => Value::Nil,
        1 => Value::from(rng.below(2) == 1),
        2 | 3 => int(rng.pick(&INTS)),
        4 => Value::from(rng.pick(&[0.5, -0.0, 1.5, 1e308, -2.5e-3, f64::INFINITY, 3.0])),
        5 => Value::F32(rng.pick(&[0.25f32, -1.5])),
        6 => Value::from(rng.pick(&["", "a", "héllo", "3"])),
        7 => Value::Binary(rng.pick(&[vec![], vec![0, 255], b"ab".to_vec()])),
        8 => Value::Ext(rng.pick(&[1i8, 5]), rng.pick(&[vec![], vec![7]])),
        9 => {
            let n = rng.below(5);
            Value::Array((0..n).map(|_| value(rng, depth - 1)).collect())
        }
        _ => {
            // Distinct keys: a map with a key twice is not well-formed MessagePack (Python
            // keeps the last, we keep both).
            let keys = [
                Value::from("k"),
                Value::from("x"),
                Value::Binary(b"b".to_vec()),
            ];
            let n = rng.below(3);
            let first = rng.below(keys.len());
            let keys = (0..n).map(|i| keys[(first + i) % keys.len()].clone());
            Value::Map(keys.map(|k| (k, value(rng, depth - 1))).collect())
        }
    }
}

/// A list of numbers (ints, floats, bools; now and then something else), for `plus`.
fn numbers(rng: &mut Rng) -> Value {
    let n = rng.below(6);
    Value::Array(
        (0..n)
            .map(|_| match rng.below(8) {
                0..=3 => int(rng.pick(&INTS)),
                4 | 5 => Value::from(rng.pick(&[0.5, 1.5, -2.25, 1e308])),
                6 => Value::from(rng.below(2) == 1),
                _ => value(rng, 0),
            })
            .collect(),
    )
}

/// One generated call: its method and 0–3 arguments, mostly the right count.
fn call(rng: &mut Rng) -> (&'static str, Vec<Value>) {
    let method = rng.pick(&["add", "add", "add", "plus", "plus", "echo"]);
    let arity = match method {
        "add" => 2,
        _ => 1,
    };
    let count = if rng.below(8) == 0 {
        rng.below(4)
    } else {
        arity
    };
    let args = (0..count)
        .map(|_| match (method, rng.below(3)) {
            ("plus", 0 | 1) => numbers(rng),
            ("add", 0) => int(rng.pick(&INTS)),
            _ => value(rng, 2),
        })
        .collect();
    (method, args)
}

/// What a server answered: the value's MessagePack bytes, or the error's name and message.
#[derive(Debug, PartialEq)]
enum Answer {
    Value(Vec<u8>),
    Error(String, String),
    Other(String),
}

fn answer(client: &Client, method: &str, args: &[Value]) -> Answer {
    match client.call(method, args.to_vec()) {
        Ok(v) => Answer::Value(demo5_msgpack::encode(&v)),
        Err(Error::Remote { name, message, .. }) => Answer::Error(name, message),
        Err(e) => Answer::Other(e.to_string()),
    }
}

fn contains(value: &Value, found: &dyn Fn(&Value) -> bool) -> bool {
    found(value)
        || match value {
            Value::Array(items) => items.iter().any(|v| contains(v, found)),
            Value::Map(entries) => entries
                .iter()
                .any(|(k, v)| contains(k, found) || contains(v, found)),
            _ => false,
        }
}

/// The differences the README lists, each with its reason; `None` for a call whose answers
/// must be the same.
fn known_difference(method: &str, args: &[Value]) -> Option<&'static str> {
    let f32 = |v: &Value| matches!(v, Value::F32(_));
    if matches!(method, "echo" | "add") && args.iter().any(|a| contains(a, &f32)) {
        return Some("an f32 handed back (echo, a list + list): Python has one float, a float64");
    }
    None
}

#[test]
fn add_plus_and_echo_answer_as_zerorpc_python_does() {
    let seed = std::env::var("DIFFERENTIAL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let endpoint = free_endpoint();
    let Some(_python) = server_process(Lang::Python, &endpoint, &[]) else {
        return;
    };
    let ours = InProcess::start(Duration::from_secs(5), None);
    let options = || Options {
        timeout: Duration::from_secs(10),
        ..Options::default()
    };
    let rust = Client::connect(&ours.endpoint, options()).expect("connect to our server");
    let python = Client::connect(&endpoint, options()).expect("connect to peers/server.py");

    let mut rng = Rng(seed);
    let (mut same, mut listed, mut different) = (0, 0, Vec::new());
    for n in 0..CALLS {
        let (method, args) = call(&mut rng);
        let (r, p) = (answer(&rust, method, &args), answer(&python, method, &args));
        let shown = zerorpc_framework::console::display_call(method, &args);
        match (r == p, known_difference(method, &args)) {
            (true, _) => same += 1,
            (false, Some(_)) => listed += 1,
            (false, None) => different.push(format!("#{n} {shown}: ours {r:?}, Python {p:?}")),
        }
    }
    drop((rust, python));
    ours.stop();
    eprintln!(
        "differential (seed {seed}): {same} of {CALLS} answered alike, {listed} listed \
         differences, {} unlisted",
        different.len()
    );
    assert!(
        different.is_empty(),
        "{} of {CALLS} calls answered differently (seed {seed}):\n{}",
        different.len(),
        different.join("\n")
    );
}
