//! Differential test against the tutorial's own server: a few hundred generated requests
//! (`add`, `subtract`, `multiply`, `divide` and an unknown method, 0–3 parameters of every
//! XML-RPC type with edge values, now and then inside a `system.multicall`) sent as the same
//! bytes to `peers/server.py` and to ours. The answers must be identical: the same result
//! value, or the same fault code and string. The one difference the README lists: a `multiply`
//! that repeats a string or array past the request size limit (a `MemoryError` fault here;
//! Python tries, and may run out of memory), so those are sent to ours only.
//!
//! Seeded: `DIFFERENTIAL_SEED=N cargo test -p xmlrpc-calc differential` replays a run.

use std::net::SocketAddr;
use std::time::Duration;

use dxr::{FaultResponse, MethodResponse, Value};
use test_support::{skip, Rng};
use xmlrpc_calc::post_raw;

use crate::support::{python_server, rust_server};

const CASES: usize = 400;
const TIMEOUT: Duration = Duration::from_secs(20);

/// One parameter as XML; whether it is an int big enough to make a repetition huge; whether
/// it is a non-empty string or array (something such an int would repeat).
fn any_value(rng: &mut Rng, depth: usize) -> (String, bool, bool) {
    const INTS: [i64; 14] = [
        0,
        1,
        -1,
        2,
        3,
        7,
        -7,
        46_341,
        65_536,
        -65_536,
        i32::MAX as i64,
        i32::MIN as i64,
        1 << 31,
        -(1 << 40),
    ];
    const DOUBLES: [&str; 12] = [
        "0.5", "0.25", "7.5", "-0.0", "2.0", "-3.5", "1e308", "1e-300", "1e16", "0.1", "3",
        "-2.5e-3",
    ];
    const STRINGS: [&str; 7] = ["a", "", "ab", "7", "h\u{e9}llo", "&lt;&amp;&gt;", " x "];
    let kinds = if depth > 1 { 13 } else { 15 };
    match rng.below(kinds) {
        0..=2 => {
            let n = rng.pick(&INTS);
            let tag = match (i32::try_from(n).is_ok(), rng.below(3)) {
                (false, _) => "i8",
                (true, 0) => "i4",
                (true, 1) => "i8",
                _ => "int",
            };
            (
                format!("<value><{tag}>{n}</{tag}></value>"),
                n >= i64::from(i32::MAX),
                false,
            )
        }
        3 | 4 => {
            let n = rng.below(21) as i64 - 10;
            (format!("<value><int>{n}</int></value>"), false, false)
        }
        5 | 6 => {
            let xml = format!("<value><double>{}</double></value>", rng.pick(&DOUBLES));
            (xml, false, false)
        }
        7 => {
            let xml = format!("<value><boolean>{}</boolean></value>", rng.below(2));
            (xml, false, false)
        }
        8 | 9 => {
            let text = rng.pick(&STRINGS);
            let xml = match rng.below(2) {
                0 => format!("<value><string>{text}</string></value>"),
                _ => format!("<value>{text}</value>"), // no type: a string
            };
            (xml, false, !text.is_empty())
        }
        10 => (
            "<value><base64>YWI=</base64></value>".to_string(),
            false,
            false,
        ),
        11 => (
            "<value><dateTime.iso8601>20261202T07:30:00</dateTime.iso8601></value>".to_string(),
            false,
            false,
        ),
        12 => ("<value><nil/></value>".to_string(), false, false),
        13 => {
            let items: Vec<String> = (0..rng.below(3))
                .map(|_| any_value(rng, depth + 1).0)
                .collect();
            let xml = format!(
                "<value><array><data>{}</data></array></value>",
                items.concat()
            );
            (xml, false, !items.is_empty())
        }
        _ => {
            let (inner, _, _) = any_value(rng, depth + 1);
            let xml =
                format!("<value><struct><member><name>k</name>{inner}</member></struct></value>");
            (xml, false, false)
        }
    }
}

/// A call: method name, the parameters' XML, and whether Python would be asked to build a
/// huge repetition (a non-empty string or array times a big int).
fn any_call(rng: &mut Rng) -> (String, Vec<String>, bool) {
    let method = rng.pick(&["add", "subtract", "multiply", "divide", "add", "power"]);
    let arity = rng.pick(&[2, 2, 2, 2, 2, 0, 1, 3]);
    let params: Vec<(String, bool, bool)> = (0..arity).map(|_| any_value(rng, 0)).collect();
    let huge = method == "multiply"
        && params.len() == 2
        && ((params[0].1 && params[1].2) || (params[1].1 && params[0].2));
    (
        method.to_string(),
        params.into_iter().map(|(x, _, _)| x).collect(),
        huge,
    )
}

fn params_xml(params: &[String]) -> String {
    let params: Vec<String> = params
        .iter()
        .map(|p| format!("<param>{p}</param>"))
        .collect();
    format!("<params>{}</params>", params.concat())
}

fn method_call(name: &str, params: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>{name}</methodName>{}</methodCall>",
        params_xml(params)
    )
}

fn multicall(calls: &[(String, Vec<String>)]) -> String {
    let entries: Vec<String> = calls
        .iter()
        .map(|(name, params)| {
            let values: Vec<&str> = params.iter().map(String::as_str).collect();
            format!(
                "<value><struct><member><name>methodName</name><value><string>{name}</string>\
                 </value></member><member><name>params</name><value><array><data>{}</data>\
                 </array></value></member></struct></value>",
                values.concat()
            )
        })
        .collect();
    let list = format!(
        "<value><array><data>{}</data></array></value>",
        entries.concat()
    );
    method_call("system.multicall", &[list])
}

/// An answer in a form that compares across servers: the result value (doubles by their bits,
/// so `nan` equals `nan`), or the fault's code and string.
#[derive(Debug, PartialEq)]
enum Answer {
    Result(String),
    Fault(i32, String),
}

fn canonical(value: &Value) -> String {
    match value {
        Value::Double(x) if x.is_nan() => "double(nan)".to_string(),
        Value::Double(x) => format!("double({:016x})", x.to_bits()),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Struct(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{k:?}: {}", canonical(v)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn answer(addr: SocketAddr, body: &str) -> Answer {
    let reply = post_raw(addr, "/", body.as_bytes(), TIMEOUT)
        .unwrap_or_else(|e| panic!("no answer from {addr} to {body}: {e}"));
    // Python writes base64 on several lines; dxr wants it on one.
    let xml = strip_base64_newlines(&reply.body);
    if let Ok(response) = MethodResponse::from_xml(&xml) {
        return Answer::Result(canonical(&response.value));
    }
    match FaultResponse::from_xml(&xml) {
        Ok(fault) => {
            let fault = fault.fault;
            Answer::Fault(fault.code(), fault.string().to_string())
        }
        Err(error) => panic!(
            "{addr}: neither a result nor a fault ({error}): {}",
            reply.body
        ),
    }
}

fn strip_base64_newlines(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find("<base64>") {
        let (head, tail) = rest.split_at(start + "<base64>".len());
        out.push_str(head);
        let end = tail.find("</base64>").unwrap_or(tail.len());
        out.extend(tail[..end].chars().filter(|c| !c.is_whitespace()));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn addr_of(url: &str) -> SocketAddr {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    host.parse().expect("a 127.0.0.1:port URL")
}

#[test]
fn the_calculator_answers_what_the_python_server_answers() {
    let Some((_python, python_url)) = python_server() else {
        return skip("python missing: the differential test needs peers/server.py");
    };
    let (_ours, our_url) = rust_server(&[]);
    let (python, ours) = (addr_of(&python_url), addr_of(&our_url));
    let (mut rng, seed) = Rng::from_env(8);
    let (mut identical, mut refused_repeats, mut broken) = (0, 0, Vec::new());
    for _ in 0..CASES {
        let (body, huge) = if rng.below(8) == 0 {
            let calls: Vec<(String, Vec<String>, bool)> =
                (0..1 + rng.below(3)).map(|_| any_call(&mut rng)).collect();
            let huge = calls.iter().any(|c| c.2);
            let calls: Vec<(String, Vec<String>)> =
                calls.into_iter().map(|(n, p, _)| (n, p)).collect();
            (multicall(&calls), huge)
        } else {
            let (name, params, huge) = any_call(&mut rng);
            (method_call(&name, &params), huge)
        };
        let from_ours = answer(ours, &body);
        if huge {
            // The listed difference: refused here, not sent to Python (which may run out of
            // memory). Inside a multicall the fault is in the entry's place.
            let refused = |text: &str| text.contains("<class 'MemoryError'>");
            match &from_ours {
                Answer::Fault(1, text) if refused(text) => refused_repeats += 1,
                Answer::Result(r) if r.contains("MemoryError") => refused_repeats += 1,
                other => broken.push(format!(
                    "{body}\n  ours: {other:?} (expected a MemoryError)"
                )),
            }
            continue;
        }
        let from_python = answer(python, &body);
        if from_python == from_ours {
            identical += 1;
        } else {
            broken.push(format!(
                "{body}\n  Python: {from_python:?}\n  ours:   {from_ours:?}"
            ));
        }
    }
    eprintln!(
        "xmlrpc differential (seed {seed}): {identical} of {CASES} identical, {refused_repeats} \
         huge repetitions refused (listed difference), {} broken",
        broken.len()
    );
    assert!(
        broken.is_empty(),
        "seed {seed}: {} of {CASES} requests answered differently:\n{}",
        broken.len(),
        broken.join("\n")
    );
    assert!(
        identical >= CASES * 3 / 4,
        "only {identical} identical: the generator is off"
    );
}
