//! ZMTP 3.0's bytes (rfc.zeromq.org/spec/23): the greeting, the NULL mechanism's `READY`
//! command, and frames. Pure functions over buffers: [`super::router`] owns the sockets.

/// Our greeting, all 64 bytes at once: the signature (`FF`, 8 bytes of padding, `7F`), version
/// 3.0, the mechanism `NULL` padded to 20 bytes, as-server 0 (meaningless for NULL), filler.
pub fn greeting() -> [u8; GREETING_LEN] {
    let mut g = [0u8; GREETING_LEN];
    g[0] = 0xFF;
    g[8] = 1; // libzmq's padding: a ZMTP 1.0 peer reads it as a 1-byte identity frame
    g[9] = 0x7F;
    g[10] = 3; // major
    g[11] = 0; // minor
    g[12..16].copy_from_slice(b"NULL");
    g
}

pub const GREETING_LEN: usize = 64;

/// What is wrong with a peer's greeting, if anything — from as much of it as has arrived
/// (`g` may be a prefix: the signature's first byte, its last, the version are each checked as
/// soon as they are in, so a stranger is refused at once, not after 64 bytes that never come).
pub fn check_greeting(g: &[u8]) -> Result<(), String> {
    let not_zmtp = || "not a ZeroMQ greeting (not ZeroMQ at all?)".to_string();
    if g.first().is_some_and(|&b| b != 0xFF) || g.get(9).is_some_and(|&b| b & 1 == 0) {
        return Err(not_zmtp());
    }
    if let Some(&revision) = g.get(10) {
        if revision < 3 {
            return Err(format!(
                "an older ZMTP (revision {revision}: libzmq before 4.0); 3.0 or later needed"
            ));
        }
    }
    if g.len() >= 32 && g[12..32] != greeting()[12..32] {
        let name = String::from_utf8_lossy(&g[12..32]);
        return Err(format!(
            "security mechanism {:?}: only NULL is spoken here",
            name.trim_end_matches('\0')
        ));
    }
    Ok(())
}

/// Frame flags (the first byte of a frame).
pub const MORE: u8 = 0x01;
pub const LONG: u8 = 0x02;
pub const COMMAND: u8 = 0x04;

/// Appends one frame: flags, a 1- or 8-byte size, the body.
pub fn put_frame(out: &mut Vec<u8>, flags: u8, body: &[u8]) {
    match u8::try_from(body.len()) {
        Ok(short) => {
            out.push(flags);
            out.push(short);
        }
        Err(_) => {
            out.push(flags | LONG);
            out.extend_from_slice(&(body.len() as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(body);
}

/// The `READY` command with its metadata (`Socket-Type`, and what else is given).
pub fn ready(properties: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = vec![5];
    body.extend_from_slice(b"READY");
    for (name, value) in properties {
        body.push(u8::try_from(name.len()).unwrap_or(u8::MAX));
        body.extend_from_slice(&name.as_bytes()[..name.len().min(255)]);
        body.extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_be_bytes());
        body.extend_from_slice(value);
    }
    let mut frame = Vec::with_capacity(body.len() + 9);
    put_frame(&mut frame, COMMAND, &body);
    frame
}

/// A command's name and its body after the name.
pub fn command(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = usize::from(*body.first()?);
    let name = body.get(1..1 + len)?;
    Some((name, &body[1 + len..]))
}

/// The properties of a `READY` command's body (after its name): `(name, value)` pairs.
pub fn properties(mut body: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let len = usize::from(body[0]);
        let name = body.get(1..1 + len)?;
        let size = body.get(1 + len..5 + len)?;
        let size = usize::try_from(u32::from_be_bytes(size.try_into().ok()?)).ok()?;
        let value = body.get(5 + len..5 + len + size)?;
        out.push((String::from_utf8_lossy(name).into_owned(), value.to_vec()));
        body = &body[5 + len + size..];
    }
    Some(out)
}

/// The next whole frame at the start of `buf`: `(flags, body range, bytes used)`, or `None`
/// while it has not all arrived.
pub fn frame(buf: &[u8]) -> Option<(u8, std::ops::Range<usize>, usize)> {
    let flags = *buf.first()?;
    let (header, size) = if flags & LONG != 0 {
        let size: [u8; 8] = buf.get(1..9)?.try_into().ok()?;
        (
            9usize,
            usize::try_from(u64::from_be_bytes(size)).unwrap_or(usize::MAX),
        )
    } else {
        (2usize, usize::from(*buf.get(1)?))
    };
    let end = header.checked_add(size)?;
    (buf.len() >= end).then_some((flags, header..end, end))
}

/// The size announced by the frame starting `buf`, once its header is in (to refuse a huge one
/// before its bytes arrive).
pub fn announced_size(buf: &[u8]) -> Option<u64> {
    let flags = *buf.first()?;
    if flags & LONG != 0 {
        Some(u64::from_be_bytes(buf.get(1..9)?.try_into().ok()?))
    } else {
        buf.get(1).map(|&b| u64::from(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_short_and_long() {
        let mut out = Vec::new();
        put_frame(&mut out, MORE, b"");
        put_frame(&mut out, 0, &[7; 300]);
        assert_eq!(&out[..2], &[MORE, 0]);
        assert_eq!(out[2], LONG);
        let (flags, body, used) = frame(&out).expect("first");
        assert_eq!((flags, body.len(), used), (MORE, 0, 2));
        let rest = &out[used..];
        let (flags, body, used) = frame(rest).expect("second");
        assert_eq!((flags & MORE, rest[body].len(), used), (0, 300, 309));
        assert_eq!(
            frame(&rest[..100]),
            None,
            "a partial frame waits for the rest"
        );
    }

    #[test]
    fn ready_carries_its_properties() {
        let ready = ready(&[("Socket-Type", b"ROUTER"), ("Identity", b"")]);
        let (flags, body, _) = frame(&ready).expect("a frame");
        assert_eq!(flags, COMMAND);
        let (name, rest) = command(&ready[body]).expect("a command");
        assert_eq!(name, b"READY");
        assert_eq!(
            properties(rest).expect("properties"),
            vec![
                ("Socket-Type".to_string(), b"ROUTER".to_vec()),
                ("Identity".to_string(), vec![])
            ]
        );
    }

    #[test]
    fn a_greeting_that_is_not_zmtp_3_null_is_refused() {
        assert_eq!(check_greeting(&greeting()), Ok(()));
        let mut old = greeting();
        old[10] = 2;
        assert!(check_greeting(&old).is_err_and(|e| e.contains("revision 2")));
        let mut curve = greeting();
        curve[12..17].copy_from_slice(b"CURVE");
        assert!(check_greeting(&curve).is_err_and(|e| e.contains("CURVE")));
        assert!(check_greeting(b"GET / HTTP/1.1\r\n").is_err());
        assert!(check_greeting(b"G").is_err(), "refused at the first byte");
        assert_eq!(
            check_greeting(&greeting()[..5]),
            Ok(()),
            "a prefix waits for more"
        );
        // libzmq 3.x: the signature, then revision 1 (ZMTP 2.0)
        let zmtp2 = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1];
        assert!(check_greeting(&zmtp2).is_err_and(|e| e.contains("older ZMTP")));
    }
}
