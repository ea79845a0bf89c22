//! What a run produces: the table on stdout, the JSON lines of `--json`, and with
//! `--write-docs` the page `docs/benchmarks.md` with its SVG chart.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use plotters::prelude::*;

use crate::ctx::{fmt_value, Ctx};
use crate::measure::Row;

/// Everything one run measured or could not measure.
#[derive(Debug, Default)]
pub struct Results {
    pub rows: Vec<Row>,
    /// `(scenario, why)` for scenarios whose peer, broker or binary was missing.
    pub skipped: Vec<(String, String)>,
    /// `(scenario, error)` for scenarios that broke.
    pub failed: Vec<(String, String)>,
}

/// The results table, as printed on stdout (plain columns, one row per figure).
pub fn table(results: &Results) -> String {
    let header = [
        "scenario",
        "unit",
        "Rust",
        "peer",
        "peer value",
        "ratio",
        "× limit",
        "× libzmq",
        "target",
    ];
    let mut lines: Vec<[String; 9]> = vec![header.map(String::from)];
    for row in &results.rows {
        let target = match row.target_met() {
            Some(met) => format!(
                "{} {}",
                row.describe_targets(),
                if met { "ok" } else { "MISSED" }
            ),
            None => String::new(),
        };
        lines.push([
            row.scenario.clone(),
            row.unit.clone(),
            fmt_value(row.rust),
            row.peer.clone(),
            fmt_value(row.peer_value),
            ratio_cell(row),
            optional(row.limit_ratio),
            optional(row.transport_ratio),
            target,
        ]);
    }
    let mut widths = [0; 9];
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                // Numbers right-aligned, words left-aligned.
                if matches!(i, 2 | 4 | 5 | 6 | 7) {
                    format!("{cell:>w$}")
                } else {
                    format!("{cell:<w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    for (scenario, why) in &results.skipped {
        let _ = writeln!(out, "{scenario}: skipped — {why}");
    }
    for (scenario, error) in &results.failed {
        let _ = writeln!(out, "{scenario}: FAILED — {error}");
    }
    out
}

/// The ratio as the table shows it: `—` for a row whose ratio means nothing.
fn ratio_cell(row: &Row) -> String {
    if row.absolute {
        "—".to_string()
    } else {
        format!("{:.2}", row.ratio)
    }
}

/// `0.61`, or nothing.
fn optional(ratio: Option<f64>) -> String {
    ratio.map(|r| format!("{r:.2}")).unwrap_or_default()
}

/// What the machine was doing during the run, measured: the CPU steal and busy shares since
/// the run began, the load averages now, and the TCP ping-pong figures of the run (the limit
/// every `× limit` is a fraction of), so that two reports from two machines can be compared.
pub fn machine_facts(ctx: &Ctx) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut facts = vec![format!("{cpus} CPUs ({})", cpu_model())];
    if let (Some(start), Some(end)) = (ctx.cpu_at_start, crate::ctx::CpuTimes::now()) {
        let (steal, busy) = start.shares_until(&end);
        facts.push(format!(
            "during the run the CPUs were {busy:.0} % busy and {steal:.0} % stolen by the host"
        ));
    }
    if let Some(load) = crate::ctx::load_average() {
        facts.push(format!("load average at the end {load} (1, 5, 15 min)"));
    }
    let limits = ctx.limits();
    if !limits.is_empty() {
        let figures: Vec<String> = limits.iter().map(|&l| fmt_value(l)).collect();
        facts.push(format!(
            "TCP ping-pong (64 B, TCP_NODELAY) in this run: {} round trips/s",
            figures.join(", ")
        ));
    }
    format!("machine: {}", facts.join("; "))
}

/// One JSON object per line: `{"scenario", "unit", "rust", "peer", "peer_value", "ratio"}`,
/// and for single-client request/reply rows `limit_ratio` (and `transport_ratio` over ZeroMQ).
pub fn json_lines(rows: &[Row]) -> anyhow::Result<String> {
    let mut out = String::new();
    for row in rows {
        out.push_str(&serde_json::to_string(row)?);
        out.push('\n');
    }
    Ok(out)
}

/// The chart's file name, next to `docs/benchmarks.md`.
pub const CHART_FILE: &str = "benchmarks.svg";

/// Writes `benchmarks.md` and `benchmarks.svg` into `docs` (normally the workspace's `docs/`).
pub fn write_docs(docs: &Path, results: &Results, ctx: &Ctx) -> anyhow::Result<()> {
    std::fs::create_dir_all(docs).with_context(|| format!("cannot create {}", docs.display()))?;
    let chart = docs.join(CHART_FILE);
    draw_chart(&chart, &results.rows)?;
    let page = docs.join("benchmarks.md");
    std::fs::write(&page, markdown(results, ctx))
        .with_context(|| format!("cannot write {}", page.display()))?;
    eprintln!("wrote {} and {}", page.display(), chart.display());
    Ok(())
}

/// The page: how it was measured, the table, the chart, then the hand-written analysis
/// (`bench/src/analysis.md`, kept as a file so it reads and diffs as prose).
fn markdown(results: &Results, ctx: &Ctx) -> String {
    let budget = &ctx.budget;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Benchmarks: each section against its Python/PHP peer\n\n\
         <!-- Generated by `cargo run --release -p bench -- --write-docs`; edit \
         bench/src/analysis.md or bench/src/report.rs instead. -->\n\n\
         Generated by `cargo run --release -p bench -- --write-docs` on {} ({}).\n\n\
         **Machine, as measured:** {}.\n\n\
         Absolute figures depend on the machine (above all on what a thread wake-up costs \
         there: compare the TCP ping-pong); what is meaningful is the **ratio** within one \
         run, and the **× limit** column: a single-client row's rate as a fraction of the TCP \
         ping-pong measured in its own round robin (`× libzmq`: of the raw libzmq REQ/REP \
         loop). Every comparison measures the Rust side and its peer \
         alternately (A B, B A, A B, …), {} sample(s) each ({} per throughput sample), and \
         reports the medians. Ratio is Rust over peer for rates and peer over Rust for costs \
         (seconds, megabytes), so higher is always better for Rust.\n",
        utc_now(),
        std::env::consts::ARCH,
        machine_facts(ctx).trim_start_matches("machine: "),
        budget.repeats,
        common::endpoints::human(budget.sample),
    );
    let with_target: Vec<&Row> = results
        .rows
        .iter()
        .filter(|r| !r.targets.is_empty())
        .collect();
    let missed: Vec<String> = with_target
        .iter()
        .filter(|r| r.target_met() == Some(false))
        .map(|r| format!("`{}` vs {}", r.scenario, r.peer))
        .collect();
    let _ = writeln!(
        md,
        "**{} of {} targets met** in this run{}. Rows marked *context* have no target: they \
         put a figure in perspective (a limit, another configuration). Why each figure is \
         what it is, and what bounds the missed ones, is explained below the table.\n",
        with_target.len() - missed.len(),
        with_target.len(),
        if missed.is_empty() {
            String::new()
        } else {
            format!("; missed: {}", missed.join(", "))
        }
    );
    let _ = writeln!(md, "![ratios, Rust over peer (log scale)]({CHART_FILE})\n");
    let _ = writeln!(
        md,
        "| scenario | unit | Rust | peer | peer value | ratio | × limit | × libzmq | target |\n\
         |---|---|---:|---|---:|---:|---:|---:|---|"
    );
    for row in &results.rows {
        let target = match row.target_met() {
            Some(met) => format!(
                "{} {}",
                row.describe_targets(),
                if met { "✓" } else { "**missed**" }
            ),
            None => "context".to_string(),
        };
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.scenario,
            row.unit,
            fmt_value(row.rust),
            row.peer,
            fmt_value(row.peer_value),
            ratio_cell(row),
            optional(row.limit_ratio),
            optional(row.transport_ratio),
            target
        );
    }
    for (scenario, why) in &results.skipped {
        let _ = writeln!(md, "\n`{scenario}` was skipped: {why}");
    }
    for (scenario, error) in &results.failed {
        let _ = writeln!(md, "\n`{scenario}` failed in this run: {error}");
    }
    md.push('\n');
    md.push_str(include_str!("analysis.md"));
    md
}

/// A horizontal bar per row, top to bottom in table order: the ratio on a log axis, a line at
/// 1 (parity), a black tick at the target; green when the target is met, orange when missed,
/// grey for context rows (no target).
pub fn draw_chart(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    const MIN: f64 = 0.01;
    // A row with no meaningful ratio has no bar (the table gives its figure).
    let rows: Vec<&Row> = rows.iter().filter(|r| !r.absolute).collect();
    let n = u32::try_from(rows.len()).unwrap_or(u32::MAX).max(1);
    let height = 90 + 24 * n;
    let root = SVGBackend::new(path, (1000, height)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let max = rows.iter().map(|r| r.ratio).fold(10.0_f64, f64::max) * 2.0;
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} vs {}", r.scenario, r.peer))
        .collect();
    // Row i is drawn in band n-1-i, so that the first row is at the top.
    let band = |i: u32| n - 1 - i;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Rust / peer, higher is better (log scale)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(470)
        .build_cartesian_2d((MIN..max).log_scale(), (0..n).into_segmented())
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(rows.len())
        .y_label_style(("sans-serif", 12))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(b) if *b < n => labels
                .get(usize::try_from(n - 1 - b).unwrap_or(usize::MAX))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_formatter(&|x| format!("{x}×"))
        .draw()
        .map_err(plot_err)?;
    for (i, row) in (0u32..).zip(rows) {
        let colour = match row.target_met() {
            Some(true) => RGBColor(46, 160, 67),
            Some(false) => RGBColor(230, 120, 30),
            None => RGBColor(150, 150, 150),
        };
        let y = band(i);
        let ratio = row.ratio.max(MIN);
        let mut bar = Rectangle::new(
            [
                (MIN, SegmentValue::Exact(y)),
                (ratio, SegmentValue::Exact(y + 1)),
            ],
            colour.filled(),
        );
        bar.set_margin(3, 3, 0, 0);
        chart.draw_series([bar]).map_err(plot_err)?;
        chart
            .draw_series([Text::new(
                format!("{:.2}", row.ratio),
                (ratio * 1.05, SegmentValue::CenterOf(y)),
                ("sans-serif", 11),
            )])
            .map_err(plot_err)?;
        for t in row.targets.iter().filter_map(|t| match t {
            crate::measure::Target::RatioAtLeast(t) => Some(*t),
            _ => None,
        }) {
            chart
                .draw_series([PathElement::new(
                    [(t, SegmentValue::Exact(y)), (t, SegmentValue::Exact(y + 1))],
                    BLACK.stroke_width(2),
                )])
                .map_err(plot_err)?;
        }
    }
    chart
        .draw_series([PathElement::new(
            [(1.0, SegmentValue::Exact(0)), (1.0, SegmentValue::Exact(n))],
            BLACK.mix(0.5),
        )])
        .map_err(plot_err)?;
    root.present().map_err(plot_err)?;
    Ok(())
}

fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing the chart: {e}")
}

/// The CPU's model name from `/proc/cpuinfo` (Linux), or "unknown CPU".
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

/// Today's date and time in UTC, `YYYY-MM-DD HH:MM UTC`, without a date library.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_utc(secs)
}

/// `YYYY-MM-DD hh:mm UTC` of a Unix time.
fn civil_utc(secs: u64) -> String {
    let secs = i64::try_from(secs).unwrap_or(0);
    chrono::DateTime::<chrono::Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M UTC")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::{Better, Target};

    fn rows() -> Vec<Row> {
        vec![
            Row::new(
                "zmq-reqrep",
                "round trips/s",
                Better::Higher,
                30_000.0,
                "pyzmq",
                25_000.0,
            )
            .with_target(Target::RatioAtLeast(1.0)),
            Row::new("idle-rss", "MB", Better::Lower, 3.0, "php", 20.0)
                .with_target(Target::RustBelow(10.0)),
        ]
    }

    #[test]
    fn json_lines_have_exactly_the_six_fields() {
        let text = json_lines(&rows()).expect("serialisable");
        let first: serde_json::Value =
            serde_json::from_str(text.lines().next().expect("a line")).expect("JSON");
        let keys: Vec<&str> = first
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 6);
        for key in ["scenario", "unit", "rust", "peer", "peer_value", "ratio"] {
            assert!(keys.contains(&key), "{key} missing in {first}");
        }
        assert_eq!(first["ratio"], 1.2);
        assert_eq!(text.lines().count(), 2);
    }

    #[test]
    fn table_and_chart_render() {
        let results = Results {
            rows: rows(),
            skipped: vec![("amqp".into(), "no broker".into())],
            failed: Vec::new(),
        };
        let text = table(&results);
        assert!(text.contains("zmq-reqrep"));
        assert!(text.contains("amqp: skipped — no broker"));
        let dir = tempfile::tempdir().expect("temp dir");
        let svg = dir.path().join("chart.svg");
        draw_chart(&svg, &results.rows).expect("chart");
        let content = std::fs::read_to_string(&svg).expect("written");
        assert!(content.contains("<svg") && content.contains("zmq-reqrep"));
    }

    /// Known instants (checked with Python's `datetime`): the epoch, a leap day, the last
    /// minute of a century's leap year, and the minute this test was written.
    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(civil_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(civil_utc(4_107_542_399), "2100-02-28 23:59 UTC");
        assert_eq!(civil_utc(1_764_623_820), "2025-12-01 21:17 UTC");
        assert!(utc_now().ends_with(" UTC"));
    }
}
