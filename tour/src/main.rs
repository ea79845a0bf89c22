//! The tour — the whole tutorial in one command.
//!
//! `cargo run -p tour` walks through every section in order, inside this one process: it starts
//! the section's server(s) on ephemeral endpoints, runs the client(s), and narrates each step —
//! the pattern, the bytes on the wire next to their decoded form, and the question the tutorial
//! raises with its answer shown live. `--section NAME` runs one chapter, `--list` lists them.
//!
//! A chapter whose prerequisites are missing (no broker, no php) is skipped with the command
//! that fixes it; any chapter that fails makes the exit status non-zero.

mod chapters;
mod narrator;

use std::process::ExitCode;

use clap::Parser;

use chapters::Chapter;
use narrator::Narrator;

/// Walks through the RPC tutorial, section by section, narrating what goes on the wire.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Run only this chapter (see --list), e.g. `demo1` or `amqp`.
    #[arg(long)]
    section: Option<String>,
    /// List the chapters and exit.
    #[arg(long)]
    list: bool,
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
        Some(name) => all.iter().filter(|c| c.name == name.as_str()).collect(),
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

    let mut narrator = Narrator::stdout();
    let (mut passed, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for chapter in selected {
        narrator.chapter(chapter.name, chapter.title);
        if let Some(missing) = chapter.needs.iter().find_map(|need| need.missing()) {
            narrator.say(&format!("SKIPPED: {missing}"));
            skipped.push(chapter.name);
            continue;
        }
        match (chapter.run)(&mut narrator) {
            Ok(()) => passed.push(chapter.name),
            Err(error) => {
                narrator.say(&format!("FAILED: {error:#}"));
                failed.push(chapter.name);
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
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
