//! The phone book: seeding, filters, and SQL injection that stays a name.

use jsonrpc_search::db::seed::{seed_rows, SEED};
use jsonrpc_search::db::SearchParams;
use jsonrpc_search::PhoneBook;

fn by_last(name: &str) -> SearchParams {
    SearchParams {
        last_name: Some(name.into()),
        ..SearchParams::default()
    }
}

#[test]
fn no_filter_returns_every_row_in_id_order() {
    let book = PhoneBook::in_memory().expect("in-memory phone book");
    assert_eq!(
        book.search(&SearchParams::default())
            .expect("in-memory phone book"),
        seed_rows()
    );
}

#[test]
fn filters_combine_with_and() {
    let book = PhoneBook::in_memory().expect("in-memory phone book");
    let pythons = book
        .search(&by_last("Python"))
        .expect("in-memory phone book");
    assert_eq!(pythons.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 4]);
    let brian = SearchParams {
        first_name: Some("Brian".into()),
        ..by_last("Python")
    };
    assert_eq!(
        book.search(&brian).expect("in-memory phone book"),
        [(4, "Python".into(), "Brian".into(), "555-0104".into())]
    );
    let by_number = SearchParams {
        number: Some("555-0103".into()),
        ..SearchParams::default()
    };
    assert_eq!(
        book.search(&by_number).expect("in-memory phone book")[0].1,
        "Lovelace"
    );
}

#[test]
fn injection_attempts_are_just_names() {
    let book = PhoneBook::in_memory().expect("in-memory phone book");
    for evil in [
        "Python' OR '1'='1",
        "x'; DROP TABLE mytable; --",
        "%",
        "Python%",
    ] {
        assert_eq!(
            book.search(&by_last(evil)).expect("in-memory phone book"),
            [],
            "{evil}"
        );
    }
    assert_eq!(
        book.len().expect("in-memory phone book"),
        SEED.len(),
        "the table is still there"
    );
}

#[test]
fn a_file_is_seeded_once() {
    let dir = tempfile::tempdir().expect("in-memory phone book");
    let path = dir.path().join("book.sqlite3");
    assert_eq!(
        PhoneBook::open(&path)
            .expect("in-memory phone book")
            .len()
            .expect("in-memory phone book"),
        SEED.len()
    );
    assert_eq!(
        PhoneBook::open(&path)
            .expect("in-memory phone book")
            .len()
            .expect("in-memory phone book"),
        SEED.len()
    );
}

#[test]
fn params_accept_named_and_positional_forms() {
    let named: SearchParams =
        serde_json::from_str(r#"{"last_name":"Python"}"#).expect("in-memory phone book");
    let positional: SearchParams =
        serde_json::from_str(r#"[null,"Python"]"#).expect("in-memory phone book");
    assert_eq!(named, by_last("Python"));
    assert_eq!(positional, by_last("Python"));
    assert!(serde_json::from_str::<SearchParams>(r#"{"lastname":"Python"}"#).is_err());
    assert!(serde_json::from_str::<SearchParams>(r#"[null,null,null,null]"#).is_err());
    assert!(serde_json::from_str::<SearchParams>(r#"[5550101]"#).is_err());
}
