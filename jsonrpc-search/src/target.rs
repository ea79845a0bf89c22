//! Where a client sends its requests: the one type the client, its HTTP leg and its error
//! messages share (a leaf module, so none of them imports another in a circle).

use std::fmt;

/// Raw TCP `host:port` (the tutorial's transport), or an HTTP URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Tcp(String),
    Http(String),
}

/// `tcp://127.0.0.1:31415` or the URL, as the error messages name the server.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp(addr) => write!(f, "tcp://{addr}"),
            Target::Http(url) => f.write_str(url),
        }
    }
}
