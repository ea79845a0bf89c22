//! Differential test against the tutorial's own server: a few hundred generated `plus` calls
//! (integers at every MessagePack width and edge, floats, bools, nil, numeric and non-numeric
//! strings as str and as bin, 0–6 of them) sent to `peers/server.php` and to ours, whose reply
//! bytes must be identical. The one difference the README lists: an array or a map inside the
//! parameters, which PHP's `array_sum` skips silently and ours refuses with an error reply.
//!
//! Seeded: `DIFFERENTIAL_SEED=N cargo test -p demo6-rpc-server differential` replays a run.

use std::time::Duration;

use demo5_msgpack::{as_error, decode, Value};
use demo6_rpc_server::Request;
use test_support::{free_endpoint, skip, Lang, Rng};

const DIR: &str = env!("CARGO_MANIFEST_DIR");
const CASES: usize = 300;
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// One parameter: every kind of value PHP's `msgpack_unpack` turns into something `array_sum`
/// counts, with their edge values; now and then an array or a map (the listed difference).
fn any_parameter(rng: &mut Rng) -> Value {
    const STRINGS: [&str; 24] = [
        "3",
        " 3",
        "3 ",
        "\n4\t",
        "+7",
        "-0",
        "00012",
        "1.5",
        ".5",
        "5.",
        "1e3",
        "-.5e-3",
        "1e400",
        "3 apples",
        "12e",
        "1.x",
        "0x1A",
        "1_000",
        "x",
        "",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "12345678901234567890",
    ];
    const INTS: [i64; 16] = [
        0,
        1,
        -1,
        31,
        -32,
        -33,
        127,
        128,
        255,
        256,
        65_535,
        65_536,
        2_147_483_648,
        4_611_686_018_427_387_904,
        i64::MAX,
        i64::MIN,
    ];
    const FLOATS: [f64; 10] = [
        1.5, 0.25, -0.0, 0.1, 2.5, -7.75, 1e308, -1e308, 1e-300, 4.6e18,
    ];
    match rng.below(40) {
        0..=4 => Value::from(rng.pick(&INTS)),
        5 => Value::from(rng.below(300) as i64 - 100),
        6 => Value::from(u64::MAX - rng.below(3) as u64),
        7 => Value::from(1u64 << 63),
        8..=10 => Value::F64(rng.pick(&FLOATS)),
        11 => Value::F32(1.5),
        12 => Value::from(rng.below(2) == 1),
        13 => Value::Nil,
        14..=16 => Value::from(rng.pick(&STRINGS)),
        17 => Value::Binary(rng.pick(&STRINGS).as_bytes().to_vec()),
        18..=37 => Value::from(rng.pick(&INTS).wrapping_add(rng.below(3) as i64 - 1)),
        38 => Value::Array(vec![Value::from(1)]),
        _ => Value::Map(vec![(Value::from("a"), Value::from(1))]),
    }
}

fn nested(value: &Value) -> bool {
    matches!(value, Value::Array(_) | Value::Map(_))
}

/// A connected REQ socket and the server process behind it.
struct Server {
    _process: test_support::Proc,
    socket: zmq::Socket,
    name: &'static str,
}

impl Server {
    fn start(context: &zmq::Context, lang: Lang, name: &'static str) -> Option<Server> {
        let endpoint = free_endpoint();
        let process = test_support::zmq_server(
            lang,
            env!("CARGO_BIN_EXE_demo6-server"),
            DIR,
            "peers/server.php",
            &endpoint,
        )?;
        let socket = context.socket(zmq::REQ).expect("a REQ socket");
        socket.set_linger(0).expect("linger");
        socket.connect(&endpoint).expect("connect to the server");
        Some(Server {
            _process: process,
            socket,
            name,
        })
    }

    fn call(&self, request: &[u8]) -> Vec<u8> {
        self.socket.send(request, 0).expect("send");
        common::zmq_util::recv_timeout(&self.socket, REPLY_TIMEOUT)
            .expect("receive")
            .unwrap_or_else(|| panic!("{} server: no reply to {}", self.name, hex(request)))
    }
}

#[test]
fn plus_answers_what_the_php_server_answers() {
    let context = zmq::Context::new();
    let Some(php) = Server::start(&context, Lang::Php, "PHP") else {
        return skip("php missing: the differential test needs peers/server.php");
    };
    let ours = Server::start(&context, Lang::Rust, "Rust").expect("our server starts");
    let (mut rng, seed) = Rng::from_env(6);
    let (mut identical, mut listed, mut broken) = (0, 0, Vec::new());
    for _ in 0..CASES {
        let parameters: Vec<Value> = (0..rng.below(7)).map(|_| any_parameter(&mut rng)).collect();
        let request = Request::new("plus", parameters.clone());
        let bytes = request.to_bytes();
        let (from_php, from_ours) = (php.call(&bytes), ours.call(&bytes));
        if from_php == from_ours {
            identical += 1;
            continue;
        }
        let ours_decoded = decode(&from_ours).expect("our reply is MessagePack");
        let refused = as_error(&ours_decoded)
            .is_some_and(|e| e.starts_with("bad parameters for `plus`: invalid type"));
        if parameters.iter().any(nested) && refused {
            listed += 1; // PHP skips the array or map; we refuse it (the README says so)
            continue;
        }
        broken.push(format!(
            "{}: PHP {} ({}), ours {} ({})",
            request.display_call(),
            hex(&from_php),
            decode(&from_php).map_or("?".to_string(), |v| v.to_string()),
            hex(&from_ours),
            ours_decoded,
        ));
    }
    eprintln!(
        "demo6 differential (seed {seed}): {identical} of {CASES} identical, {listed} nested \
         (listed difference), {} broken",
        broken.len()
    );
    assert!(
        broken.is_empty(),
        "seed {seed}: {} of {CASES} calls answered differently:\n{}",
        broken.len(),
        broken.join("\n")
    );
    assert!(
        identical >= CASES * 3 / 4,
        "only {identical} identical: the generator is off"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
