//! The tour — the whole tutorial in one command.
//!
//! `cargo run -p tour` walks through every section in order, inside this one process: it starts
//! the section's server(s) on ephemeral endpoints, runs the client(s), and narrates each step —
//! the pattern, the bytes on the wire next to their decoded form, and the question the tutorial
//! raises with its answer shown live. `--section NAME` runs one chapter, `--list` lists them.
//! `--html DIR` also draws the same run: a page per chapter with a sequence diagram of the
//! messages it recorded, each arrow's bytes on click, stepped with the arrow keys for a class.
//!
//! A chapter whose prerequisites are missing (no broker, no php) is skipped with the command
//! that fixes it; any chapter that fails makes the exit status non-zero.

mod chapters;
mod html;
mod narrator;
mod recorder;
mod zmtp;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use chapters::Chapter;
use narrator::{Layout, Narrator};

/// Walks through the RPC tutorial, section by section, narrating what goes on the wire.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Run only this chapter: its name (see --list), section number or crate, e.g. `demo1`,
    /// `4`, `6½`, `demo4-multi-reply`.
    #[arg(long)]
    section: Option<String>,
    /// List the chapters and exit.
    #[arg(long)]
    list: bool,
    /// Also write the run as a web page per chapter into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    html: Option<PathBuf>,
    /// Also draw each chapter that passes as its section README's picture,
    /// ROOT/<crate>/sequence.svg (ports normalised; ROOT is the repository: `.`).
    #[arg(long, value_name = "ROOT")]
    readme_svg: Option<PathBuf>,
    /// Wait for Enter before each numbered step (for a class).
    #[arg(long)]
    step: bool,
    /// `once`: a protocol's header is broken down byte by byte once per chapter, later messages
    /// in one line; `all`: every message byte by byte.
    #[arg(long, value_enum, default_value_t = Bytes::Once)]
    bytes: Bytes,
    /// Wrap the narration at N columns (default: the terminal's width, else 100).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(narrator::MIN_WIDTH as i64..))]
    width: Option<u16>,
}

/// How much of every message the terminal breaks down (`--bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Bytes {
    Once,
    All,
}

/// How a chapter ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Skipped(String),
    Failed(String),
}

/// The terminal's width: `$COLUMNS`, else what `stty size` says of the terminal stdout is
/// (`None` when stdout is a pipe or a file: then the default).
fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(columns);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let tty = std::fs::File::open("/dev/tty").ok()?;
    let size = std::process::Command::new("stty")
        .arg("size")
        .stdin(tty)
        .output()
        .ok()?;
    let text = String::from_utf8(size.stdout).ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    // The chapters' servers log a warning for every bad call, and the tour makes bad calls on
    // purpose to narrate them on stdout: only errors go to stderr (`RUST_LOG=info` shows all).
    common::logging::init_with_default("error");
    let args = Args::parse();
    let all = chapters::all();

    if args.list {
        for chapter in &all {
            println!("{:<10} {}", chapter.name, chapter.title);
        }
        return ExitCode::SUCCESS;
    }

    let selected: Vec<&Chapter> = match &args.section {
        Some(wanted) => all.iter().filter(|c| c.answers_to(wanted)).collect(),
        None => all.iter().collect(),
    };
    if selected.is_empty() {
        let names: Vec<&str> = all.iter().map(|c| c.name).collect();
        eprintln!(
            "no chapter named {:?}; chapters: {}",
            args.section.unwrap_or_default(),
            names.join(", ")
        );
        return ExitCode::FAILURE;
    }
    // A page directory that cannot be written is an error before any chapter runs.
    if let Some(dir) = &args.html {
        if let Err(e) = html::prepare(dir) {
            eprintln!("tour: --html {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }

    if let Some(root) = &args.readme_svg {
        if let Some(chapter) = selected.iter().find(|c| !root.join(c.krate).is_dir()) {
            eprintln!(
                "tour: --readme-svg {}: no folder {} there (ROOT is the repository)",
                root.display(),
                chapter.krate
            );
            return ExitCode::FAILURE;
        }
    }

    let width = args
        .width
        .map(usize::from)
        .or_else(terminal_width)
        .unwrap_or(narrator::DEFAULT_WIDTH)
        .max(narrator::MIN_WIDTH);
    let mut narrator = Narrator::stdout(Layout {
        width,
        step_by_step: args.step,
        every_byte: args.bytes == Bytes::All,
    });
    let mut runs = Vec::new();
    for chapter in selected {
        narrator.chapter(chapter.name, chapter.title);
        let outcome = match chapter.needs.iter().find_map(|need| need.missing()) {
            Some(missing) => Outcome::Skipped(missing),
            None => match (chapter.run)(&mut narrator) {
                Ok(()) => Outcome::Passed,
                Err(error) => Outcome::Failed(format!("{error:#}")),
            },
        };
        match &outcome {
            Outcome::Passed => {}
            Outcome::Skipped(why) => narrator.outcome(&format!("SKIPPED: {why}")),
            Outcome::Failed(why) => narrator.outcome(&format!("FAILED: {why}")),
        }
        runs.push((chapter, outcome, narrator.take_recording()));
    }

    let names = |wanted: fn(&Outcome) -> bool| -> Vec<&str> {
        runs.iter()
            .filter(|(_, outcome, _)| wanted(outcome))
            .map(|(chapter, _, _)| chapter.name)
            .collect()
    };
    let passed = names(|o| *o == Outcome::Passed);
    let skipped = names(|o| matches!(o, Outcome::Skipped(_)));
    let failed = names(|o| matches!(o, Outcome::Failed(_)));

    let mut status = if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if let Some(dir) = &args.html {
        println!();
        match html::write_site(dir, &runs) {
            Ok(pages) => {
                for (name, messages) in pages {
                    println!("page {name}.html: {messages} messages");
                }
                println!("open {}", dir.join("index.html").display());
            }
            Err(e) => {
                eprintln!("tour: writing the pages into {}: {e}", dir.display());
                status = ExitCode::FAILURE;
            }
        }
    }

    if let Some(root) = &args.readme_svg {
        for (chapter, outcome, recording) in &runs {
            if *outcome != Outcome::Passed {
                continue;
            }
            let path = root.join(chapter.krate).join("sequence.svg");
            match std::fs::write(&path, html::picture(recording)) {
                Ok(()) => println!(
                    "picture {}/sequence.svg: {} messages",
                    chapter.krate,
                    recording.messages.len()
                ),
                Err(e) => {
                    eprintln!("tour: cannot write {}: {e}", path.display());
                    status = ExitCode::FAILURE;
                }
            }
        }
    }

    println!();
    println!(
        "tour: {} passed, {} failed, {} skipped{}",
        passed.len(),
        failed.len(),
        skipped.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(" (failed: {})", failed.join(", "))
        }
    );
    status
}
