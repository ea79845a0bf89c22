//! The interop matrix of one section.

/// The interop matrix of one section: every client implementation against every server
/// implementation. Record each pair, then `assert_all_ok` prints the table and fails on any
/// broken pair (listing them all, not only the first).
#[derive(Debug)]
pub struct Matrix {
    title: String,
    rows: Vec<(String, String, Result<(), String>)>,
}

impl Matrix {
    pub fn new(title: impl Into<String>) -> Matrix {
        Matrix {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    /// Records the outcome of `client` talking to `server`.
    pub fn record(
        &mut self,
        client: impl ToString,
        server: impl ToString,
        outcome: Result<(), String>,
    ) {
        self.rows
            .push((client.to_string(), server.to_string(), outcome));
    }

    /// The table as text: one row per client, one column per server, `ok` / `FAIL`.
    pub fn table(&self) -> String {
        let mut clients: Vec<&str> = Vec::new();
        let mut servers: Vec<&str> = Vec::new();
        for (c, s, _) in &self.rows {
            if !clients.contains(&c.as_str()) {
                clients.push(c);
            }
            if !servers.contains(&s.as_str()) {
                servers.push(s);
            }
        }
        let width = clients
            .iter()
            .chain(&servers)
            .map(|s| s.len())
            .max()
            .unwrap_or(0)
            .max(14)
            + 2;
        let mut out = format!("\n{}\n{:width$}", self.title, "client \\ server");
        for s in &servers {
            out.push_str(&format!("{s:width$}"));
        }
        out.push('\n');
        for c in &clients {
            out.push_str(&format!("{c:width$}"));
            for s in &servers {
                let cell = self
                    .rows
                    .iter()
                    .find(|(rc, rs, _)| rc == c && rs == s)
                    .map_or("-", |(_, _, r)| if r.is_ok() { "ok" } else { "FAIL" });
                out.push_str(&format!("{cell:width$}"));
            }
            out.push('\n');
        }
        out
    }

    /// Prints the table and panics listing every broken pair.
    pub fn assert_all_ok(&self) {
        println!("{}", self.table());
        let broken: Vec<String> = self
            .rows
            .iter()
            .filter_map(|(c, s, r)| r.as_ref().err().map(|e| format!("{c} -> {s}: {e}")))
            .collect();
        assert!(broken.is_empty(), "broken pairs:\n{}", broken.join("\n"));
        assert!(!self.rows.is_empty(), "{}: no pair was tried", self.title);
    }
}
