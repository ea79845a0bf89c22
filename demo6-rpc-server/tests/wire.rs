//! Byte-level checks of section 6's wire format — the exact MessagePack bytes of the tutorial's
//! call and reply, every kind of error reply — and the route table's typed parameters.

use demo5_msgpack::{as_error, decode, encode, Value};
use demo6_rpc_server::functions::router;
use demo6_rpc_server::{parse_request, reply_to, CallError, Number, Request, Router, RpcError};

/// `{"function_name": "plus", "parameters": [1, 2, 2, 3, 3, 4, 2, 3, -1]}` as Python's
/// `msgpack.packb` and PHP's `msgpack_pack` write it (checked against both in interop.rs).
const TUTORIAL_REQUEST: &[u8] =
    b"\x82\xadfunction_name\xa4plus\xaaparameters\x99\x01\x02\x02\x03\x03\x04\x02\x03\xff";
/// 19: a positive fixint is its own byte.
const TUTORIAL_REPLY: &[u8] = b"\x13";

fn call(name: &str, parameters: Vec<Value>) -> Vec<u8> {
    reply_to(&router(), &[Request::new(name, parameters).to_bytes()])
}

fn result_of(reply: &[u8]) -> Value {
    let value = decode(reply).expect("every reply is MessagePack");
    assert!(as_error(&value).is_none(), "unexpected error reply {value}");
    value
}

fn error_of(reply: &[u8]) -> String {
    let value = decode(reply).expect("every reply is MessagePack");
    as_error(&value)
        .unwrap_or_else(|| panic!("expected an error reply, got {value}"))
        .to_string()
}

#[test]
fn the_tutorial_request_is_a_map_with_string_keys() {
    assert_eq!(Request::tutorial().to_bytes(), TUTORIAL_REQUEST);
    assert_eq!(
        parse_request(&[TUTORIAL_REQUEST.to_vec()]).unwrap(),
        Request::tutorial()
    );
}

#[test]
fn the_tutorial_reply_is_the_bare_integer_19() {
    assert_eq!(
        reply_to(&router(), &[TUTORIAL_REQUEST.to_vec()]),
        TUTORIAL_REPLY
    );
}

#[test]
fn key_order_does_not_matter_and_extra_keys_are_ignored() {
    let map = Value::Map(vec![
        (Value::from("id"), Value::from(7)),
        (
            Value::from("parameters"),
            Value::Array(vec![Value::from(40), Value::from(2)]),
        ),
        (Value::from("function_name"), Value::from("plus")),
    ]);
    assert_eq!(
        result_of(&reply_to(&router(), &[encode(&map)])),
        Value::from(42)
    );
}

#[test]
fn rmp_serde_to_vec_writes_an_array_and_the_server_says_so() {
    // The pitfall the tutorial warns about: `to_vec` encodes a struct as an array of fields.
    let as_array = Request::tutorial().to_array_bytes();
    assert_eq!(as_array, rmp_serde::to_vec(&Request::tutorial()).unwrap());
    assert_eq!(as_array[0], 0x92, "fixarray of 2: [\"plus\", [...]]");
    let error = error_of(&reply_to(&router(), &[as_array]));
    assert!(
        error.contains("got an array") && error.contains("to_vec_named"),
        "{error}"
    );
}

#[test]
fn every_function_answers() {
    let int = Value::from;
    assert_eq!(
        result_of(&call("plus", vec![int(1), int(2), int(3)])),
        int(6)
    );
    assert_eq!(result_of(&call("plus", vec![])), int(0));
    assert_eq!(result_of(&call("plus", vec![int(-5), int(2)])), int(-3));
    // PHP's array_sum: integers and floats mix; the running sum becomes a float at its first
    // overflow and stays one; true counts 1, nil 0, a string its leading number.
    assert_eq!(
        result_of(&call("plus", vec![Value::F64(1.5), int(2)])),
        Value::F64(3.5)
    );
    assert_eq!(
        result_of(&call("plus", vec![int(1 << 62), int(1 << 62)])),
        Value::F64(9.223372036854776e18)
    );
    assert_eq!(
        result_of(&call("plus", vec![int(i64::MAX), int(1), int(-1)])),
        Value::F64(9.223372036854776e18)
    );
    assert_eq!(
        result_of(&call("plus", vec![Value::from(u64::MAX)])),
        Value::F64(1.8446744073709552e19)
    );
    let php_counts = vec![
        Value::from(true),
        Value::Nil,
        Value::from("3"),
        Value::from("x"),
    ];
    assert_eq!(result_of(&call("plus", php_counts)), int(4));
    // Integers are accepted where floats are expected.
    assert_eq!(
        result_of(&call("divide", vec![int(7), int(2)])),
        Value::F64(3.5)
    );
    assert_eq!(
        result_of(&call("divide", vec![Value::F64(1.0), int(4)])),
        Value::F64(0.25)
    );
    assert_eq!(
        result_of(&call("hello", vec![Value::from("Ada")])),
        Value::from("Hello, Ada!")
    );
    let stats = result_of(&call("stats", vec![int(1), int(2), int(6)]));
    assert_eq!(
        stats,
        Value::Map(vec![
            (Value::from("count"), int(3)),
            (Value::from("min"), Value::F64(1.0)),
            (Value::from("max"), Value::F64(6.0)),
            (Value::from("mean"), Value::F64(3.0)),
        ]),
        "a struct result goes on the wire as a map"
    );
    let anything = Value::Array(vec![
        Value::Nil,
        Value::from(true),
        Value::Binary(vec![0, 1]),
    ]);
    assert_eq!(result_of(&call("echo", vec![anything.clone()])), anything);
}

#[test]
fn every_kind_of_bad_call_gets_a_clear_error() {
    let int = Value::from;
    let cases: Vec<(Vec<u8>, &str)> =
        vec![
        (
            Request::new("minus", vec![]).to_bytes(),
            "unknown function `minus`; this server knows: divide, echo, hello, plus, stats",
        ),
        (
            Request::new("plus", vec![int(1), Value::Array(vec![int(2)])]).to_bytes(),
            "bad parameters for `plus`: invalid type: sequence, expected a number, or what PHP \
             counts as one (a bool, nil, a string)",
        ),
        (
            Request::new("plus", vec![Value::Map(vec![])]).to_bytes(),
            "bad parameters for `plus`: invalid type: map",
        ),
        (
            Request::new("divide", vec![int(1)]).to_bytes(),
            "bad parameters for `divide`: invalid length 1, expected a tuple of size 2",
        ),
        (
            Request::new("divide", vec![int(1), int(2), int(3)]).to_bytes(),
            "bad parameters for `divide`",
        ),
        (
            Request::new("hello", vec![]).to_bytes(),
            "bad parameters for `hello`",
        ),
        (
            Request::new("divide", vec![int(1), int(0)]).to_bytes(),
            "`divide` failed: division by zero",
        ),
        (
            Request::new("hello", vec![Value::from(" ")]).to_bytes(),
            "`hello` failed: the name is empty",
        ),
        (
            Request::new("stats", vec![]).to_bytes(),
            "`stats` failed: no numbers given",
        ),
        (
            b"\xa4plus".to_vec(),
            "expected a MessagePack map {\"function_name\": …, \"parameters\": […]}, got a string",
        ),
        (
            b"\x81\xadfunction_name\xa4plus".to_vec(),
            "bad request map: missing field `parameters`",
        ),
        (
            b"\x82\xadfunction_name\x01\xaaparameters\x90".to_vec(),
            "bad request map: invalid type: integer `1`",
        ),
        (
            b"\x82\xadfunction_name\xa4plus\xaaparameters\x01".to_vec(),
            "bad request map: invalid type: integer `1`",
        ),
        (vec![], "the request is empty"),
        (vec![0xc1], "0xc1, the one marker MessagePack never uses"),
        (TUTORIAL_REQUEST[..10].to_vec(), "cut short"),
        ([TUTORIAL_REQUEST, b"\x00"].concat(), "followed by 1 extra byte"),
        (vec![0x91; 100_000], "depth limit"),
    ];
    for (bytes, want) in cases {
        let error = error_of(&reply_to(&router(), std::slice::from_ref(&bytes)));
        assert!(
            error.contains(want),
            "{bytes:02x?}: {error:?} should contain {want:?}"
        );
    }
    let two = [TUTORIAL_REQUEST.to_vec(), TUTORIAL_REQUEST.to_vec()];
    assert_eq!(
        error_of(&reply_to(&router(), &two)),
        "expected one frame holding a MessagePack map, got 2 frames"
    );
}

#[test]
fn an_error_reply_is_a_one_entry_map_with_the_key_error() {
    let reply = call("divide", vec![Value::from(1), Value::from(0)]);
    let message = b"`divide` failed: division by zero";
    let mut expected = b"\x81\xa5error".to_vec();
    assert_eq!(message.len(), 33);
    expected.extend([0xd9, 33]); // str 8: a fixstr holds at most 31 bytes
    expected.extend_from_slice(message);
    assert_eq!(reply, expected);
}

#[test]
fn registering_a_function_is_one_line() {
    let router = Router::new().route("double", |(n,): (i64,)| Ok::<_, String>(n * 2));
    assert_eq!(router.names(), ["double"]);
    assert_eq!(
        router.call("double", vec![Value::from(21)]),
        Ok(Value::from(42))
    );
    assert!(matches!(
        router.call("double", vec![Value::from("x")]),
        Err(CallError::BadParameters { .. })
    ));
    assert!(matches!(
        router.call("triple", vec![]),
        Err(CallError::UnknownFunction { .. })
    ));
}

#[test]
fn parse_request_reports_the_kind_of_value() {
    assert!(matches!(
        parse_request(&[vec![0x2a]]),
        Err(RpcError::NotAMap("an integer"))
    ));
    assert!(matches!(
        parse_request(&[vec![0x90]]),
        Err(RpcError::ArrayNotMap)
    ));
}

/// `Number` and PHP's numeric strings, the way `array_sum` reads them.
#[test]
fn strings_count_as_php_8_2_counts_them() {
    let int = Number::Int;
    let float = Number::Float;
    for (text, expected) in [
        ("3", int(3)),
        (" \n3\t", int(3)),
        ("+7", int(7)),
        ("-0", int(0)),
        ("00012", int(12)),
        ("3 apples", int(3)),
        ("12e", int(12)),
        ("12e+", int(12)),
        ("1_000", int(1)),
        ("0x1A", int(0)),
        ("x", int(0)),
        ("", int(0)),
        ("  ", int(0)),
        ("\u{0}3", int(0)),
        ("1.5", float(1.5)),
        (".5", float(0.5)),
        ("5.", float(5.0)),
        ("1.x", float(1.0)),
        ("1e3", float(1000.0)),
        ("-.5e-3", float(-0.0005)),
        ("1e400", float(f64::INFINITY)),
        ("9223372036854775807", int(i64::MAX)),
        ("-9223372036854775808", int(i64::MIN)),
        ("9223372036854775808", float(9.223372036854776e18)),
        ("12345678901234567890", float(1.2345678901234567e19)),
    ] {
        assert_eq!(
            demo6_rpc_server::number::from_php_string(text.as_bytes()),
            expected,
            "{text:?}"
        );
    }
}

#[test]
fn sums_stay_integers_until_they_overflow() {
    let int = Number::Int;
    assert_eq!(int(2) + int(3), int(5));
    assert_eq!(int(i64::MAX) + int(1), Number::Float(9.223372036854776e18));
    assert_eq!(int(1) + Number::Float(0.5), Number::Float(1.5));
}
