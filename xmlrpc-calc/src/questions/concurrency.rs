//! The tutorial makes its server threaded to run many slow calls at once — about 40 calls of
//! `sleep(5)` for Python's `ThreadingMixIn`, 500 for an async server. The question: **how many
//! slow calls can one server have in flight?** Here each connection is a tokio task and `sleep`
//! *awaits* a timer instead of blocking a thread, so hundreds are in flight at once; a deep
//! listen backlog keeps a burst of 500 new connections from being dropped by the kernel.

use std::net::SocketAddr;
use std::time::Duration;

use dxr::Value;
use dxr_server::axum::http::HeaderMap;
use dxr_server::{async_trait, Handler, HandlerResult};
use tokio::net::TcpListener;

use crate::calc::CalcError;
use crate::python_operators::PyError;

/// The longest `sleep(seconds)` the server agrees to (a guard against tying up the server).
pub const MAX_SLEEP: Duration = Duration::from_secs(30);

/// How many connections the kernel may queue before we accept them. The standard library (and
/// tokio's `TcpListener::bind`) ask for 128: a burst of 500 clients at once — the tutorial's
/// async-server experiment — overflows that, and the dropped handshakes are retried after 1 s.
pub const LISTEN_BACKLOG: u32 = 1024;

/// `sleep(seconds)`: returns the seconds it slept (int or double, whatever it was given).
#[derive(Debug)]
pub struct Sleep;

#[async_trait]
impl Handler for Sleep {
    async fn handle(&self, params: &[Value], _headers: HeaderMap) -> HandlerResult {
        let [arg] = params else {
            let text = crate::calc::arity("sleep", &["seconds"], params.len());
            return Err(CalcError::Arity(text).into());
        };
        // `sleep(5)`, `sleep(0.5)`, even `sleep(True)`, as Python's `0 <= seconds <= 30` allows.
        let seconds = match arg {
            Value::Integer(n) => f64::from(*n),
            Value::Long(n) => *n as f64,
            Value::Boolean(b) => f64::from(u8::from(*b)),
            Value::Double(x) => *x,
            other => {
                let text = format!(
                    "'<=' not supported between instances of 'int' and '{}'",
                    crate::python_operators::type_name(other)
                );
                return Err(CalcError::Python(PyError::TypeError(text)).into());
            }
        };
        if !(0.0..=MAX_SLEEP.as_secs_f64()).contains(&seconds) {
            let max = MAX_SLEEP.as_secs();
            // Python's `%s` of what was sent: `31` for an int, `31.0` for a double.
            let seconds = match arg {
                Value::Double(x) => format!("{x:?}"),
                _ => format!("{seconds}"),
            };
            return Err(CalcError::SleepOutOfRange { seconds, max }.into());
        }
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        Ok(arg.clone())
    }
}

/// Listens on `addr` (`host:port`, `localhost` allowed) with [`LISTEN_BACKLOG`].
pub async fn listen(addr: &str) -> std::io::Result<TcpListener> {
    let mut last_error = None;
    for address in tokio::net::lookup_host(addr).await? {
        let socket = match address {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(address) {
            Ok(()) => return socket.listen(LISTEN_BACKLOG),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        let text = format!("{addr} resolves to no address");
        std::io::Error::new(std::io::ErrorKind::NotFound, text)
    }))
}
