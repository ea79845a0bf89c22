//! The load generators shared by the HTTP and TCP scenarios: a minimal HTTP/1.1 client that
//! keeps its connection alive when the server allows it, a one-request-per-connection client
//! for JSON-RPC over raw TCP, and a runner for N concurrent clients.
//!
//! Why hand-written and not `ureq`? Both servers of a comparison get the *same* load generator,
//! and it shares this 2-core machine with the server under test: every microsecond it spends
//! is taken from the server. So it sends pre-built request bytes and reads only the status line,
//! `Content-Length` and `Connection`: the least work a correct HTTP/1.1 client can do.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};

use crate::measure::Rate;

/// How long any one call may take before the load generator gives up.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP/1.1 client that POSTs the same body again and again.
#[derive(Debug)]
pub struct HttpClient {
    addr: SocketAddr,
    request: Vec<u8>,
    connection: Option<BufReader<TcpStream>>,
    timeout: Duration,
}

impl HttpClient {
    pub fn post(addr: SocketAddr, path: &str, content_type: &str, body: &str) -> HttpClient {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        HttpClient {
            addr,
            request: request.into_bytes(),
            connection: None,
            timeout: CALL_TIMEOUT,
        }
    }

    /// Gives up on a call (connecting, or waiting for the reply) after `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> HttpClient {
        self.timeout = timeout;
        self
    }

    /// Sends the request and returns the response body (an error for a status other than 200).
    ///
    /// A kept-alive connection may have been closed by the server since the last call; then we
    /// retry once on a fresh connection, as browsers and HTTP libraries do.
    pub fn call(&mut self) -> anyhow::Result<Vec<u8>> {
        if let Some(mut connection) = self.connection.take() {
            if let Ok((body, keep)) = self.exchange(&mut connection) {
                if keep {
                    self.connection = Some(connection);
                }
                return Ok(body);
            }
        }
        let stream = TcpStream::connect_timeout(&self.addr, self.timeout)
            .with_context(|| format!("cannot connect to {}", self.addr))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(self.timeout))?;
        let mut connection = BufReader::new(stream);
        let (body, keep) = self.exchange(&mut connection).map_err(|e| {
            match e.downcast_ref::<std::io::Error>().map(std::io::Error::kind) {
                Some(std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    anyhow!("no reply from {} within {:?}", self.addr, self.timeout)
                }
                _ => e,
            }
        })?;
        if keep {
            self.connection = Some(connection);
        }
        Ok(body)
    }

    /// One request/response on `connection`; also says whether it may be reused.
    fn exchange(&self, connection: &mut BufReader<TcpStream>) -> anyhow::Result<(Vec<u8>, bool)> {
        connection.get_mut().write_all(&self.request)?;
        let mut line = String::new();
        if connection.read_line(&mut line)? == 0 {
            bail!("the server closed the connection");
        }
        let mut words = line.split_whitespace();
        let version = words.next().unwrap_or_default().to_string();
        let status = words.next().unwrap_or_default().to_string();
        let (mut length, mut keep) = (None, version == "HTTP/1.1");
        loop {
            line.clear();
            if connection.read_line(&mut line)? == 0 {
                bail!("the server closed the connection in the headers");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().context("bad Content-Length")?);
            } else if name.eq_ignore_ascii_case("connection") {
                keep = value.eq_ignore_ascii_case("keep-alive");
            }
        }
        let mut body = Vec::new();
        match length {
            Some(n) => {
                body.resize(n, 0);
                connection.read_exact(&mut body)?;
            }
            None => {
                // No length: the body ends when the server closes the connection.
                connection.read_to_end(&mut body)?;
                keep = false;
            }
        }
        if status != "200" {
            bail!(
                "HTTP {status} from {}: {}",
                self.addr,
                String::from_utf8_lossy(&body)
            );
        }
        Ok((body, keep))
    }
}

/// JSON-RPC over raw TCP the tutorial's way: connect, send one request with no delimiter, read
/// until the reply parses as a whole JSON value (or the server closes), close.
pub fn tcp_json_call(addr: SocketAddr, request: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut stream = TcpStream::connect_timeout(&addr, CALL_TIMEOUT)
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(CALL_TIMEOUT))?;
    stream.write_all(request)?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&chunk[..n]);
        if serde_json::from_slice::<serde::de::IgnoredAny>(&reply).is_ok() {
            break;
        }
    }
    if reply.is_empty() {
        bail!("{addr} closed the connection without a reply");
    }
    Ok(reply)
}

/// Runs `clients` threads, each calling `call` on its own client (made by `make`) for
/// `duration`, and returns the total calls per elapsed time. The first error stops the sample.
pub fn concurrent<C, M, F>(
    clients: usize,
    duration: Duration,
    make: M,
    call: F,
) -> anyhow::Result<Rate>
where
    M: Fn() -> anyhow::Result<C> + Sync,
    F: Fn(&mut C) -> anyhow::Result<()> + Sync,
{
    let start = Instant::now();
    let counts: Vec<anyhow::Result<u64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<u64> {
                    let mut client = make()?;
                    let mut calls = 0;
                    while start.elapsed() < duration {
                        call(&mut client)?;
                        calls += 1;
                    }
                    Ok(calls)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow!("a client thread panicked")))
            })
            .collect()
    });
    let elapsed = start.elapsed();
    let mut ops = 0;
    for count in counts {
        ops += count?;
    }
    Ok(Rate { ops, elapsed })
}

/// What a burst of concurrent calls gave.
#[derive(Debug)]
pub struct Burst {
    /// From the first call started to the last one answered or failed.
    pub elapsed: Duration,
    pub answered: usize,
    /// How many failed, and the first error (e.g. a server that resets connections it
    /// cannot take).
    pub failed: usize,
    pub first_error: Option<String>,
}

/// Starts `calls` one-shot calls at once (one thread each, small stacks) and waits for all of
/// them to be answered or to fail. Fails only if no call at all was answered.
pub fn burst(calls: usize, call: impl Fn() -> anyhow::Result<()> + Sync) -> anyhow::Result<Burst> {
    let start = Instant::now();
    let results: Vec<anyhow::Result<()>> = std::thread::scope(|scope| {
        let mut workers = Vec::with_capacity(calls);
        for _ in 0..calls {
            let worker = std::thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn_scoped(scope, &call)
                .context("cannot start a client thread")?;
            workers.push(worker);
        }
        Ok::<_, anyhow::Error>(
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|_| Err(anyhow!("a client thread panicked")))
                })
                .collect(),
        )
    })?;
    let elapsed = start.elapsed();
    let failed = results.iter().filter(|r| r.is_err()).count();
    let first_error = results
        .into_iter()
        .find_map(|r| r.err())
        .map(|e| format!("{e:#}"));
    if failed == calls {
        bail!(
            "all {calls} calls failed, the first with: {}",
            first_error.unwrap_or_default()
        );
    }
    Ok(Burst {
        elapsed,
        answered: calls - failed,
        failed,
        first_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A server that answers two requests on one kept-alive connection, then one with
    /// `Connection: close`; the client must reconnect for the fourth.
    #[test]
    fn keeps_alive_and_reconnects() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let mut connections = 0;
            for stream in listener.incoming().take(2) {
                connections += 1;
                let mut reader = BufReader::new(stream.expect("accept"));
                for i in 0..3 {
                    let mut line = String::new();
                    let mut length = 0;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).expect("read") == 0 {
                            return connections;
                        }
                        if let Some(v) = line.strip_prefix("Content-Length: ") {
                            length = v.trim().parse().expect("length");
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).expect("body");
                    let close = if i == 2 { "Connection: close\r\n" } else { "" };
                    let reply = format!("HTTP/1.1 200 OK\r\n{close}Content-Length: 2\r\n\r\nok");
                    reader.get_mut().write_all(reply.as_bytes()).expect("write");
                    if i == 2 {
                        break;
                    }
                }
            }
            connections
        });
        let mut client = HttpClient::post(addr, "/", "text/plain", "hi");
        for _ in 0..4 {
            assert_eq!(client.call().expect("call"), b"ok");
        }
        drop(client);
        assert_eq!(server.join().expect("server"), 2);
    }

    #[test]
    fn tcp_call_reads_until_the_json_is_whole() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut request = [0u8; 5];
            stream.read_exact(&mut request).expect("request");
            // The reply in two pieces, and the connection left open: parsing ends the read.
            stream.write_all(b"{\"result\":").expect("write");
            std::thread::sleep(Duration::from_millis(20));
            stream.write_all(b" 1}").expect("write");
            std::thread::sleep(Duration::from_millis(200));
        });
        let reply = tcp_json_call(addr, b"hello").expect("call");
        assert_eq!(reply, b"{\"result\": 1}");
        server.join().expect("server");
    }
}
