//! The phone book: a real SQLite file with one table, `mytable`, and the one query `search` runs
//! (how the table is created and seeded on first run: [`seed`]).
//!
//! The lesson here is **parameterised SQL**. The query text below is a constant; the values the
//! client sends travel separately, as bound parameters (`?1`, `?2`, `?3`), so SQLite never reads
//! them as SQL. A "last name" of `x' OR '1'='1` is just an odd name that nobody has.

pub mod seed;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{params, Connection};
use serde::Deserialize;

/// One row as it goes on the wire: `[id, last_name, first_name, number]`.
pub type Row = (i64, String, String, String);

/// The filters of `search` (and the client's `search` flags); none given means every row.
/// `default` lets a client leave fields out (named) or stop early (positional, in this order);
/// `deny_unknown_fields` makes a misspelt `lastname` "invalid params", not a silent "all rows".
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize, clap::Args)]
#[serde(default, deny_unknown_fields)]
pub struct SearchParams {
    #[arg(long)]
    pub number: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    #[arg(long)]
    pub first_name: Option<String>,
}

/// One constant statement for every combination of filters: `?n IS NULL` switches a filter off.
const SEARCH_SQL: &str = "SELECT id, last_name, first_name, number FROM mytable \
     WHERE (?1 IS NULL OR number = ?1) \
       AND (?2 IS NULL OR last_name = ?2) \
       AND (?3 IS NULL OR first_name = ?3) \
     ORDER BY id";

/// A shared handle on the database. A `rusqlite::Connection` may move between threads but not be
/// used by two at once, hence the mutex. (Simplified: a busy server would use a pool.)
#[derive(Clone)]
pub struct PhoneBook {
    conn: Arc<Mutex<Connection>>,
}

impl PhoneBook {
    /// Opens (or creates) the database file at `path`, creating and seeding `mytable` if empty.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<PhoneBook> {
        seed::set_up(Connection::open(path)?)
    }

    /// The rows matching every given field, by id.
    pub fn search(&self, filter: &SearchParams) -> rusqlite::Result<Vec<Row>> {
        // We only read, so a panic elsewhere while holding the lock cannot leave SQLite
        // half-updated: a poisoned lock is safe to take over.
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stmt = conn.prepare_cached(SEARCH_SQL)?;
        let rows = stmt.query_map(
            params![filter.number, filter.last_name, filter.first_name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        rows.collect()
    }
}
