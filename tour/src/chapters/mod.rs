//! The chapters of the tour, in tutorial order. Each section adds one file here and one line to
//! [`all`]; a chapter is a plain function that drives the section's own library code.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

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
    /// Short name for `--section` (e.g. `demo1`).
    pub name: &'static str,
    pub title: &'static str,
    /// What must be on the machine; a missing one skips the chapter with the fix.
    pub needs: &'static [Need],
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
}

impl Need {
    /// `None` when present, else what is missing and the exact command that fixes it.
    pub fn missing(self) -> Option<String> {
        let fix = common::testing::SETUP_HINT;
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
            Need::Php => common::testing::php().is_none().then(|| {
                format!("php with the zmq and msgpack extensions is missing — run: {fix}")
            }),
            Need::Python => common::testing::python().is_none().then(|| {
                format!("the Python venv (.venv with pyzmq, msgpack, pika) is missing — run: {fix}")
            }),
        }
    }
}

/// `host:port` of the broker named by `AMQP_URL` (or the default URL).
fn broker_addr() -> String {
    let url = std::env::var("AMQP_URL").unwrap_or_else(|_| common::endpoints::AMQP_URL.to_string());
    amqp_fibonacci::broker_address(&url)
}

/// A server running in a thread of the tour, stopped (and joined) when dropped.
pub struct Background {
    shutdown: Arc<AtomicBool>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Background {
    /// Runs `serve(shutdown_flag)` in a thread; `serve` must return soon after the flag is set.
    pub fn spawn(serve: impl FnOnce(&AtomicBool) + Send + 'static) -> Background {
        let shutdown = Arc::new(AtomicBool::new(false));
        let flag = shutdown.clone();
        let handle = thread::spawn(move || serve(&flag));
        Background {
            shutdown,
            handle: Some(handle),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The hex of a ZMTP 3 frame as it crosses TCP: a flags byte (bit 0 = MORE frames follow,
/// bit 1 = LONG size), the size (1 byte, or 8 bytes big-endian when long), then the body.
pub fn zmtp_frame(body: &[u8], more: bool) -> Vec<u8> {
    let mut frame = Vec::with_capacity(body.len() + 9);
    let more_flag = u8::from(more);
    match u8::try_from(body.len()) {
        Ok(short) => frame.extend([more_flag, short]),
        Err(_) => {
            frame.push(more_flag | 0b10);
            frame.extend((body.len() as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(body);
    frame
}
