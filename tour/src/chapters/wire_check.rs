//! Every "on the wire" dump of the ZeroMQ chapters (demo1–demo6), held against the bytes a real
//! ZeroMQ socket writes. The other end is a plain TCP socket speaking ZMTP 3.0 by hand (the
//! greeting, the READY command with its Socket-Type, then frames), so what it reads is exactly
//! what crosses the network: the tour cannot teach a byte that is not there.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::zmq_util::bind_ephemeral;
use test_support::ServerThread;

use super::{demo1, demo2, demo3, demo4, demo5, demo6, Dump};

const WAIT: Duration = Duration::from_secs(10);

/// One end of a ZMTP 3.0 connection, by hand, over a plain TCP socket.
struct RawPeer {
    stream: TcpStream,
}

impl RawPeer {
    /// Connects to a bound ZeroMQ socket and handshakes as a `socket_type` socket.
    fn connect(endpoint: &str, socket_type: &str) -> RawPeer {
        let addr = endpoint.trim_start_matches("tcp://");
        let stream = TcpStream::connect(addr).expect("connect to the ZeroMQ socket");
        RawPeer::handshake(stream, socket_type)
    }

    /// Waits for a ZeroMQ socket to connect to `listener`, and handshakes as `socket_type`.
    fn accept(listener: &TcpListener, socket_type: &str) -> RawPeer {
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let deadline = Instant::now() + WAIT;
        let stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break stream,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "no ZeroMQ socket connected");
                    std::thread::sleep(Duration::from_millis(5)); // polling the accept
                }
                Err(e) => panic!("accept: {e}"),
            }
        };
        stream.set_nonblocking(false).expect("a blocking stream");
        RawPeer::handshake(stream, socket_type)
    }

    fn handshake(stream: TcpStream, socket_type: &str) -> RawPeer {
        stream.set_read_timeout(Some(WAIT)).expect("a read timeout");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let mut peer = RawPeer { stream };
        // Greeting (64 bytes): signature, version 3.0, mechanism NULL, as-server 0, filler.
        let mut greeting = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0];
        greeting.extend(b"NULL");
        greeting.resize(64, 0);
        peer.write(&greeting);
        let theirs = peer.read_exact(64);
        assert_eq!(theirs[0], 0xff, "a ZMTP signature: {theirs:02x?}");
        assert_eq!(
            &theirs[12..16],
            b"NULL",
            "the NULL mechanism: {theirs:02x?}"
        );
        // READY: a command frame (flags 0x04), its name, then the property Socket-Type.
        let mut ready = vec![5];
        ready.extend(b"READY");
        ready.push(11);
        ready.extend(b"Socket-Type");
        ready.extend((socket_type.len() as u32).to_be_bytes());
        ready.extend(socket_type.as_bytes());
        let mut command = vec![0x04, ready.len() as u8];
        command.extend(ready);
        peer.write(&command);
        let (flags, body) = peer.read_frame();
        assert_eq!(flags & 0x04, 0x04, "a command frame");
        assert!(body.starts_with(b"\x05READY"), "READY: {body:02x?}");
        peer
    }

    fn write(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .expect("write to the ZeroMQ socket");
    }

    fn read_exact(&mut self, n: usize) -> Vec<u8> {
        let mut bytes = vec![0; n];
        self.stream
            .read_exact(&mut bytes)
            .expect("read from the ZeroMQ socket (bounded by a read timeout)");
        bytes
    }

    /// One frame: its flags byte and its body.
    fn read_frame(&mut self) -> (u8, Vec<u8>) {
        let (flags, body, _) = self.read_raw_frame();
        (flags, body)
    }

    /// One frame: flags, body, and every byte it took on the wire.
    fn read_raw_frame(&mut self) -> (u8, Vec<u8>, Vec<u8>) {
        let mut raw = self.read_exact(1);
        let flags = raw[0];
        let size = if flags & 0x02 != 0 {
            let size = self.read_exact(8);
            raw.extend(&size);
            u64::from_be_bytes(size.try_into().expect("8 bytes")) as usize
        } else {
            let size = self.read_exact(1);
            raw.extend(&size);
            usize::from(size[0])
        };
        let body = self.read_exact(size);
        raw.extend(&body);
        (flags, body, raw)
    }

    /// One whole message, as the bytes it took on the wire, and its frames' bodies.
    fn read_message(&mut self) -> (Vec<u8>, Vec<Vec<u8>>) {
        let (mut raw, mut bodies) = (Vec::new(), Vec::new());
        loop {
            let (flags, body, bytes) = self.read_raw_frame();
            assert_eq!(flags & 0x04, 0, "a message frame, not a command");
            raw.extend(bytes);
            bodies.push(body);
            if flags & 0x01 == 0 {
                return (raw, bodies);
            }
        }
    }
}

/// What a real REQ socket writes on TCP when a program sends `frames`.
fn req_writes(frames: &[&[u8]]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let endpoint = format!("tcp://{}", listener.local_addr().expect("its address"));
    let context = zmq::Context::new();
    let req = context.socket(zmq::REQ).expect("a REQ socket");
    req.set_linger(0).expect("linger 0");
    req.connect(&endpoint).expect("connect");
    req.send_multipart(frames, 0).expect("send");
    let mut peer = RawPeer::accept(&listener, "REP");
    peer.read_message()
}

/// What a section's real REP server writes on TCP in reply to the raw request `request`.
fn rep_writes(
    serve: impl FnOnce(&zmq::Socket, &std::sync::atomic::AtomicBool) -> Result<(), zmq::Error>
        + Send
        + 'static,
    request: &[u8],
) -> (Vec<u8>, Vec<Vec<u8>>) {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REP).expect("a REP socket");
    let endpoint = bind_ephemeral(&socket).expect("an ephemeral port");
    let server = ServerThread::spawn("server", move |stop| serve(&socket, &stop));
    let mut peer = RawPeer::connect(&endpoint, "REQ");
    peer.write(request);
    let reply = peer.read_message();
    server.stop().expect("serve");
    reply
}

/// A payload dump shows the program's frame: the last frame's body on the wire.
fn assert_payload(dump: &Dump, bodies: &[Vec<u8>]) {
    assert_eq!(
        Some(&dump.bytes),
        bodies.last(),
        "{:?}: the payload differs from the frame on the wire {bodies:02x?}",
        dump.caption
    );
}

/// A TCP dump shows exactly the bytes on the wire.
fn assert_tcp(dump: &Dump, raw: &[u8]) {
    assert_eq!(
        dump.bytes, raw,
        "{:?}: the tour shows {:02x?}, the socket wrote {raw:02x?}",
        dump.caption, dump.bytes
    );
}

#[test]
fn demo1_request_and_reply_dumps_are_the_bytes_on_the_wire() {
    let [payload, tcp] = demo1::request_dumps();
    let (raw, bodies) = req_writes(&[demo1_reqrep::GREETING.as_bytes()]);
    assert_tcp(&tcp, &raw);
    assert_payload(&payload, &bodies);

    let (raw, bodies) = rep_writes(
        |socket, stop| demo1_reqrep::serve(socket, &mut std::io::sink(), stop),
        &tcp.bytes,
    );
    let [payload, tcp] = demo1::reply_dumps(demo1_reqrep::GREETING.as_bytes());
    assert_tcp(&tcp, &raw);
    assert_payload(&payload, &bodies);
}

#[test]
fn demo2_queued_request_dump_is_the_frame_on_the_wire() {
    let (_, bodies) = req_writes(&[demo2_polyglot::MESSAGE.as_bytes()]);
    assert_eq!(
        bodies.len(),
        2,
        "the delimiter and one frame: {bodies:02x?}"
    );
    assert_payload(&demo2::request_dump(), &bodies);
}

#[test]
fn demo3_published_frame_dumps_are_the_bytes_on_the_wire() {
    let message = b"#1 12/01/2026 11:00:00 pm";
    let context = zmq::Context::new();
    let publisher = context.socket(zmq::PUB).expect("a PUB socket");
    publisher.set_linger(0).expect("linger 0");
    let endpoint = bind_ephemeral(&publisher).expect("an ephemeral port");
    let mut subscriber = RawPeer::connect(&endpoint, "SUB");
    subscriber.write(&[0x00, 0x01, 0x01]); // ZMTP 3.0 subscription: one frame `01` + prefix ""
                                           // PUB drops what it publishes before the subscription arrived: publish until one comes.
    subscriber
        .stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .expect("a read timeout");
    let deadline = Instant::now() + WAIT;
    let mut first = [0u8; 1];
    loop {
        publisher.send(&message[..], 0).expect("publish");
        if subscriber.stream.read_exact(&mut first).is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "nothing published reached the peer"
        );
    }
    subscriber
        .stream
        .set_read_timeout(Some(WAIT))
        .expect("a read timeout");
    let size = subscriber.read_exact(1);
    let body = subscriber.read_exact(usize::from(size[0]));
    let raw = [&first[..], &size, &body].concat();

    let [payload, tcp] = demo3::published_dumps(message);
    assert_tcp(&tcp, &raw);
    assert_payload(&payload, &[body]);
}

#[test]
fn demo4_request_and_reply_dumps_are_the_bytes_on_the_wire() {
    let [payload, tcp] = demo4::request_dumps();
    let (raw, bodies) = req_writes(&[demo4_multi_reply::GREETING]);
    assert_tcp(&tcp, &raw);
    assert_payload(&payload, &bodies);

    // The issue this test was written for: the reply is `01 00 00 05 alice`, not `00 05 alice`.
    let (raw, bodies) = rep_writes(
        |socket, stop| demo4_multi_reply::serve(socket, "alice", &mut std::io::sink(), stop),
        &tcp.bytes,
    );
    let [payload, tcp] = demo4::reply_dumps("alice");
    assert_eq!(tcp.bytes, b"\x01\x00\x00\x05alice");
    assert_tcp(&tcp, &raw);
    assert_payload(&payload, &bodies);
}

#[test]
fn demo5_and_demo6_request_dumps_are_the_frames_on_the_wire() {
    for dump in [demo5::request_dump(), demo6::request_dump()] {
        let (_, bodies) = req_writes(&[&dump.bytes]);
        assert_eq!(
            bodies.len(),
            2,
            "the delimiter and one frame: {bodies:02x?}"
        );
        assert_payload(&dump, &bodies);
    }
}
