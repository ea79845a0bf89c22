//! How the tour talks: chapter banners, prose, numbered steps, the bytes on the wire (hex next to
//! the decoded form), console lines of the programs, and the question/answer of each section.

use std::io::Write;

/// Prints the tour to stdout (or into a buffer, for tests).
pub struct Narrator {
    out: Box<dyn Write + Send>,
    step: usize,
}

impl Narrator {
    pub fn stdout() -> Narrator {
        Narrator {
            out: Box::new(std::io::stdout()),
            step: 0,
        }
    }

    fn line(&mut self, text: &str) {
        // The tour is best effort on a closed pipe (`tour | head`): nothing to do but go on.
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// A chapter banner.
    pub fn chapter(&mut self, name: &str, title: &str) {
        self.step = 0;
        let banner = format!("== {name}: {title} ");
        self.line("");
        self.line(&format!("{banner:=<78}"));
    }

    /// A paragraph of explanation.
    pub fn say(&mut self, text: &str) {
        for line in text.lines() {
            self.line(&format!("   {line}"));
        }
    }

    /// A numbered step of what the tour does now.
    pub fn step(&mut self, text: &str) {
        self.step += 1;
        let n = self.step;
        self.line(&format!("\n{n:>2}. {text}"));
    }

    /// A line a program printed to its console, tagged with who printed it.
    pub fn console(&mut self, who: &str, line: &str) {
        self.line(&format!("   {who:>14} │ {line}"));
    }

    /// Bytes on the wire: a caption, then a hex dump with the printable characters beside it.
    pub fn wire(&mut self, caption: &str, bytes: &[u8]) {
        let plural = if bytes.len() == 1 { "" } else { "s" };
        self.line(&format!("   ⇄ {caption} ({} byte{plural})", bytes.len()));
        for (i, chunk) in bytes.chunks(16).enumerate() {
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
            self.line(&format!(
                "     {:04x}  {:<48} │{text}│",
                i * 16,
                hex.join(" ")
            ));
        }
    }

    /// One decoded field of a message: `name = value`, indented under the wire dump.
    pub fn field(&mut self, name: &str, value: &str) {
        self.line(&format!("       {name:<18} {value}"));
    }

    /// The question the tutorial raises.
    pub fn question(&mut self, text: &str) {
        self.line(&format!("\n   ? {text}"));
    }

    /// The answer, as just shown live.
    pub fn answer(&mut self, text: &str) {
        for (i, line) in text.lines().enumerate() {
            let mark = if i == 0 { "→" } else { " " };
            self.line(&format!("   {mark} {line}"));
        }
    }

    /// A writer that turns everything a program prints into [`Narrator::console`]-style lines,
    /// for servers that run in a thread of the tour.
    pub fn console_writer(who: &'static str) -> ConsoleWriter {
        ConsoleWriter {
            who,
            pending: Vec::new(),
        }
    }
}

/// See [`Narrator::console_writer`]. Writes straight to stdout, line by line.
pub struct ConsoleWriter {
    who: &'static str,
    pending: Vec<u8>,
}

impl Write for ConsoleWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(pos) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=pos).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1]);
            println!("   {:>14} │ {text}", self.who);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
