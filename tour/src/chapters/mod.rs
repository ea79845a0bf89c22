//! The chapters of the tour, in tutorial order. Each section adds one file here and one line to
//! [`all`]; a chapter is a plain function that drives the section's own library code.

use std::time::Duration;

use test_support::{ServerThread, StopError};

use crate::narrator::Narrator;

mod amqp;
mod demo1;
mod demo2;
mod demo3;
mod demo4;
mod demo5;
mod demo6;
mod jsonrpc;
mod xmlrpc;
mod zerorpc;

/// Every chapter, in the order of the tutorial.
pub fn all() -> Vec<Chapter> {
    vec![
        demo1::CHAPTER,
        demo2::CHAPTER,
        demo3::CHAPTER,
        demo4::CHAPTER,
        demo5::CHAPTER,
        demo6::CHAPTER,
        zerorpc::CHAPTER,
        amqp::CHAPTER,
        xmlrpc::CHAPTER,
        jsonrpc::CHAPTER,
    ]
}

/// One section of the tutorial, told by the tour.
pub struct Chapter {
    /// Short name for `--section` (e.g. `demo1`), and the name of its page.
    pub name: &'static str,
    /// The section's number in the tutorial (`--section 4`, `--section 6½`).
    pub number: &'static str,
    /// The section's crate (`--section demo4-multi-reply`).
    pub krate: &'static str,
    pub title: &'static str,
    /// What must be on the machine; a missing one skips the chapter with the fix.
    pub needs: &'static [Need],
    /// What one part of the chapter uses; without it that part is skipped, saying so.
    pub optional: &'static [Need],
    pub run: fn(&mut Narrator) -> anyhow::Result<()>,
}

/// A prerequisite of a chapter.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// A RabbitMQ broker on `AMQP_URL` (default 127.0.0.1:5672).
    Broker,
    /// `php` with the zmq and msgpack extensions.
    Php,
    /// The project's Python venv (pyzmq, msgpack, pika).
    Python,
    /// The `etcd` binary (section 4's registry; the tour starts a private one).
    Etcd,
}

impl Need {
    /// `None` when present, else what is missing and the exact command that fixes it.
    pub fn missing(self) -> Option<String> {
        let fix = test_support::SETUP_HINT;
        match self {
            Need::Broker => {
                let addr = broker_addr();
                let up = std::net::ToSocketAddrs::to_socket_addrs(addr.as_str())
                    .ok()
                    .and_then(|mut a| a.next())
                    .is_some_and(|a| {
                        std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok()
                    });
                (!up).then(|| format!("no RabbitMQ broker answers on {addr} — run: {fix}"))
            }
            Need::Php => test_support::php().is_none().then(|| {
                format!("php with the zmq and msgpack extensions is missing — run: {fix}")
            }),
            Need::Python => test_support::python().is_none().then(|| {
                format!("the Python venv (.venv with pyzmq, msgpack, pika) is missing — run: {fix}")
            }),
            Need::Etcd => {
                (!on_path("etcd")).then(|| format!("the etcd binary is not installed — run: {fix}"))
            }
        }
    }

    /// How the index page names it.
    pub fn label(self) -> &'static str {
        match self {
            Need::Broker => "RabbitMQ",
            Need::Php => "php",
            Need::Python => "python",
            Need::Etcd => "etcd",
        }
    }
}

/// True when `program` is an executable file in one of `$PATH`'s folders.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

impl Chapter {
    /// True when `--section wanted` means this chapter: its name, number or crate.
    pub fn answers_to(&self, wanted: &str) -> bool {
        [self.name, self.number, self.krate].contains(&wanted)
    }
}

/// `host:port` of the broker named by `AMQP_URL` (or the default URL).
fn broker_addr() -> String {
    let url = std::env::var("AMQP_URL").unwrap_or_else(|_| common::endpoints::AMQP_URL.to_string());
    amqp_fibonacci::broker_address(&url)
}

/// Stops a chapter's server thread (`test_support::ServerThread`, which raises the flag its
/// `serve` loop looks at) and waits for it, at most [`test_support::STOP_WITHIN`]: a server
/// that does not stop fails the chapter instead of hanging the tour.
pub fn stop(server: ServerThread<()>) -> anyhow::Result<()> {
    match server.stop_within(test_support::STOP_WITHIN) {
        Ok(()) => Ok(()),
        Err(StopError::Panicked(_)) => anyhow::bail!("a server thread panicked"),
        Err(StopError::Hung(within)) => {
            anyhow::bail!("a server thread did not stop within {within:?} of its stop flag")
        }
    }
}

/// One "on the wire" dump of a chapter, as data: what the narrator prints, and what the tests
/// (`wire_check`) hold against the bytes a real ZeroMQ socket writes, so the tour cannot
/// teach a byte that is not there.
#[derive(Debug, Clone, PartialEq)]
pub struct Dump {
    pub caption: String,
    pub bytes: Vec<u8>,
}

impl Dump {
    pub fn new(caption: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Dump {
        Dump {
            caption: caption.into(),
            bytes: bytes.into(),
        }
    }

    /// Prints it.
    pub fn show(&self, n: &mut Narrator) {
        n.wire(&self.caption, &self.bytes);
    }
}

pub use crate::zmtp::{req_rep_envelope, zmtp_message};

#[cfg(test)]
mod wire_check;

#[cfg(test)]
mod tests {
    #[test]
    fn a_section_is_named_by_its_chapter_its_number_or_its_crate() {
        let all = super::all();
        let find = |wanted: &str| -> Vec<&str> {
            all.iter()
                .filter(|c| c.answers_to(wanted))
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(find("demo4"), ["demo4"]);
        assert_eq!(find("4"), ["demo4"]);
        assert_eq!(find("demo4-multi-reply"), ["demo4"]);
        assert_eq!(find("6½"), ["zerorpc"]);
        assert_eq!(find("9"), ["jsonrpc"]);
        assert!(find("10").is_empty());
    }
}
