//! Not the lesson: how the phone book comes to exist — the table's schema and the rows a new
//! database is seeded with, in one transaction — and the helpers around the query: `len` for the
//! server's start-up line, an in-memory book and the seeded rows for the tests and the tour,
//! [`SearchParams`] as the client's named params and as the server's log writes it.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use jsonrpc_core::Params;
use rusqlite::{params, Connection};

use super::{PhoneBook, Row, SearchParams};

/// The file the server opens when `--db` is not given (in the working directory).
pub const DEFAULT_DB: &str = "phonebook.sqlite3";

/// The rows a new database is seeded with: `(last_name, first_name, number)`; ids are 1, 2, …
/// Two people share the last name `Python`, so `search(last_name="Python")` has something to find.
/// `peers/server.py` seeds the same rows (the interop test checks that they agree).
pub const SEED: &[(&str, &str, &str)] = &[
    ("Python", "Monty", "555-0101"),
    ("Rossum", "Guido", "555-0102"),
    ("Lovelace", "Ada", "555-0103"),
    ("Python", "Brian", "555-0104"),
    ("Ritchie", "Dennis", "555-0105"),
];

const CREATE_SQL: &str = "CREATE TABLE IF NOT EXISTS mytable (
    id         INTEGER PRIMARY KEY,
    last_name  TEXT NOT NULL,
    first_name TEXT NOT NULL,
    number     TEXT NOT NULL
)";

/// Creates `mytable` if needed and seeds it if empty.
pub(super) fn set_up(mut conn: Connection) -> rusqlite::Result<PhoneBook> {
    conn.execute(CREATE_SQL, [])?;
    let rows: i64 = conn.query_row("SELECT COUNT(*) FROM mytable", [], |r| r.get(0))?;
    if rows == 0 {
        // One transaction: either the whole phone book is there, or none of it.
        let tx = conn.transaction()?;
        for (last, first, number) in SEED {
            tx.execute(
                "INSERT INTO mytable (last_name, first_name, number) VALUES (?1, ?2, ?3)",
                params![last, first, number],
            )?;
        }
        tx.commit()?;
        tracing::info!("seeded mytable with {} rows", SEED.len());
    }
    Ok(PhoneBook {
        conn: Arc::new(Mutex::new(conn)),
    })
}

impl PhoneBook {
    /// A seeded database that lives in memory only (for the tour and quick experiments).
    pub fn in_memory() -> rusqlite::Result<PhoneBook> {
        set_up(Connection::open_in_memory()?)
    }

    /// How many rows the table holds.
    pub fn len(&self) -> rusqlite::Result<usize> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        conn.query_row("SELECT COUNT(*) FROM mytable", [], |r| r.get(0))
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> rusqlite::Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// The seeded rows with their ids, as `search` returns them.
pub fn seed_rows() -> Vec<Row> {
    SEED.iter()
        .zip(1..)
        .map(|((last, first, number), id)| {
            (id, last.to_string(), first.to_string(), number.to_string())
        })
        .collect()
}

impl SearchParams {
    /// The fields given, by name.
    fn given(&self) -> impl Iterator<Item = (&'static str, &String)> {
        let fields = [
            ("number", &self.number),
            ("last_name", &self.last_name),
            ("first_name", &self.first_name),
        ];
        fields
            .into_iter()
            .filter_map(|(name, value)| Some((name, value.as_ref()?)))
    }

    /// The client's named params for a call, as `search(last_name="Python")`: the fields given.
    pub fn named(&self) -> Params {
        let named = self
            .given()
            .map(|(name, value)| (name.into(), value.clone().into()));
        Params::Map(named.collect())
    }
}

/// As a call would be written in Python, for the server's log: `last_name="Python"`.
impl fmt::Display for SearchParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let given: Vec<String> = self
            .given()
            .map(|(name, v)| format!("{name}={v:?}"))
            .collect();
        f.write_str(&given.join(", "))
    }
}
