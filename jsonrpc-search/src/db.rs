//! The phone book: a real SQLite file with one table, `mytable`, and one query.
//!
//! The lesson here is **parameterised SQL**. The query text below is a constant; the values the
//! client sends travel separately, as bound parameters (`?1`, `?2`, `?3`), so SQLite never reads
//! them as SQL. A "last name" of `x' OR '1'='1` is just an odd name that nobody has.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{params, Connection};
use serde::Deserialize;

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

/// One row as it goes on the wire: `[id, last_name, first_name, number]` (a JSON array, the
/// tutorial's shape; serde writes a tuple as an array).
pub type Row = (i64, String, String, String);

/// The filters of `search`. Every field is optional; the ones given must all match; none given
/// means every row. `#[serde(default)]` lets a client leave fields out (named parameters) or stop
/// early (positional parameters, in this order); `deny_unknown_fields` turns a misspelt name such
/// as `lastname` into an "invalid params" error instead of a search that silently ignores it.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchParams {
    pub number: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
}

/// As a call would be written in Python: `last_name="Python", first_name="Brian"`.
impl std::fmt::Display for SearchParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields = [
            ("number", &self.number),
            ("last_name", &self.last_name),
            ("first_name", &self.first_name),
        ];
        let given: Vec<String> = fields
            .iter()
            .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={v:?}")))
            .collect();
        f.write_str(&given.join(", "))
    }
}

/// One constant statement for every combination of filters: `?n IS NULL` switches a filter off.
/// No SQL is ever built from what a client sent.
const SEARCH_SQL: &str = "SELECT id, last_name, first_name, number FROM mytable \
     WHERE (?1 IS NULL OR number = ?1) \
       AND (?2 IS NULL OR last_name = ?2) \
       AND (?3 IS NULL OR first_name = ?3) \
     ORDER BY id";

const CREATE_SQL: &str = "CREATE TABLE IF NOT EXISTS mytable (
    id         INTEGER PRIMARY KEY,
    last_name  TEXT NOT NULL,
    first_name TEXT NOT NULL,
    number     TEXT NOT NULL
)";

/// A shared handle on the database. `rusqlite::Connection` may move between threads but not be
/// used by two at once, hence the mutex; cloning the handle shares the one connection.
/// (Simplified: a busy server would use a pool of connections.)
#[derive(Clone)]
pub struct PhoneBook {
    conn: Arc<Mutex<Connection>>,
}

impl PhoneBook {
    /// Opens (or creates) the database file at `path`, creating and seeding `mytable` if empty.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<PhoneBook> {
        PhoneBook::setup(Connection::open(path)?)
    }

    /// A seeded database that lives in memory only (for the tour and quick experiments).
    pub fn in_memory() -> rusqlite::Result<PhoneBook> {
        PhoneBook::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> rusqlite::Result<PhoneBook> {
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

    /// The rows matching every given field, by id.
    pub fn search(&self, filter: &SearchParams) -> rusqlite::Result<Vec<Row>> {
        // A panic elsewhere while holding the lock cannot leave SQLite half-updated (we only
        // read), so a poisoned lock is safe to take over.
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stmt = conn.prepare_cached(SEARCH_SQL)?;
        let rows = stmt.query_map(
            params![filter.number, filter.last_name, filter.first_name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        rows.collect()
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
