//! ZMTP, ZeroMQ's wire protocol, spoken by the server itself — not a lesson: a speed-up, to
//! skip on a first read (the lesson's socket is a ROUTER, and this is one).
//!
//! Why: libzmq moves every message through an I/O thread of its own. For a client calling in
//! a loop, each call then wakes that thread twice on the server (the request in, the answer
//! out), on top of the serving thread; on a 2-vCPU VM a wake-up costs tens of microseconds,
//! and a bare libzmq ROUTER made 4.5× zerorpc-python's calls/s, where the issue asks for 5×.
//! Here the serving thread reads and writes the TCP (or Unix) socket itself: after a reply
//! it stays awake ([`common::stay_awake`]), so the next request is read without any wake-up.
//!
//! Only the server's ROUTER is ours: the client, the patterns (PUSH/PULL, PUB/SUB) and the
//! workers' `inproc://` outbox stay on libzmq, and every test that runs zerorpc-python against
//! our server checks this ROUTER against the real libzmq on the other end.
//!
//! - [`wire`]: the greeting, `READY`, frames (ZMTP 3.0, NULL security);
//! - [`router`]: the socket — listen or connect, greet, read messages, write answers.

pub mod router;
pub mod wire;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub use router::Router;

/// Where a [`Router`] listens or connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Tcp(SocketAddr),
    /// To connect to a host by name: resolved at each attempt, as libzmq does (a name that
    /// does not resolve yet may later).
    Host(String, u16),
    Ipc(PathBuf),
}

impl Endpoint {
    /// `tcp://HOST:PORT` or `ipc://PATH`, with libzmq's errors for the same mistakes: no
    /// `transport://` is `EINVAL`, another transport `EPROTONOSUPPORT`, a bind to a host name
    /// `ENODEV` (a bind takes an IP address, an interface name or `*`; a port `*` is any free
    /// one).
    pub fn parse(endpoint: &str, bind: bool) -> Result<Endpoint, zmq::Error> {
        let (transport, address) = endpoint.split_once("://").ok_or(zmq::Error::EINVAL)?;
        match transport {
            "tcp" => {}
            "ipc" if !address.is_empty() => return Ok(Endpoint::Ipc(PathBuf::from(address))),
            "ipc" => return Err(zmq::Error::EINVAL),
            _ => return Err(zmq::Error::EPROTONOSUPPORT),
        }
        let (host, port) = address.rsplit_once(':').ok_or(zmq::Error::EINVAL)?;
        let port = match port {
            "*" | "0" if bind => 0,
            _ => port.parse::<u16>().map_err(|_| zmq::Error::EINVAL)?,
        };
        if port == 0 && !bind {
            return Err(zmq::Error::EINVAL);
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if bind {
            let ip = match host {
                "*" => IpAddr::from([0, 0, 0, 0]),
                _ => match host.parse::<IpAddr>() {
                    Ok(ip) => ip,
                    Err(_) => interface_address(host)?,
                },
            };
            return Ok(Endpoint::Tcp(SocketAddr::new(ip, port)));
        }
        Ok(match host.parse::<IpAddr>() {
            Ok(ip) => Endpoint::Tcp(SocketAddr::new(ip, port)),
            Err(_) => Endpoint::Host(host.to_string(), port),
        })
    }
}

/// The address of a network interface (`lo`, `eth0`), asked of libzmq, which binds to one:
/// a scratch socket is bound to any port of it and closed. Its error for a name that is no
/// interface (a host name) is `ENODEV`, as for the real bind.
fn interface_address(name: &str) -> Result<IpAddr, zmq::Error> {
    let context = zmq::Context::new();
    let scratch = context.socket(zmq::PAIR)?;
    scratch.set_linger(0)?;
    scratch.bind(&format!("tcp://{name}:*"))?;
    let bound = common::zmq_util::last_endpoint(&scratch)?;
    let (host, _port) = bound
        .trim_start_matches("tcp://")
        .rsplit_once(':')
        .ok_or(zmq::Error::EINVAL)?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| zmq::Error::EINVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_as_libzmq_reads_them() {
        let tcp = |s: &str| Endpoint::Tcp(s.parse().expect("an address"));
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:4242", true),
            Ok(tcp("127.0.0.1:4242"))
        );
        assert_eq!(
            Endpoint::parse("tcp://*:4242", true),
            Ok(tcp("0.0.0.0:4242"))
        );
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:*", true),
            Ok(tcp("127.0.0.1:0"))
        );
        assert_eq!(
            Endpoint::parse("tcp://[::1]:4242", true),
            Ok(tcp("[::1]:4242"))
        );
        assert_eq!(
            Endpoint::parse("tcp://localhost:4242", false),
            Ok(Endpoint::Host("localhost".into(), 4242))
        );
        assert_eq!(
            Endpoint::parse("ipc:///tmp/z.sock", true),
            Ok(Endpoint::Ipc("/tmp/z.sock".into()))
        );
        assert_eq!(
            Endpoint::parse("localhost:4242", true),
            Err(zmq::Error::EINVAL)
        );
        assert_eq!(
            Endpoint::parse("tcp://localhost:4242", true),
            Err(zmq::Error::ENODEV)
        );
        assert_eq!(
            Endpoint::parse("inproc://x", true),
            Err(zmq::Error::EPROTONOSUPPORT)
        );
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:*", false),
            Err(zmq::Error::EINVAL)
        );
    }
}
