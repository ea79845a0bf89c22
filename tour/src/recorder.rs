//! What a chapter did, as data: the narration in order (paragraphs, steps, console lines, dumps)
//! and the messages that crossed between its participants, with their real bytes. The narrator
//! fills it while the chapter runs live; `--html` draws it as a sequence diagram (`html.rs`).

/// One chapter's run.
#[derive(Debug, Default, Clone)]
pub struct Recording {
    /// Lifelines, left to right: declared by the chapter, or in order of first appearance.
    pub participants: Vec<String>,
    pub messages: Vec<Message>,
    pub narration: Vec<Block>,
}

/// One piece of the narration, as the terminal printed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Say(String),
    /// A numbered step (numbers start at 1 in every chapter).
    Step(usize, String),
    /// A console line of a program; `times` > 1 when the same line came several times in a row.
    Console {
        who: String,
        line: String,
        times: usize,
    },
    Wire {
        caption: String,
        bytes: Vec<u8>,
    },
    Field(String, String),
    Question(String),
    Answer(String),
    /// The chapter was skipped or failed: why.
    Outcome(String),
    /// Where message number `.0` (0-based) happened in the story.
    Message(usize),
}

/// A message drawn as one arrow.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub from: String,
    pub to: String,
    /// Short, for the arrow: `"hello"`, `fib(30)`, `OK [19]`.
    pub label: String,
    /// The bytes as they crossed (for ZeroMQ: on the TCP wire, ZMTP frames included).
    pub bytes: Vec<u8>,
    /// The numbered step it belongs to (0 = before the first step).
    pub step: usize,
    pub fate: Fate,
    /// The decoded breakdown shown with the bytes: `(bytes or name, meaning)`.
    pub fields: Vec<(String, String)>,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// Queued for a peer that never took it (the plain REQ's request to a stopped server).
    NeverAnswered(String),
    /// Sent, and dropped on the way (published before the subscriber joined).
    Lost(String),
}

impl Message {
    /// A delivered message with no breakdown yet.
    pub fn new(
        from: impl Into<String>,
        to: impl Into<String>,
        label: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Message {
        Message {
            from: from.into(),
            to: to.into(),
            label: label.into(),
            bytes: bytes.into(),
            step: 0,
            fate: Fate::Delivered,
            fields: Vec::new(),
        }
    }

    /// A ZeroMQ message: `bytes` become the frames as ZMTP 3 writes them on TCP, and the
    /// breakdown names every frame.
    pub fn zmq(
        from: impl Into<String>,
        to: impl Into<String>,
        label: impl Into<String>,
        frames: &[&[u8]],
    ) -> Message {
        let wire = crate::zmtp::zmtp_message(frames);
        let fields = zmtp_fields(&wire);
        Message {
            fields,
            ..Message::new(from, to, label, wire)
        }
    }

    /// As [`Message::zmq`], with REQ/REP's empty delimiter frame before `frames`.
    pub fn req_rep(
        from: impl Into<String>,
        to: impl Into<String>,
        label: impl Into<String>,
        frames: &[&[u8]],
    ) -> Message {
        let mut all: Vec<&[u8]> = vec![b""];
        all.extend_from_slice(frames);
        Message::zmq(from, to, label, &all)
    }

    /// Adds the MessagePack breakdown of `payload` (the message's last frame, usually).
    pub fn msgpack(mut self, payload: &[u8]) -> Message {
        self.fields.extend(msgpack_fields(payload));
        self
    }

    /// Adds one line to the breakdown.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Message {
        self.fields.push((name.into(), value.into()));
        self
    }

    pub fn fate(mut self, fate: Fate) -> Message {
        self.fate = fate;
        self
    }
}

/// Every ZMTP 3 frame of `wire`: its flags and size bytes, and what they say.
pub fn zmtp_fields(wire: &[u8]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = wire;
    let mut number = 1;
    while let Some((&flags, after)) = rest.split_first() {
        let long = flags & 0b10 != 0;
        let (size, head, body) = if long {
            if after.len() < 8 {
                break;
            }
            let (size, body) = after.split_at(8);
            let size = u64::from_be_bytes(size.try_into().expect("8 bytes"));
            (size as usize, 9, body)
        } else {
            let Some((&size, body)) = after.split_first() else {
                break;
            };
            (usize::from(size), 2, body)
        };
        let size = size.min(body.len());
        let more = if flags & 1 != 0 {
            "MORE follows"
        } else {
            "last frame"
        };
        let what = if size == 0 {
            "the empty delimiter".to_string()
        } else {
            preview(&body[..size])
        };
        fields.push((
            hex(&wire[wire.len() - rest.len()..][..head]),
            format!("frame {number}: {more}, {size} bytes: {what}"),
        ));
        rest = &body[size..];
        number += 1;
    }
    fields
}

/// The MessagePack items of `bytes`, indented by depth, as the terminal prints them.
pub fn msgpack_fields(bytes: &[u8]) -> Vec<(String, String)> {
    match demo5_msgpack::explain::explain(bytes) {
        Ok(parts) => parts
            .into_iter()
            .map(|part| {
                let mut shown: Vec<String> = part
                    .bytes
                    .iter()
                    .take(3)
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if part.bytes.len() > 3 {
                    shown.push("…".to_string());
                }
                (
                    format!("{}{}", "  ".repeat(part.depth), shown.join(" ")),
                    part.meaning,
                )
            })
            .collect(),
        Err(e) => vec![("(not MessagePack)".to_string(), e.to_string())],
    }
}

/// Lowercase hex pairs separated by single spaces (the page's `data-hex`).
pub fn hex(bytes: &[u8]) -> String {
    let pairs: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    pairs.join(" ")
}

/// Text as text (quoted, cut at 32 characters), anything else as "binary".
pub fn preview(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.chars().all(|c| !c.is_control()) => {
            let cut: String = text.chars().take(32).collect();
            let more = if cut.len() < text.len() { "…" } else { "" };
            format!("{cut:?}{more}")
        }
        _ => "binary".to_string(),
    }
}

/// A label cut to fit an arrow (32 characters at most).
pub fn short(text: &str) -> String {
    let cut: String = text.chars().take(31).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_req_message_names_the_delimiter_and_the_body() {
        let m = Message::req_rep("c", "s", "\"alice\"", &[b"alice"]);
        assert_eq!(hex(&m.bytes), "01 00 00 05 61 6c 69 63 65");
        assert_eq!(
            m.fields,
            [
                (
                    "01 00".to_string(),
                    "frame 1: MORE follows, 0 bytes: the empty delimiter".to_string()
                ),
                (
                    "00 05".to_string(),
                    "frame 2: last frame, 5 bytes: \"alice\"".to_string()
                ),
            ]
        );
    }

    /// A REQ/REP arrow carries the envelope `wire_check` holds against a real socket.
    #[test]
    fn an_arrow_carries_the_same_bytes_as_the_checked_dump() {
        let frames: [&[u8]; 2] = [b"a", b"bc"];
        assert_eq!(
            Message::req_rep("c", "s", "x", &frames).bytes,
            crate::zmtp::req_rep_envelope(&frames)
        );
    }
}
