//! How the tour talks: chapter banners, prose, numbered steps, the bytes on the wire (hex next to
//! the decoded form), console lines of the programs, and the question/answer of each section.
//!
//! Everything it prints is also recorded ([`Recording`]), with the messages the chapter reports,
//! so `--html` can draw the same run. Programs running in threads of the tour print through a
//! [`ConsoleWriter`], which shares the narrator's output, so their lines are recorded in order.

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::recorder::{Block, Message, Recording};

/// How the terminal tour is laid out.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Columns to wrap narration at.
    pub width: usize,
    /// Wait for Enter before every numbered step but a chapter's first (`--step`).
    pub step_by_step: bool,
    /// Break every message down byte by byte, not only a chapter's first (`--bytes all`).
    pub every_byte: bool,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout {
            width: DEFAULT_WIDTH,
            step_by_step: false,
            every_byte: false,
        }
    }
}

/// The width when neither `--width` nor `$COLUMNS` says.
pub const DEFAULT_WIDTH: usize = 100;
/// The narrowest layout the dumps fit (8 hex bytes per row).
pub const MIN_WIDTH: usize = 50;

/// Prints the tour to stdout (or into a buffer, for tests) and records it.
pub struct Narrator {
    shared: Arc<Mutex<Shared>>,
}

struct Shared {
    out: Box<dyn Write + Send>,
    layout: Layout,
    step: usize,
    recording: Recording,
    /// The last console line, not printed yet: the same line again only counts (`×10`).
    pending: Option<(String, String, usize)>,
}

impl Narrator {
    pub fn stdout(layout: Layout) -> Narrator {
        Narrator::new(Box::new(std::io::stdout()), layout)
    }

    pub fn new(out: Box<dyn Write + Send>, layout: Layout) -> Narrator {
        Narrator {
            shared: Arc::new(Mutex::new(Shared {
                out,
                layout,
                step: 0,
                recording: Recording::default(),
                pending: None,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A chapter thread that panicked while printing leaves the narration usable.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True with `--bytes all`: chapters break every message down, not only the first.
    pub fn every_byte(&self) -> bool {
        self.lock().layout.every_byte
    }

    /// Another handle on the same narration, for a thread of the chapter that reports messages.
    pub fn share(&self) -> Narrator {
        Narrator {
            shared: Arc::clone(&self.shared),
        }
    }

    /// A chapter banner; starts a new recording (see [`Narrator::take_recording`]).
    pub fn chapter(&mut self, name: &str, title: &str) {
        let mut s = self.lock();
        s.flush_pending();
        s.step = 0;
        s.recording = Recording::default();
        let banner = format!("== {name}: {title} ");
        s.line("");
        let width = s.layout.width.min(78);
        if banner.chars().count() > s.layout.width {
            s.wrapped("== ", "   ", &format!("{name}: {title}"));
        } else {
            s.line(&format!("{banner:=<width$}"));
        }
    }

    /// What the chapter recorded since its banner.
    pub fn take_recording(&mut self) -> Recording {
        let mut s = self.lock();
        s.flush_pending();
        std::mem::take(&mut s.recording)
    }

    /// The lifelines of the chapter's diagram, left to right (others are added as they appear).
    pub fn participants(&mut self, names: &[&str]) {
        let mut s = self.lock();
        for name in names {
            s.participant(name);
        }
    }

    /// Records a message that crossed between two participants (the terminal shows its dumps
    /// separately, where the chapter explains them).
    pub fn message(&mut self, mut message: Message) {
        let mut s = self.lock();
        s.flush_pending();
        message.step = s.step;
        s.participant(&message.from);
        s.participant(&message.to);
        let index = s.recording.messages.len();
        s.recording.messages.push(message);
        s.recording.narration.push(Block::Message(index));
    }

    /// A paragraph of explanation.
    pub fn say(&mut self, text: &str) {
        let mut s = self.lock();
        s.flush_pending();
        s.recording.narration.push(Block::Say(text.to_string()));
        for line in reflow(text) {
            s.wrapped("   ", "   ", &line);
        }
    }

    /// Why a chapter did not run to its end: `SKIPPED: …` or `FAILED: …`.
    pub fn outcome(&mut self, text: &str) {
        let mut s = self.lock();
        s.flush_pending();
        s.recording.narration.push(Block::Outcome(text.to_string()));
        for line in reflow(text) {
            s.wrapped("   ", "   ", &line);
        }
    }

    /// A numbered step of what the tour does now. With `--step`, waits for Enter first.
    pub fn step(&mut self, text: &str) {
        let mut s = self.lock();
        s.flush_pending();
        if s.layout.step_by_step && s.step > 0 {
            s.line("   … (Enter for the next step)");
            let mut line = String::new();
            // End of input (stdin closed) just goes on without waiting.
            let _ = std::io::stdin().lock().read_line(&mut line);
        }
        s.step += 1;
        let n = s.step;
        s.recording.narration.push(Block::Step(n, text.to_string()));
        s.line("");
        let flowing: Vec<&str> = text.lines().map(str::trim).collect();
        s.wrapped(&format!("{n:>2}. "), "    ", &flowing.join(" "));
    }

    /// A line a program printed to its console, tagged with who printed it.
    pub fn console(&mut self, who: &str, line: &str) {
        self.lock().console(who, line);
    }

    /// Bytes on the wire: a caption, then a hex dump with the printable characters beside it.
    pub fn wire(&mut self, caption: &str, bytes: &[u8]) {
        let mut s = self.lock();
        s.flush_pending();
        s.recording.narration.push(Block::Wire {
            caption: caption.to_string(),
            bytes: bytes.to_vec(),
        });
        let plural = if bytes.len() == 1 { "" } else { "s" };
        s.wrapped(
            "   ⇄ ",
            "     ",
            &format!("{caption} ({} byte{plural})", bytes.len()),
        );
        let per_row = if s.layout.width >= 80 { 16 } else { 8 };
        for row in hex_rows(bytes, per_row) {
            s.line(&format!("     {row}"));
        }
    }

    /// One decoded field of a message: `name = value`, indented under the wire dump.
    pub fn field(&mut self, name: &str, value: &str) {
        let mut s = self.lock();
        s.flush_pending();
        s.recording
            .narration
            .push(Block::Field(name.to_string(), value.to_string()));
        let head = format!("       {name:<18} ");
        let indent = " ".repeat(head.chars().count().min(26));
        s.wrapped(&head, &indent, value);
    }

    /// The question the tutorial raises.
    pub fn question(&mut self, text: &str) {
        let mut s = self.lock();
        s.flush_pending();
        s.recording
            .narration
            .push(Block::Question(text.to_string()));
        s.line("");
        for (i, line) in reflow(text).iter().enumerate() {
            s.wrapped(if i == 0 { "   ? " } else { "     " }, "     ", line);
        }
    }

    /// The answer, as just shown live.
    pub fn answer(&mut self, text: &str) {
        let mut s = self.lock();
        s.flush_pending();
        s.recording.narration.push(Block::Answer(text.to_string()));
        for (i, line) in reflow(text).iter().enumerate() {
            let mark = if i == 0 { "   → " } else { "     " };
            s.wrapped(mark, "     ", line);
        }
    }

    /// A writer that turns everything a program prints into [`Narrator::console`]-style lines,
    /// for servers that run in a thread of the tour.
    pub fn console_writer(&self, who: &str) -> ConsoleWriter {
        ConsoleWriter {
            who: who.to_string(),
            shared: Arc::clone(&self.shared),
            partial: Vec::new(),
        }
    }
}

impl Shared {
    fn line(&mut self, text: &str) {
        // The tour is best effort on a closed pipe (`tour | head`): nothing to do but go on.
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// `text` after `first`, wrapped at the layout's width, later lines after `rest`.
    fn wrapped(&mut self, first: &str, rest: &str, text: &str) {
        let width = self.layout.width;
        for line in wrap(first, rest, text, width) {
            self.line(&line);
        }
    }

    fn participant(&mut self, name: &str) {
        if !self.recording.participants.iter().any(|p| p == name) {
            self.recording.participants.push(name.to_string());
        }
    }

    fn console(&mut self, who: &str, line: &str) {
        if let Some((w, l, times)) = &mut self.pending {
            if w == who && l == line {
                *times += 1;
                return;
            }
        }
        self.flush_pending();
        self.pending = Some((who.to_string(), line.to_string(), 1));
    }

    /// Prints (and records) the console line held back for folding.
    fn flush_pending(&mut self) {
        let Some((who, line, times)) = self.pending.take() else {
            return;
        };
        self.recording.narration.push(Block::Console {
            who: who.clone(),
            line: line.clone(),
            times,
        });
        let shown = if times > 1 {
            format!("{line}   ×{times}")
        } else {
            line
        };
        let head = format!("   {who:>14} │ ");
        let indent = format!("   {:>14} │ ", "");
        self.wrapped(&head, &indent, &shown);
    }
}

/// See [`Narrator::console_writer`]. Line by line into the narration.
pub struct ConsoleWriter {
    who: String,
    shared: Arc<Mutex<Shared>>,
    partial: Vec<u8>,
}

impl Write for ConsoleWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.partial.extend_from_slice(buf);
        while let Some(pos) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=pos).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            shared.console(&self.who, &text);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A hex dump: offset, the hex pairs, the printable characters between bars.
pub fn hex_rows(bytes: &[u8], per_row: usize) -> Vec<String> {
    bytes
        .chunks(per_row)
        .enumerate()
        .map(|(i, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let text: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!(
                "{:04x}  {:<w$} │{text}│",
                i * per_row,
                hex.join(" "),
                w = per_row * 3 - 1
            )
        })
        .collect()
}

/// The chapters write prose hard-wrapped for 100 columns: joins it back into paragraphs, to
/// wrap at the width asked for. An empty line stays a paragraph break; an indented line (a list,
/// a table, a line of code) keeps its own line.
pub fn reflow(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut prose = false;
    for line in text.lines() {
        if line.is_empty() || line.starts_with(' ') {
            lines.push(line.to_string());
            prose = false;
        } else if prose {
            let last = lines.last_mut().expect("a prose line before");
            last.push(' ');
            last.push_str(line);
        } else {
            lines.push(line.to_string());
            prose = true;
        }
    }
    lines
}

/// Word-wraps `text` to `width` columns: the first line after `first`, the others after `rest`.
/// A word longer than a line is cut.
pub fn wrap(first: &str, rest: &str, text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = first.to_string();
    let mut empty = true;
    let cols = |s: &str| s.chars().count();
    for word in text.split(' ') {
        let room = width.saturating_sub(cols(&current));
        if !empty && cols(word) + 1 > room {
            lines.push(current);
            current = rest.to_string();
            empty = true;
        }
        if !empty {
            current.push(' ');
        }
        let mut word = word.to_string();
        while cols(&current) + cols(&word) > width && cols(&word) > 1 {
            let room = width.saturating_sub(cols(&current)).max(1);
            let head: String = word.chars().take(room).collect();
            word = word.chars().skip(room).collect();
            current.push_str(&head);
            lines.push(current);
            current = rest.to_string();
        }
        current.push_str(&word);
        empty = false;
    }
    lines.push(current);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_wrapped_prose_flows_again_but_indented_lines_stay() {
        assert_eq!(
            reflow("one\ntwo\n  - a list\nthree\n\nfour"),
            ["one two", "  - a list", "three", "", "four"]
        );
    }

    #[test]
    fn narration_wraps_at_the_width_and_keeps_the_indent() {
        let lines = wrap("   ", "   ", "one two three four five", 12);
        assert_eq!(lines, ["   one two", "   three", "   four five"]);
        assert!(wrap("", "", "abcdefghij", 4)
            .iter()
            .all(|l| l.chars().count() <= 4));
        assert_eq!(wrap("   ", "   ", "", 10), ["   "]);
    }

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn repeated_console_lines_fold_into_one_with_a_count() {
        let buffer = Buffer::default();
        let mut n = Narrator::new(Box::new(buffer.clone()), Layout::default());
        let mut console = n.console_writer("zerorpc-server");
        for _ in 0..10 {
            console.write_all(b"sleep(1) = 1\n").expect("write");
        }
        n.say("done");
        let text = String::from_utf8(buffer.0.lock().expect("buffer").clone()).expect("utf-8");
        assert_eq!(
            text, "   zerorpc-server │ sleep(1) = 1   ×10\n   done\n",
            "{text}"
        );
        let recording = n.take_recording();
        assert_eq!(
            recording.narration[0],
            Block::Console {
                who: "zerorpc-server".into(),
                line: "sleep(1) = 1".into(),
                times: 10
            }
        );
    }
}
