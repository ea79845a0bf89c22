//! Test helper: every ```` ```sh ```` block of a section's README, run for real and compared with
//! what the README says it prints, so that the docs and the programs cannot drift apart.
//!
//! A README block is a transcript, in one column or two (terminal 1 left, terminal 2 right):
//!
//! ```text
//! # terminal 1                              # terminal 2
//! cargo run -p demo1-reqrep                 cargo run -p demo1-reqrep --bin demo1-client
//! Get message: hello there!                 Get back message: hello there!
//! ```
//!
//! - A **command** is a line that starts with `cargo run`, `php `, `.venv/bin/python ` (after
//!   optional `NAME=value` settings); a trailing `\` continues it on the next line; a trailing
//!   `# …` is commentary.
//! - Any other line that is not a `#` comment is **output** the last command of its column must
//!   print (stdout or stderr). `…` stands for anything; a date of the tutorial's format
//!   (`11/22/2026 02:06:01 am`) matches any such date.
//! - Commands run in order, all at once as in several terminals, at the tutorial's defaults
//!   (the caller holds the default ports with [`crate::lock_default_port`]). After a
//!   server starts, the runner waits until one of the caller's ports accepts connections.
//!   A new scenario (everything stopped first) starts when a server command follows a
//!   scenario that already has a server and a client.
//! - A command with no output lines must exit with status 0 (a client) or still be running at
//!   the end (a server): "it runs" is checked even where the README shows nothing.
//! - A block preceded by the line `<!-- readme-test: skip (why) -->` is not run (the benchmark's
//!   ten-minute run, say); the reason is printed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{php, python, skip, workspace_root, Proc};

/// How long one process may take to print all its expected lines (or, for a client with none,
/// to exit).
const OUTPUT_WITHIN: Duration = Duration::from_secs(20);
/// How long a server may take to accept connections after it starts.
const SERVER_UP_WITHIN: Duration = Duration::from_secs(15);

/// The section being checked: its package name, its binaries (name → path, from
/// `env!("CARGO_BIN_EXE_<name>")`), which of them `cargo run -p <package>` starts, and the
/// loopback ports its servers listen on at their defaults.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    pub package: &'a str,
    pub crate_dir: &'a str,
    pub bins: &'a [(&'a str, &'a str)],
    pub default_bin: &'a str,
    pub ports: &'a [u16],
}

/// Runs every `sh` block of `<crate_dir>/README.md`; panics with every mismatch.
pub fn check(section: &Section<'_>) {
    let path = Path::new(section.crate_dir).join("README.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let blocks = sh_blocks(&text);
    assert!(!blocks.is_empty(), "{} has no sh block", path.display());
    let mut failures = Vec::new();
    let mut ran = 0;
    for block in &blocks {
        if let Some(why) = &block.skip {
            eprintln!(
                "readme-test: {} line {}: not run ({why})",
                path.display(),
                block.line
            );
            continue;
        }
        match run_block(section, block) {
            Ok(()) => ran += 1,
            Err(Outcome::Skipped) => {}
            Err(Outcome::Failed(why)) => failures.push(format!(
                "{} block at line {}:\n{why}",
                path.display(),
                block.line
            )),
        }
    }
    failures.extend(crate::line_counts::stale(section.crate_dir, &text));
    assert!(
        failures.is_empty(),
        "README commands that do not do what the README says ({ran} blocks passed):\n\n{}",
        failures.join("\n\n")
    );
}

/// One ```` ```sh ```` block: its first line number and its lines.
#[derive(Debug)]
struct Block {
    line: usize,
    lines: Vec<String>,
    skip: Option<String>,
}

fn sh_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    let mut skip_next: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            Some(block) => {
                if line.trim_start().starts_with("```") {
                    blocks.push(current.take().expect("in a block"));
                } else {
                    block.lines.push(line.to_string());
                }
            }
            None => {
                let trimmed = line.trim();
                if let Some(rest) = trimmed.strip_prefix("<!-- readme-test: skip") {
                    skip_next = Some(
                        rest.trim_end_matches("-->")
                            .trim()
                            .trim_matches(['(', ')'])
                            .to_string(),
                    );
                } else if trimmed == "```sh" {
                    current = Some(Block {
                        line: i + 2,
                        lines: Vec::new(),
                        skip: skip_next.take(),
                    });
                } else if !trimmed.is_empty() {
                    skip_next = None;
                }
            }
        }
    }
    blocks
}

/// What a README line is.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Command(String),
    Output(String),
}

/// Splits a block into (column, item) in reading order: row by row, left before right.
fn items(block: &Block) -> Vec<(usize, Item)> {
    // Where the right column starts: the second `#` header, or the most common start of text
    // after a gap of three or more spaces.
    // Offsets count characters, not bytes: headers hold dashes such as `—`.
    let mut split = None;
    for line in &block.lines {
        let trimmed = line.trim_start();
        if trimmed.starts_with("# terminal") {
            if let Some(pos) = line[1..].find("# terminal").map(|p| p + 1) {
                split = Some(line[..pos].chars().count());
            }
            break;
        }
    }
    if split.is_none() {
        let mut starts: HashMap<usize, usize> = HashMap::new();
        for line in &block.lines {
            if let Some(pos) = gap_column(line) {
                *starts.entry(pos).or_default() += 1;
            }
        }
        split = starts
            .into_iter()
            .max_by_key(|&(pos, n)| (n, std::cmp::Reverse(pos)))
            .map(|(pos, _)| pos);
    }
    let mut rows: Vec<[String; 2]> = Vec::new();
    let mut left_continues = false;
    for line in &block.lines {
        let chars: Vec<char> = line.chars().collect();
        let (left, right) = match split {
            // The line after a left-column `\` is the rest of that command.
            _ if left_continues => (line.clone(), String::new()),
            Some(pos) if chars.len() > pos => {
                let (l, r) = chars.split_at(pos);
                let l: String = l.iter().collect();
                // A left cell running into the right column is one long left cell.
                if l.ends_with(' ') || l.trim().is_empty() {
                    (l, r.iter().collect())
                } else {
                    (line.clone(), String::new())
                }
            }
            _ => (line.clone(), String::new()),
        };
        left_continues = strip_comment(left.trim()).ends_with('\\');
        rows.push([left, right]);
    }
    let mut out = Vec::new();
    let mut pending: [Option<String>; 2] = [None, None];
    for row in rows {
        for (column, cell) in row.iter().enumerate() {
            let cell = cell.trim();
            if let Some(open) = pending[column].take() {
                let joined = format!("{open} {}", cell.trim_end_matches('\\').trim());
                if cell.ends_with('\\') {
                    pending[column] = Some(joined);
                } else {
                    out.push((column, Item::Command(joined)));
                }
                continue;
            }
            if cell.is_empty() || cell.starts_with('#') {
                continue;
            }
            let without_comment = strip_comment(cell);
            if is_command(without_comment) {
                if let Some(open) = without_comment.strip_suffix('\\') {
                    pending[column] = Some(open.trim().to_string());
                } else {
                    out.push((column, Item::Command(without_comment.to_string())));
                }
            } else {
                out.push((column, Item::Output(cell.to_string())));
            }
        }
    }
    out
}

/// The column (in characters) of the text after the first gap of 3+ spaces inside the line
/// (not its indentation: an indented line is a continuation or a right-column line).
fn gap_column(line: &str) -> Option<usize> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = chars.iter().take_while(|c| **c == ' ').count();
    while i < chars.len() {
        if chars[i] == ' ' {
            let start = i;
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            if i - start >= 3 && i < chars.len() && chars[i] != '#' {
                return Some(i);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// A command without its trailing `   # comment`.
fn strip_comment(cell: &str) -> &str {
    match cell.find("  #") {
        Some(pos) => cell[..pos].trim_end(),
        None => cell,
    }
}

fn is_command(cell: &str) -> bool {
    let words = shell_words(cell.trim_end_matches('\\'));
    // NAME=value settings first (their values may hold spaces inside quotes).
    let mut words = words
        .iter()
        .skip_while(|w| {
            w.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            })
        })
        .map(String::as_str);
    match words.next() {
        Some("cargo") => words.next() == Some("run"),
        Some("php" | ".venv/bin/python") => true,
        // Only settings, and the command on the next line.
        None => cell.trim_end().ends_with('\\'),
        _ => false,
    }
}

/// Shell words: spaces separate, '…' and "…" quote, `\` escapes.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

enum Outcome {
    Skipped,
    Failed(String),
}

/// A README command ready to start.
struct Step {
    text: String,
    command: Command,
    server: bool,
    expect: Vec<String>,
}

fn prepare(section: &Section<'_>, text: &str) -> Result<(Command, bool), Outcome> {
    let mut words = shell_words(text).into_iter().peekable();
    let mut env = Vec::new();
    while let Some(word) = words.peek() {
        match word.split_once('=') {
            Some((name, value)) if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') => {
                env.push((name.to_string(), value.to_string()));
                words.next();
            }
            _ => break,
        }
    }
    let words: Vec<String> = words.collect();
    let root = workspace_root();
    let (mut command, server) = match words.first().map(String::as_str) {
        Some("cargo") => {
            let mut package = None;
            let mut bin = None;
            let mut args = Vec::new();
            let mut i = 2; // after `cargo run`
            while i < words.len() {
                match words[i].as_str() {
                    "-p" | "--package" => {
                        package = words.get(i + 1).cloned();
                        i += 2;
                    }
                    "--bin" => {
                        bin = words.get(i + 1).cloned();
                        i += 2;
                    }
                    "--release" | "--quiet" | "-q" => i += 1,
                    "--" => {
                        args = words[i + 1..].to_vec();
                        break;
                    }
                    other => {
                        return Err(Outcome::Failed(format!(
                            "`{text}`: this test does not know the cargo flag {other}"
                        )))
                    }
                }
            }
            if package.as_deref() != Some(section.package) {
                return Err(Outcome::Failed(format!(
                    "`{text}` runs package {package:?}: a section README runs its own package \
                     ({}) only",
                    section.package
                )));
            }
            let bin = bin.unwrap_or_else(|| section.default_bin.to_string());
            let Some((_, path)) = section.bins.iter().find(|(name, _)| *name == bin) else {
                return Err(Outcome::Failed(format!(
                    "`{text}`: {} has no binary {bin}",
                    section.package
                )));
            };
            let mut command = Command::new(path);
            command.args(&args);
            (command, is_server_name(&bin))
        }
        Some(program @ ("php" | ".venv/bin/python")) => {
            let interpreter: Option<PathBuf> = if program == "php" { php() } else { python() };
            let Some(interpreter) = interpreter else {
                skip(&format!("`{text}` needs {program}"));
                return Err(Outcome::Skipped);
            };
            let script = words.get(1).cloned().unwrap_or_default();
            let mut command = Command::new(interpreter);
            command.args(&words[1..]);
            (command, is_server_name(&script))
        }
        _ => {
            return Err(Outcome::Failed(format!(
                "`{text}` is not a command this test runs"
            )))
        }
    };
    command.current_dir(&root).envs(env);
    Ok((command, server))
}

/// Servers (and other programs that run until stopped) by their name.
fn is_server_name(name: &str) -> bool {
    let base = Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name);
    ["server", "producer", "push", "watch"]
        .iter()
        .any(|word| base.contains(word))
}

fn run_block(section: &Section<'_>, block: &Block) -> Result<(), Outcome> {
    // Build the steps: each output line goes to the last command of its column.
    let mut steps: Vec<Step> = Vec::new();
    let mut last_of_column: [Option<usize>; 2] = [None, None];
    let mut last_any = None;
    for (column, item) in items(block) {
        match item {
            Item::Command(text) => {
                let (command, server) = prepare(section, &text)?;
                steps.push(Step {
                    text,
                    command,
                    server,
                    expect: Vec::new(),
                });
                last_of_column[column] = Some(steps.len() - 1);
                last_any = Some(steps.len() - 1);
            }
            Item::Output(line) => {
                let Some(owner) = last_of_column[column].or(last_any) else {
                    return Err(Outcome::Failed(format!(
                        "output line before any command: {line:?}"
                    )));
                };
                steps[owner].expect.push(line);
            }
        }
    }
    if steps.is_empty() {
        return Err(Outcome::Failed("no command in this block".into()));
    }
    // Scenarios: a server after a scenario that has both a server and a client starts anew.
    let mut scenarios: Vec<Vec<Step>> = vec![Vec::new()];
    for step in steps {
        let current = scenarios.last_mut().expect("one scenario at least");
        let has_server = current.iter().any(|s| s.server);
        let has_client = current.iter().any(|s| !s.server);
        if step.server && has_server && has_client {
            scenarios.push(vec![step]);
        } else {
            current.push(step);
        }
    }
    let mut failures = Vec::new();
    for scenario in scenarios {
        if let Err(why) = run_scenario(section, scenario) {
            failures.push(why);
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Outcome::Failed(failures.join("\n")))
    }
}

fn run_scenario(section: &Section<'_>, steps: Vec<Step>) -> Result<(), String> {
    let mut running: Vec<(Step, Proc)> = Vec::new();
    for step in steps {
        let listening_before: Vec<u16> = section
            .ports
            .iter()
            .copied()
            .filter(|&p| accepts(p))
            .collect();
        let proc = Proc::spawn(step.text.clone(), &mut merged(&step.command));
        let server = step.server;
        running.push((step, proc));
        if server && !section.ports.is_empty() {
            let deadline = Instant::now() + SERVER_UP_WITHIN;
            while !section
                .ports
                .iter()
                .any(|&p| !listening_before.contains(&p) && accepts(p))
            {
                if Instant::now() > deadline {
                    return Err(format!(
                        "`{}` did not listen on any of the ports {:?} within {SERVER_UP_WITHIN:?}",
                        running
                            .last()
                            .map(|(s, _)| s.text.as_str())
                            .unwrap_or_default(),
                        section.ports
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    let mut problems = Vec::new();
    // Clients first (they make the servers print), then the servers.
    running.sort_by_key(|(step, _)| step.server);
    let mut done = Vec::new();
    for (step, mut proc) in running {
        let deadline = Instant::now() + OUTPUT_WITHIN;
        for want in &step.expect {
            let left = deadline.saturating_duration_since(Instant::now());
            let pattern = Pattern::new(want);
            if let Err(why) = proc.expect_line(left, |line| pattern.matches(line)) {
                problems.push(format!("`{}` should print {want:?}: {why}", step.text));
                break;
            }
        }
        done.push((step, proc));
    }
    for (step, proc) in done {
        let expected_nothing = step.expect.is_empty();
        if step.server {
            let finished = proc.finish(Duration::ZERO);
            if expected_nothing && finished.status.is_some() {
                problems.push(format!(
                    "`{}` (a server) exited by itself: {:?}; stderr: {}",
                    step.text, finished.status, finished.stderr
                ));
            }
        } else if expected_nothing {
            let finished = proc.finish(OUTPUT_WITHIN);
            if !finished.status.is_some_and(|s| s.success()) {
                problems.push(format!(
                    "`{}` should exit with status 0: {:?}; stdout {:?}; stderr: {}",
                    step.text, finished.status, finished.stdout, finished.stderr
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// `command` with its stderr sent to its stdout (`sh -c 'exec "$0" "$@" 2>&1'`), so that an
/// expected line is found on either; `exec` keeps the pid, so signals reach the program.
fn merged(command: &Command) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(r#"exec "$0" "$@" 2>&1"#)
        .arg(command.get_program())
        .args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => sh.env(name, value),
            None => sh.env_remove(name),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        sh.current_dir(dir);
    }
    sh
}

fn accepts(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(100),
    )
    .is_ok()
}

/// An expected README line: `…` matches anything, a tutorial date matches any date.
struct Pattern {
    parts: Vec<String>,
}

impl Pattern {
    fn new(want: &str) -> Pattern {
        let normal = normalise_dates(want.trim());
        Pattern {
            parts: normal.split('…').map(|p| p.trim().to_string()).collect(),
        }
    }

    fn matches(&self, line: &str) -> bool {
        let line = normalise_dates(line.trim());
        let mut rest = line.as_str();
        for (i, part) in self.parts.iter().enumerate() {
            if part.is_empty() {
                continue;
            }
            match rest.find(part.as_str()) {
                Some(0) => rest = &rest[part.len()..],
                Some(pos) if i > 0 => rest = &rest[pos + part.len()..],
                _ => return false,
            }
        }
        self.parts.last().is_some_and(|p| p.is_empty()) || rest.trim().is_empty()
    }
}

/// `11/22/2026 02:06:01 am` → `<date>`.
fn normalise_dates(text: &str) -> String {
    let bytes = text.as_bytes();
    let shape = b"00/00/0000 00:00:00 am";
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        let end = i + shape.len();
        if end <= text.len()
            && bytes[i..end].iter().zip(shape).all(|(&b, &s)| match s {
                b'0' => b.is_ascii_digit(),
                b'a' => b == b'a' || b == b'p',
                b'm' => b == b'm',
                other => b == other,
            })
        {
            out.push_str("<date>");
            i = end;
        } else {
            let c = text[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The README test of a section crate, in one line of its `tests/readme.rs`:
///
/// ```text
/// test_support::readme_test!(package: "demo1-reqrep", default: "demo1-server",
///     bins: ["demo1-server", "demo1-client"], ports: [5555]);
/// ```
///
/// It holds the tutorial's default ports (ascending, so two tests never wait on each other)
/// for the whole run, and skips when something outside the tests already listens there.
#[macro_export]
macro_rules! readme_test {
    (package: $package:literal, default: $default:literal, bins: [$($bin:literal),+ $(,)?],
     ports: [$($port:expr),* $(,)?]) => {
        #[test]
        fn readme_commands_print_what_the_readme_says() {
            let mut ports: Vec<u16> = vec![$($port),*];
            ports.sort_unstable();
            let mut locks = Vec::new();
            for port in &ports {
                match $crate::lock_default_port(*port) {
                    Some(lock) => locks.push(lock),
                    None => return,
                }
            }
            $crate::readme::check(&$crate::readme::Section {
                package: $package,
                crate_dir: env!("CARGO_MANIFEST_DIR"),
                bins: &[$(($bin, env!(concat!("CARGO_BIN_EXE_", $bin)))),+],
                default_bin: $default,
                ports: &ports,
            });
            drop(locks);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> Block {
        Block {
            line: 1,
            lines: text.lines().map(str::to_string).collect(),
            skip: None,
        }
    }

    #[test]
    fn two_columns_with_headers() {
        let b = block(
            "# terminal 1                              # terminal 2\n\
             cargo run -p demo1-reqrep                 cargo run -p demo1-reqrep --bin demo1-client\n\
             Get message: hello there!                 Get back message: hello there!",
        );
        assert_eq!(
            items(&b),
            vec![
                (0, Item::Command("cargo run -p demo1-reqrep".into())),
                (
                    1,
                    Item::Command("cargo run -p demo1-reqrep --bin demo1-client".into())
                ),
                (0, Item::Output("Get message: hello there!".into())),
                (1, Item::Output("Get back message: hello there!".into())),
            ]
        );
    }

    #[test]
    fn right_column_alone_and_continuations() {
        let b = block(
            "# terminal 1 — first        # terminal 2 — then\n\
             cargo run -p x --bin c\n\
             \x20                            cargo run -p x -- \\\n\
             \x20                              --name alice\n\
             \x20                            Get message: hello\n\
             Get back message: hello",
        );
        assert_eq!(
            items(&b),
            vec![
                (0, Item::Command("cargo run -p x --bin c".into())),
                (1, Item::Command("cargo run -p x -- --name alice".into())),
                (1, Item::Output("Get message: hello".into())),
                (0, Item::Output("Get back message: hello".into())),
            ]
        );
    }

    #[test]
    fn one_column_with_indented_continuations() {
        let b = block(
            "# terminal 1, 2, 3\n\
             cargo run -p x -- --name alice\n\
             Get message: [b'hello']\n\
             # terminal 4\n\
             cargo run -p x --bin c -- \\\n\
             \x20   --connect a --connect b\n\
             [b'alice']",
        );
        assert_eq!(
            items(&b),
            vec![
                (0, Item::Command("cargo run -p x -- --name alice".into())),
                (0, Item::Output("Get message: [b'hello']".into())),
                (
                    0,
                    Item::Command("cargo run -p x --bin c -- --connect a --connect b".into())
                ),
                (0, Item::Output("[b'alice']".into())),
            ]
        );
    }

    #[test]
    fn comments_are_commentary() {
        let b = block("cargo run -p x --bin c -- plus 1 2   # a comment\n6");
        assert_eq!(
            items(&b),
            vec![
                (
                    0,
                    Item::Command("cargo run -p x --bin c -- plus 1 2".into())
                ),
                (0, Item::Output("6".into())),
            ]
        );
    }

    #[test]
    fn words_and_patterns() {
        assert_eq!(
            shell_words(r#"A=1 echo '[1, {"a": true}]' "x y" z\ w"#),
            ["A=1", "echo", r#"[1, {"a": true}]"#, "x y", "z w"]
        );
        assert!(Pattern::new("Get date: 11/22/2026 02:06:01 am")
            .matches("Get date: 01/02/2027 11:59:00 pm"));
        assert!(!Pattern::new("Get date: 11/22/2026 02:06:01 am").matches("Get date: soon"));
        assert!(Pattern::new("no reply … within 2 s")
            .matches("error: no reply from x within 2 s".trim_start_matches("error: ")));
        assert!(!Pattern::new("19").matches("20"));
        assert!(is_command(r#"ZMQ_ENDPOINTS="tcp://a:1 tcp://b:2" \"#));
        assert!(is_command("SERVER_NAME=dave php peers/server.php"));
        assert!(!is_command("cargo test -p x"));
        assert!(!is_command("Get message: hello"));
        assert!(Pattern::new("['add', 'subtract', …]").matches("['add', 'subtract', 'divide']"));
    }
}
