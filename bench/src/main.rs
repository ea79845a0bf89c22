//! bench — measures each section's transport against its Python/PHP peer and prints ratios.
//!
//! `cargo run --release -p bench` runs every scenario (a few minutes); `-- --quick` runs each
//! briefly (the CI smoke test); `-- --scenario zmq-reqrep` runs one; `-- --list` lists them;
//! `-- --json results.jsonl` also writes one JSON object per row; `-- --write-docs` regenerates
//! `docs/benchmarks.md` and its chart. Progress goes to stderr, the table to stdout.
//!
//! `scripts/test.sh` runs the smoke test as `target/debug/bench --quick --no-build`: in the
//! debug profile, with the binaries `cargo test` has just built, so that it compiles nothing
//! again (docs/building.md). Real figures come only from `--release`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use bench::measure::Budget;
use bench::scenarios::{self, Scenario};
use bench::{json_lines, machine_facts, table, write_docs, Ctx, Results, Skip};
use clap::Parser;

/// Measures each transport of the tutorial against its Python/PHP peer, in one run on this
/// machine, and reports Rust / peer ratios (higher is better).
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Args {
    /// Run every scenario briefly (a smoke test: the figures mean little).
    #[arg(long)]
    quick: bool,
    /// Run only this scenario (repeat the flag for several; see --list).
    #[arg(long, value_name = "NAME")]
    scenario: Vec<String>,
    /// List the scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Alternating samples per contender (default: 5, or 1 with --quick).
    #[arg(long)]
    repeats: Option<usize>,
    /// Also write the rows as JSON lines to this file.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Regenerate docs/benchmarks.md and docs/benchmarks.svg from this run.
    #[arg(long)]
    write_docs: bool,
    /// Use the server binaries already built next to this one instead of running
    /// `cargo build --workspace --bins` first (the smoke run of scripts/test.sh).
    #[arg(long)]
    no_build: bool,
    /// Where --write-docs writes (default: the workspace's docs/ folder).
    #[arg(long, value_name = "DIR", requires = "write_docs")]
    docs_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    common::cli::report(run())
}

fn run() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    if args.list {
        for s in scenarios::ALL {
            println!("{:22} {}", s.name, s.about);
        }
        return Ok(ExitCode::SUCCESS);
    }
    // The committed docs/ hold release figures; a debug build may write elsewhere (the tests).
    if args.write_docs && args.docs_dir.is_none() && cfg!(debug_assertions) {
        anyhow::bail!(
            "--write-docs needs real figures: run `cargo run --release -p bench -- --write-docs`"
        );
    }
    let chosen = choose(&args.scenario)?;
    let ctx = Ctx::new(Budget::new(args.quick, args.repeats), !args.no_build);
    let require_peers = test_support::peers_required();
    ctx.set_current("build");
    ctx.build_binaries();

    let mut results = Results::default();
    for scenario in &chosen {
        ctx.set_current(scenario.name);
        ctx.say(scenario.about);
        match (scenario.run)(&ctx) {
            Ok(rows) => results.rows.extend(rows),
            Err(e) => match e.downcast_ref::<Skip>() {
                Some(skip) if !require_peers => {
                    ctx.say(format!("skipped: {skip}"));
                    results
                        .skipped
                        .push((scenario.name.into(), skip.to_string()));
                }
                _ => {
                    ctx.say(format!("FAILED: {e:#}"));
                    results
                        .failed
                        .push((scenario.name.into(), format!("{e:#}")));
                }
            },
        }
    }

    print!("{}", table(&results));
    println!("{}", machine_facts(&ctx));
    if let Some(path) = &args.json {
        std::fs::write(path, json_lines(&results.rows)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.write_docs {
        let dir = args
            .docs_dir
            .unwrap_or_else(|| test_support::workspace_root().join("docs"));
        write_docs(&dir, &results, &ctx)?;
    }
    Ok(if results.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The scenarios named with `--scenario`, in the table's order (all when none is named).
fn choose(names: &[String]) -> anyhow::Result<Vec<Scenario>> {
    for name in names {
        if !scenarios::ALL.iter().any(|s| s.name == name) {
            anyhow::bail!("no scenario `{name}` (see --list)");
        }
    }
    Ok(scenarios::ALL
        .iter()
        .filter(|s| names.is_empty() || names.iter().any(|n| n == s.name))
        .copied()
        .collect())
}
