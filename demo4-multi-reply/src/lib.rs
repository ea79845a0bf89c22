//! Section 4 — one client, several servers.
//!
//! Every server is a REP socket that answers **any** request with its own name, as one frame.
//! The tutorial connects one REQ client to three classmates' laptops (port 5555 on each) and
//! watches the requests go round-robin: `[b'alice']`, `[b'bob']`, `[b'carol']`, `[b'alice']`, …
//!
//! Then it notices the catch: if one laptop is off, a plain REQ client hangs forever on the
//! request that went to it. The fix is the zguide's *Lazy Pirate* pattern ([`lazy_pirate`]):
//! wait with a timeout, throw the stuck socket away, retry a few times, then skip that server.
//!
//! - [`server`]: the name-replying REP loop (`demo4-server`);
//! - [`lazy_pirate`]: the client side (`demo4-client`), round-robin over one REQ socket per server;
//! - [`one_socket`]: the tutorial's own client — one REQ socket, several `connect`s;
//! - [`pyrepr`]: prints frame lists exactly as Python prints `socket.recv_multipart()`;
//! - [`discovery`]: the tutorial's two questions answered — servers register in etcd, clients
//!   follow the live list (`--register`, `--discover`, `demo4-watch`, `--subscribe`).
//!
//! Wire format: the request is any multipart message (the tutorial sends the single frame
//! `hello`); the reply is one frame holding the server's name in UTF-8.

// The lesson and the answers the README presents: public, to be read and used.
pub mod discovery;
pub mod lazy_pirate;
pub mod one_socket;
pub mod pyrepr;
pub mod server;

pub use lazy_pirate::{ClientError, LazyPirate, Reply, REQUEST_RETRIES, REQUEST_TIMEOUT};
pub use pyrepr::frames_repr;
pub use server::{default_name, serve};

/// What the tutorial's client sends: `socket.send_multipart([b"hello"])`.
pub const GREETING: &[u8] = b"hello";

/// How many requests `demo4-client` sends by default: two rounds over three servers.
pub const REQUESTS: usize = 6;
