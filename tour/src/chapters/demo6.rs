//! Chapter demo6 — a tiny RPC framework: a MessagePack map names a function, the server calls it.

use common::zmq_util::bind_ephemeral;
use demo5_msgpack::{as_error, decode, Value};
use demo6_rpc_server::Request;
use test_support::ServerThread;

use super::demo5::{call, show_msgpack};
use super::{stop, Chapter, Dump};
use crate::narrator::Narrator;

pub const CHAPTER: Chapter = Chapter {
    name: "demo6",
    number: "6",
    krate: "demo6-rpc-server",
    title: "a tiny RPC framework (MessagePack calls over request/reply)",
    needs: &[],
    optional: &[],
    run,
};

/// The diagram's two lifelines.
const PAIR: (&str, &str) = ("demo6-client", "demo6-server");

/// [`call`] under another name, where a local variable is called `call`.
fn call_drawn(
    n: &mut Narrator,
    client: &zmq::Socket,
    what: &str,
    request: &[u8],
) -> anyhow::Result<Vec<u8>> {
    call(n, client, PAIR, Some(what), request)
}

/// The tutorial's call as the chapter shows it: a MessagePack map, one frame.
pub(super) fn request_dump() -> Dump {
    Dump::new(
        "the request: a map with two string keys",
        Request::tutorial().to_bytes(),
    )
}

fn run(n: &mut Narrator) -> anyhow::Result<()> {
    n.say(
        "Section 5 sent data. Let the data name a function and its arguments, and let the server\n\
         call it: that is remote procedure call. The request is a MessagePack map\n\
         {\"function_name\": …, \"parameters\": […]}; the reply is the bare result.",
    );

    n.participants(&[PAIR.0, PAIR.1]);
    let context = zmq::Context::new();
    let server_socket = context.socket(zmq::REP)?;
    let endpoint = bind_ephemeral(&server_socket)?;
    let router = demo6_rpc_server::functions::router();
    n.step(&format!(
        "demo6-server binds {endpoint} with a route table of {} functions: {}",
        router.names().len(),
        router.names().join(", ")
    ));
    let mut console = n.console_writer("demo6-server");
    let server = ServerThread::spawn("demo6-server", move |shutdown| {
        if let Err(e) = demo6_rpc_server::serve(&server_socket, &router, &mut console, &shutdown) {
            eprintln!("demo6-server stopped: {e}");
        }
    });
    let client = context.socket(zmq::REQ)?;
    client.set_linger(0)?;
    client.connect(&endpoint)?;

    n.step("demo6-client makes the tutorial's call: plus(1, 2, 2, 3, 3, 4, 2, 3, -1)");
    let Dump {
        caption,
        bytes: request,
    } = request_dump();
    show_msgpack(n, &caption, &request);
    let reply = call(
        n,
        &client,
        PAIR,
        Some(&Request::tutorial().display_call()),
        &request,
    )?;
    show_msgpack(n, "the reply: the bare result", &reply);
    let result = decode(&reply)?;
    n.console("demo6-client", &demo6_rpc_server::display_value(&result));
    anyhow::ensure!(result == Value::from(19), "expected 19, got {result}");

    n.question("Why a map, when rmp-serde can write the same struct more compactly?");
    let as_array = Request::tutorial().to_array_bytes();
    show_msgpack(
        n,
        "rmp_serde::to_vec(&request): a struct becomes an ARRAY of its fields",
        &as_array,
    );
    let reply = decode(&call(
        n,
        &client,
        PAIR,
        Some("plus(…) as an array"),
        &as_array,
    )?)?;
    n.answer(&format!(
        "The field names are gone, so a Python or PHP peer cannot read it; the protocol says map.\n\
         Our Request uses rmp_serde::to_vec_named. Sent the array anyway, the server answers:\n\
         {reply}"
    ));

    n.step("the route table converts parameters to typed Rust arguments through serde");
    let calls = [
        Request::new("divide", vec![Value::from(7), Value::from(2)]),
        Request::new("hello", vec![Value::from("Ada")]),
        Request::new(
            "stats",
            vec![Value::from(1), Value::from(2), Value::from(6)],
        ),
    ];
    for call in &calls {
        let reply = call_drawn(n, &client, &call.display_call(), &call.to_bytes())?;
        show_msgpack(n, &format!("reply to {}", call.display_call()), &reply);
    }
    n.say(
        "divide takes (f64, f64) and accepts integers; stats returns a Rust struct, which goes\n\
         on the wire as a map of its field names.",
    );

    n.question("What happens on a bad call? (The tutorial's PHP server crashes.)");
    let bad_calls: [(&str, Vec<u8>); 5] = [
        (
            "an unknown function",
            Request::new("minus", vec![Value::from(3), Value::from(1)]).to_bytes(),
        ),
        (
            "a parameter plus cannot add (an array; PHP's array_sum would skip it silently)",
            Request::new(
                "plus",
                vec![Value::from(1), Value::Array(vec![Value::from(2)])],
            )
            .to_bytes(),
        ),
        (
            "the wrong number of parameters",
            Request::new("divide", vec![Value::from(1)]).to_bytes(),
        ),
        (
            "a call the function itself refuses",
            Request::new("divide", vec![Value::from(1), Value::from(0)]).to_bytes(),
        ),
        (
            "the text `plus 1 2` (its first byte, 'p' = 0x70, is the MessagePack integer 112)",
            b"plus 1 2".to_vec(),
        ),
    ];
    for (what, bytes) in bad_calls {
        n.step(&format!("a client sends {what}"));
        let reply = decode(&call(n, &client, PAIR, Some(what), &bytes)?)?;
        let error =
            as_error(&reply).ok_or_else(|| anyhow::anyhow!("expected an error, got {reply}"))?;
        n.console("demo6-client", &format!("error: {error}"));
    }
    let again = decode(&call(
        n,
        &client,
        PAIR,
        Some(&Request::tutorial().display_call()),
        &request,
    )?)?;
    anyhow::ensure!(again == Value::from(19), "the server stopped answering");
    n.answer(
        "Each failure comes back as {\"error\": \"<what went wrong>\"} (demo6-client prints it on\n\
         stderr and exits with status 1), and the tutorial's call still returns 19 afterwards.\n\
         One catch of this simple protocol: a function whose *result* is a map {\"error\": …}\n\
         looks like a failure. JSON-RPC (section 9) keeps `result` and `error` apart.",
    );
    stop(server)
}
