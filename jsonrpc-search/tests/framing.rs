//! Where a request ends: the framing rules, cut by cut.

use jsonrpc_search::framing::{find_end, Frame};

#[test]
fn a_request_ends_where_its_json_ends() {
    let req = br#"{"jsonrpc": "2.0", "method": "echo", "params": ["}{"], "id": 0}"#;
    assert_eq!(find_end(req), Frame::Complete(req.len()));
    // Everything shorter is unfinished, at every cut point.
    for cut in 0..req.len() {
        assert_eq!(find_end(&req[..cut]), Frame::Incomplete, "cut at {cut}");
    }
}

#[test]
fn two_requests_back_to_back() {
    let two = b" {\"a\":[1]}\n[{\"b\":\"\\\"]\"}]";
    assert_eq!(find_end(two), Frame::Complete(10));
    assert_eq!(find_end(&two[10..]), Frame::Complete(two.len() - 10));
}

#[test]
fn utf8_split_inside_a_string_is_just_unfinished() {
    let req = "{\"s\":\"héllo\"}".as_bytes();
    let mid = req.iter().position(|&b| b >= 0x80).expect("test input") + 1; // inside "é"
    assert_eq!(find_end(&req[..mid]), Frame::Incomplete);
    assert_eq!(find_end(req), Frame::Complete(req.len()));
}

#[test]
fn garbage_is_invalid() {
    for bad in [
        &b"hello"[..],
        b"}",
        b"42",
        b"{\"a\" 1}",
        b"{\"s\":\"\xff\"}",
        b"[1,]",
    ] {
        assert_eq!(
            find_end(bad),
            Frame::Invalid,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(find_end(b"  \r\n"), Frame::Incomplete);
}
