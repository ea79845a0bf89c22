//! The line counts a section README states, checked against the files: an honest count beats a
//! short one only while it stays true.
//!
//! What is checked, anywhere in the README:
//! - a table row naming files in backticks and their counts (`| 74 | `src/client.rs` | …`,
//!   `| `src/app.rs` | 178 | …`, two files and `48 + 99` or `50, 128`);
//! - an inline count after a file: `` `src/lib.rs` (81 lines) `` or `` `src/broker.rs` (293: …) ``
//!   (a bare `concurrency.rs` is looked up under the crate when its name is unique there);
//! - a total: `176 lines in all` is the sum of the lists and tables above it (up to the
//!   heading); `The tutorial's
//!   program first (443 lines, …)` and `(lesson path, 712 lines …)` the sum of the table below;
//! - a line range: `` `src/app.rs` (`fn server`, lines 27–54) ``: the file has those lines, and
//!   the item named in backticks before the range is declared within it.

use std::path::{Path, PathBuf};

/// One file's count as the README states it.
#[derive(Debug, Clone, PartialEq)]
struct Claim {
    file: String,
    count: usize,
}

/// Every stated count, total and range that is not true of the files under `crate_dir`.
pub fn stale(crate_dir: &str, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let claims: Vec<Vec<Claim>> = lines.iter().map(|l| claims_on(crate_dir, l)).collect();
    let mut stale = Vec::new();
    for claim in claims.iter().flatten() {
        match count_lines(crate_dir, &claim.file) {
            Ok(n) if n == claim.count => {}
            Ok(n) => stale.push(format!(
                "README says {} has {} lines; it has {n}",
                claim.file, claim.count
            )),
            Err(e) => stale.push(format!(
                "README lists {}, which cannot be read: {e}",
                claim.file
            )),
        }
    }
    stale.extend(stale_totals(&lines, &claims));
    stale.extend(stale_ranges(crate_dir, text));
    stale
}

fn count_lines(crate_dir: &str, file: &str) -> std::io::Result<usize> {
    Ok(std::fs::read_to_string(Path::new(crate_dir).join(file))?
        .lines()
        .count())
}

/// The claims of one README line: a table row's files and counts, or inline counts.
fn claims_on(crate_dir: &str, line: &str) -> Vec<Claim> {
    if line.starts_with('|') {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let files = cells.iter().map(|c| code_paths(c)).find(|f| !f.is_empty());
        let counts = cells.iter().find_map(|c| {
            c.split([',', '+'])
                .map(|n| n.trim().parse::<usize>())
                .collect::<Result<Vec<_>, _>>()
                .ok()
        });
        return match (files, counts) {
            (Some(files), Some(counts)) if files.len() == counts.len() => files
                .into_iter()
                .zip(counts)
                .map(|(file, count)| Claim { file, count })
                .collect(),
            _ => Vec::new(),
        };
    }
    // `path` (N lines …) or `path` (N: …)
    let mut claims = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else { break };
        let (path, tail) = (&after[..end], &after[end + 1..]);
        if let Some(inside) = tail.strip_prefix(" (") {
            let digits: String = inside.chars().take_while(char::is_ascii_digit).collect();
            let after_digits = &inside[digits.len()..];
            let counted = after_digits.starts_with(" lines") || after_digits.starts_with(':');
            if let (Ok(count), true, true) = (digits.parse(), counted, is_source_path(path)) {
                if let Some(file) = resolve(crate_dir, path) {
                    claims.push(Claim { file, count });
                }
            }
        }
        rest = tail;
    }
    claims
}

/// `path` as given, or a bare file name found once under the crate (`concurrency.rs`).
fn resolve(crate_dir: &str, path: &str) -> Option<String> {
    if path.contains('/') || Path::new(crate_dir).join(path).exists() {
        return Some(path.to_string());
    }
    let mut found = Vec::new();
    find_named(Path::new(crate_dir), path, &mut found);
    match found.as_slice() {
        [one] => one
            .strip_prefix(crate_dir)
            .ok()
            .map(|p| p.to_string_lossy().trim_start_matches('/').to_string()),
        _ => Some(path.to_string()), // missing or ambiguous: reported as unreadable
    }
}

fn find_named(dir: &Path, name: &str, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let skip = ["target", "peers", "tests"];
        if path.is_dir() && !skip.iter().any(|s| path.ends_with(s)) {
            find_named(&path, name, found);
        } else if path.file_name().is_some_and(|n| n == name) {
            found.push(path);
        }
    }
}

/// The source files named in backticks in a table cell (`` [`src/a.rs`](src/a.rs) `` counts once).
fn code_paths(cell: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (i, part) in cell.split('`').enumerate() {
        if i % 2 == 1 && is_source_path(part) && !paths.iter().any(|p| p == part) {
            paths.push(part.to_string());
        }
    }
    paths
}

fn is_source_path(text: &str) -> bool {
    !text.contains(' ')
        && [".rs", ".py", ".php", ".tpl", ".sh"]
            .iter()
            .any(|ext| text.ends_with(ext))
}

/// A line of a list or a table: the runs of them are the groups a total sums.
fn in_group(line: &str) -> bool {
    let numbered = line
        .split_once(". ")
        .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    line.starts_with('|') || numbered || line.starts_with("- ")
}

/// Totals that are not the sum of the counts they total.
fn stale_totals(lines: &[&str], claims: &[Vec<Claim>]) -> Vec<String> {
    let group_sum = |range: std::ops::Range<usize>| -> Option<usize> {
        let counts: Vec<usize> = claims[range].iter().flatten().map(|c| c.count).collect();
        (!counts.is_empty()).then(|| counts.iter().sum())
    };
    // [start, end) of every run of list or table lines.
    let mut groups = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if in_group(lines[i]) {
            let start = i;
            while i < lines.len() && in_group(lines[i]) {
                i += 1;
            }
            groups.push(start..i);
        } else {
            i += 1;
        }
    }
    let mut stale = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        for (total, below) in totals_on(line) {
            let sum = if below {
                let group = groups.iter().find(|g| g.start > at);
                group.and_then(|g| group_sum(g.clone()))
            } else {
                // Everything listed since the heading above the total.
                let heading = lines[..at].iter().rposition(|l| l.starts_with('#'));
                let from = heading.map_or(0, |h| h + 1);
                group_sum(from..at)
            };
            match sum {
                Some(sum) if sum == total => {}
                Some(sum) => stale.push(format!(
                    "README says {total} lines in all (line {}); the counts it totals add up to {sum}",
                    at + 1
                )),
                None => stale.push(format!(
                    "README states a total of {total} lines (line {}) but lists no counts to add up",
                    at + 1
                )),
            }
        }
    }
    stale
}

/// The totals stated on a line: `(total, true)` for one that sums the table below
/// (`program first (443 lines`), `(total, false)` for one that sums the list above
/// (`176 lines in all`, `2 438 lines in all`).
fn totals_on(line: &str) -> Vec<(usize, bool)> {
    let mut totals = Vec::new();
    for (at, _) in line.match_indices(" lines") {
        let before = &line[..at];
        // The number just before, digits grouped by spaces as in "2 438".
        let mut start = before.len();
        let bytes = before.as_bytes();
        while start > 0 {
            let c = bytes[start - 1];
            let grouped = c == b' ' && start >= 2 && bytes[start - 2].is_ascii_digit();
            if c.is_ascii_digit() || (grouped && start < before.len()) {
                start -= 1;
            } else {
                break;
            }
        }
        let digits: String = before[start..]
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let Ok(total) = digits.parse::<usize>() else {
            continue;
        };
        let lead = before[..start].trim_end();
        if line[at..].starts_with(" lines in all") {
            totals.push((total, false));
        } else if ["first (", "first:", "path,"]
            .iter()
            .any(|w| lead.ends_with(w.trim_end()))
        {
            totals.push((total, true));
        }
    }
    totals
}

/// `lines A–B` (or `A-B`) ranges that do not hold the item they name.
fn stale_ranges(crate_dir: &str, text: &str) -> Vec<String> {
    let mut stale = Vec::new();
    for paragraph in text.split("\n\n") {
        let paragraph = paragraph.replace('\n', " ");
        for (at, _) in paragraph.match_indices("lines ") {
            let rest = &paragraph[at + "lines ".len()..];
            let Some((from, to)) = range_at(rest) else {
                continue;
            };
            let before = &paragraph[..at];
            let code: Vec<&str> = before.split('`').skip(1).step_by(2).collect();
            let Some(file) = code.iter().rev().find(|c| is_source_path(c)) else {
                continue;
            };
            let item = code
                .last()
                .filter(|c| !is_source_path(c))
                .map(|c| identifier(c));
            let Ok(content) = std::fs::read_to_string(Path::new(crate_dir).join(file)) else {
                stale.push(format!(
                    "README gives lines {from}–{to} of {file}, which cannot be read"
                ));
                continue;
            };
            let lines: Vec<&str> = content.lines().collect();
            if from == 0 || from > to || to > lines.len() {
                stale.push(format!(
                    "README gives lines {from}–{to} of {file}, which has {} lines",
                    lines.len()
                ));
                continue;
            }
            if let Some(item) = item.filter(|i| !i.is_empty()) {
                let declared = lines[from - 1..to].iter().any(|l| declares(l, &item));
                if !declared {
                    let actual = lines
                        .iter()
                        .position(|l| declares(l, &item))
                        .map_or("nowhere in the file".to_string(), |i| {
                            format!("at line {}", i + 1)
                        });
                    stale.push(format!(
                        "README gives `{item}` at lines {from}–{to} of {file}; it is declared {actual}"
                    ));
                }
            }
        }
    }
    stale
}

/// `27–54` or `27-54` at the start of `text`.
fn range_at(text: &str) -> Option<(usize, usize)> {
    let from: String = text.chars().take_while(char::is_ascii_digit).collect();
    let rest = &text[from.len()..];
    let rest = rest.strip_prefix('–').or_else(|| rest.strip_prefix('-'))?;
    let to: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((from.parse().ok()?, to.parse().ok()?))
}

/// The name in `fn server`, `timing()`, `access_key(key)`.
fn identifier(code: &str) -> String {
    let code = code.trim_start_matches("pub ").trim_start_matches("fn ");
    code.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Does this source line declare `name` (`fn name`, `struct name`, …)?
fn declares(line: &str, name: &str) -> bool {
    [
        "fn ", "struct ", "enum ", "trait ", "type ", "const ", "mod ", "static ",
    ]
    .iter()
    .any(|kw| {
        line.match_indices(&format!("{kw}{name}")).any(|(i, m)| {
            let next = line[i + m.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate of two files, 3 and 5 lines long.
    fn crate_dir() -> tempdir::Dir {
        tempdir::Dir::with(&[
            ("src/a.rs", "1\n2\n3\n"),
            ("src/deep/b.rs", "1\npub fn server() {\n3\n4\n}\n"),
        ])
    }

    #[test]
    fn true_counts_and_totals_pass() {
        let dir = crate_dir();
        let readme = "1. `src/a.rs` (3 lines) — a\n2. `src/deep/b.rs` (5 lines) — b\n\n\
                      8 lines in all, comments included.\n\n\
                      The tutorial's program first (8 lines):\n\n| lines | file |\n|---|---|\n\
                      | 3 | `src/a.rs` |\n| 5 | `src/deep/b.rs` |\n\n\
                      Also `b.rs` (5: a bare name) and `src/deep/b.rs` (`fn server`, lines 2–5).\n";
        assert_eq!(stale(dir.path(), readme), Vec::<String>::new());
    }

    #[test]
    fn a_wrong_total_a_wrong_inline_count_and_a_wrong_range_fail() {
        let dir = crate_dir();
        let readme = "1. `src/a.rs` (3 lines) — a\n2. `src/deep/b.rs` (5 lines) — b\n\n\
                      9 lines in all, comments included.\n\n\
                      Plumbing: `src/a.rs` (4: wrong).\n\n\
                      See `src/deep/b.rs` (`fn server`, lines 3–5) and (lines 4–9).\n";
        let found = stale(dir.path(), readme);
        assert_eq!(
            found,
            [
                "README says src/a.rs has 4 lines; it has 3",
                "README says 9 lines in all (line 4); the counts it totals add up to 8",
                "README gives `server` at lines 3–5 of src/deep/b.rs; it is declared at line 2",
                "README gives lines 4–9 of src/deep/b.rs, which has 5 lines",
            ],
        );
    }

    #[test]
    fn totals_read_grouped_digits_and_know_their_direction() {
        assert_eq!(totals_on("2 438 lines in all (library)"), [(2438, false)]);
        assert_eq!(
            totals_on("The program first (443 lines, comments)"),
            [(443, true)]
        );
        assert_eq!(totals_on("first: 450 lines, comments"), [(450, true)]);
        assert_eq!(
            totals_on("(lesson path, 712 lines with headers)"),
            [(712, true)]
        );
        assert_eq!(totals_on("prints 20 lines"), []);
    }

    /// A throw-away crate folder for the tests (no dependency for one temp dir).
    mod tempdir {
        use std::path::PathBuf;

        pub struct Dir(PathBuf);

        impl Dir {
            pub fn with(files: &[(&str, &str)]) -> Dir {
                static NEXT: std::sync::atomic::AtomicUsize =
                    std::sync::atomic::AtomicUsize::new(0);
                let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let root =
                    std::env::temp_dir().join(format!("line-counts-{}-{n}", std::process::id()));
                for (path, content) in files {
                    let path = root.join(path);
                    std::fs::create_dir_all(path.parent().expect("a file in a folder"))
                        .expect("create the test crate");
                    std::fs::write(path, content).expect("write a test file");
                }
                Dir(root)
            }

            pub fn path(&self) -> &str {
                self.0.to_str().expect("a UTF-8 temp path")
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
