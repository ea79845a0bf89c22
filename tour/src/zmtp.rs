//! ZeroMQ's wire format (ZMTP 3) for the bytes the tour shows and draws: a leaf module that the
//! chapters and the recorder both use.

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

/// A whole message on TCP: every frame but the last has MORE set.
pub fn zmtp_message(frames: &[&[u8]]) -> Vec<u8> {
    let last = frames.len().saturating_sub(1);
    frames
        .iter()
        .enumerate()
        .flat_map(|(i, body)| zmtp_frame(body, i < last))
        .collect()
}

/// A message as REQ sends it and REP answers it on TCP: an empty delimiter frame first
/// (`01 00`), then the frames the program gave.
pub fn req_rep_envelope(frames: &[&[u8]]) -> Vec<u8> {
    let mut all: Vec<&[u8]> = vec![b""];
    all.extend_from_slice(frames);
    zmtp_message(&all)
}
