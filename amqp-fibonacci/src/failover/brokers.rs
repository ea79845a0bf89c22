//! **Several brokers**: the nodes of a cluster, each given with `--amqp-url` (or all of them in
//! `AMQP_URL`, comma-separated). Connect to the first that answers; when the connection drops,
//! go on to the next one, round-robin, each try bounded by [`crate::CONNECT_TIMEOUT`]. A node
//! that does not answer is skipped with a warning; when none does, the error names them all
//! (passwords hidden).

use amiquip::Connection;

use crate::{connect, redact, NoBroker};

/// The brokers a program may use, and which one it uses now.
#[derive(Debug, Clone)]
pub struct Brokers {
    urls: Vec<String>,
    /// Index of the broker of the current (or last) connection.
    current: usize,
}

impl Brokers {
    /// The brokers to try, in this order. An empty list means the tutorial's one broker.
    pub fn new(urls: &[String]) -> Brokers {
        let mut urls: Vec<String> = urls
            .iter()
            .map(|url| url.trim().to_string())
            .filter(|url| !url.is_empty())
            .collect();
        if urls.is_empty() {
            urls.push(common::endpoints::AMQP_URL.to_string());
        }
        Brokers { urls, current: 0 }
    }

    /// Every URL, in the order given.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    /// The URL of the current connection, password hidden.
    pub fn current(&self) -> String {
        redact(&self.urls[self.current])
    }

    /// Connects to the first broker of the list that answers.
    pub fn connect(&mut self) -> Result<Connection, NoBroker> {
        self.connect_from(0)
    }

    /// After the connection to the current broker was lost (`why`): the next broker that
    /// answers, round-robin, the lost one last. One log line names the node lost and the node
    /// reached.
    pub fn reconnect(&mut self, why: &str) -> Result<Connection, NoBroker> {
        let lost = self.current();
        let connection = self.connect_from(self.current + 1)?;
        tracing::warn!(
            "lost the connection to {lost} ({why}); reconnected to {}",
            self.current()
        );
        Ok(connection)
    }

    fn connect_from(&mut self, first: usize) -> Result<Connection, NoBroker> {
        let count = self.urls.len();
        let mut tried = Vec::new();
        for k in 0..count {
            let index = (first + k) % count;
            match connect(&self.urls[index]) {
                Ok(connection) => {
                    self.current = index;
                    return Ok(connection);
                }
                Err(error) if count == 1 => return Err(NoBroker::One(Box::new(error))),
                Err(error) => {
                    let url = redact(&self.urls[index]);
                    tracing::warn!("skipping {url}: {}", error.reason());
                    tried.push(format!("{url}: {}", error.reason()));
                }
            }
        }
        Err(NoBroker::All { tried })
    }
}
