//! The measurement core: how long to measure, repeating, medians, and one result row.
//!
//! This machine is shared and noisy, so a single figure means little. Every scenario measures
//! the Rust side and its peer *alternately* (Rust, peer, then peer, Rust, …) in the same run
//! and keeps the median of each: a burst of load from elsewhere then hits both sides alike,
//! and the ratio of the two medians is what we report and compare with the targets.

use std::time::{Duration, Instant};

use serde::Serialize;

/// How hard to measure: `--quick` (a smoke test) or the full run.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub quick: bool,
    /// Alternating Rust/peer samples per comparison (the median of these is reported).
    pub repeats: usize,
    /// How long one throughput sample runs.
    pub sample: Duration,
}

impl Budget {
    pub fn new(quick: bool, repeats: Option<usize>) -> Budget {
        let (default_repeats, sample) = if quick {
            (1, Duration::from_millis(250))
        } else {
            (5, Duration::from_secs(2))
        };
        Budget {
            quick,
            repeats: repeats.unwrap_or(default_repeats).max(1),
            sample,
        }
    }

    /// Picks the quick or the full value of a scenario parameter (counts, concurrency, …).
    pub fn pick<T>(&self, quick: T, full: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

/// A number of operations done in some time: one throughput sample.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub ops: u64,
    pub elapsed: Duration,
}

impl Rate {
    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ops as f64 / secs
        } else {
            0.0
        }
    }

    /// Parses the line our peer scripts print when done: `RESULT <ops> <seconds>`.
    pub fn from_peer_line(line: &str) -> Option<Rate> {
        let mut words = line.strip_prefix("RESULT ")?.split_whitespace();
        let ops = words.next()?.parse().ok()?;
        let secs: f64 = words.next()?.parse().ok()?;
        (secs.is_finite() && secs >= 0.0).then(|| Rate {
            ops,
            elapsed: Duration::from_secs_f64(secs),
        })
    }
}

/// Calls `op` again and again for `duration` (at most `max_ops` times) and counts the calls.
/// The clock is read once per call: cheap next to any network round trip.
pub fn for_duration(
    duration: Duration,
    max_ops: u64,
    mut op: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Rate> {
    let start = Instant::now();
    let mut ops = 0;
    while ops < max_ops && start.elapsed() < duration {
        op()?;
        ops += 1;
    }
    Ok(Rate {
        ops,
        elapsed: start.elapsed(),
    })
}

/// The median of some samples (the mean of the middle two for an even count); 0 when empty.
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// One of the things a comparison measures: a name for the progress lines and a closure
/// that takes one sample (a rate, a time, …).
pub struct Contender<'a> {
    pub name: String,
    sample: Box<dyn FnMut() -> anyhow::Result<f64> + 'a>,
}

impl<'a> Contender<'a> {
    pub fn new(
        name: impl Into<String>,
        sample: impl FnMut() -> anyhow::Result<f64> + 'a,
    ) -> Contender<'a> {
        Contender {
            name: name.into(),
            sample: Box::new(sample),
        }
    }
}

impl std::fmt::Debug for Contender<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contender")
            .field("name", &self.name)
            .finish()
    }
}

/// Takes `repeats` rounds of one sample from each contender in turn and returns each
/// contender's median, in order. Every other round runs backwards (A B C, C B A, A B C, …) so
/// that no contender always goes first, right after a pause, or last, after the others warmed
/// the caches. `report(name, round, value)` sees every sample.
pub fn round_robin(
    repeats: usize,
    contenders: &mut [Contender<'_>],
    mut report: impl FnMut(&str, usize, f64),
) -> anyhow::Result<Vec<f64>> {
    let mut samples = vec![Vec::with_capacity(repeats); contenders.len()];
    for round in 1..=repeats {
        let mut order: Vec<usize> = (0..contenders.len()).collect();
        if round % 2 == 0 {
            order.reverse();
        }
        for i in order {
            let value = (contenders[i].sample)()?;
            report(&contenders[i].name, round, value);
            samples[i].push(value);
        }
    }
    Ok(samples.iter().map(|s| median(s)).collect())
}

/// Which way is better for a row's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Throughput: calls/s, messages/s.
    Higher,
    /// Costs: seconds of wall time, megabytes of memory.
    Lower,
}

/// What a row is expected to reach (the targets listed in docs/benchmarks.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// `ratio >= x`.
    RatioAtLeast(f64),
    /// The Rust value itself stays below `x` (idle memory: under 10 MB).
    RustBelow(f64),
    /// `limit_ratio >= x`: the fraction of the loopback limit measured in the same run.
    LimitAtLeast(f64),
}

impl Target {
    pub fn met(&self, row: &Row) -> bool {
        match *self {
            Target::RatioAtLeast(x) => row.ratio >= x,
            Target::RustBelow(x) => row.rust < x,
            Target::LimitAtLeast(x) => row.limit_ratio.is_some_and(|r| r >= x),
        }
    }

    pub fn describe(&self, unit: &str) -> String {
        match *self {
            Target::RatioAtLeast(x) => format!("ratio ≥ {x}"),
            Target::RustBelow(x) => format!("Rust < {x} {unit}"),
            Target::LimitAtLeast(x) => format!("× limit ≥ {x}"),
        }
    }
}

/// One line of the results: the Rust figure, the peer's figure, and the ratio oriented so
/// that higher is better (Rust / peer for throughput, peer / Rust for costs).
/// Serialised as one JSON object a row (`--json`), the format docs/benchmarks.md documents.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub scenario: String,
    pub unit: String,
    pub rust: f64,
    pub peer: String,
    pub peer_value: f64,
    pub ratio: f64,
    /// A single-client request/reply row: its rate as a fraction of the loopback limit
    /// measured in the same run (a TCP ping-pong; for a connection per call, a TCP connect +
    /// ping-pong + close loop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_ratio: Option<f64>,
    /// A ZeroMQ row: its rate as a fraction of the raw libzmq REQ/REP loop of the same run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_ratio: Option<f64>,
    /// The ratio means nothing here (the peer's figure is a fixed 0): shown as the figure.
    #[serde(skip)]
    pub absolute: bool,
    #[serde(skip)]
    pub better: Better,
    #[serde(skip)]
    pub targets: Vec<Target>,
}

impl Row {
    pub fn new(
        scenario: impl Into<String>,
        unit: impl Into<String>,
        better: Better,
        rust: f64,
        peer: impl Into<String>,
        peer_value: f64,
    ) -> Row {
        let ratio = match better {
            Better::Higher => rust / peer_value,
            Better::Lower => peer_value / rust,
        };
        Row {
            scenario: scenario.into(),
            unit: unit.into(),
            rust,
            peer: peer.into(),
            peer_value,
            ratio: if ratio.is_finite() { ratio } else { 0.0 },
            limit_ratio: None,
            transport_ratio: None,
            absolute: false,
            better,
            targets: Vec::new(),
        }
    }

    pub fn with_target(mut self, target: Target) -> Row {
        self.targets.push(target);
        self
    }

    /// Adds `limit_ratio`: this row's rate over `limit`, the loopback limit of the same run.
    pub fn with_limit(mut self, limit: f64) -> Row {
        self.limit_ratio = Some(fraction(self.rust, limit));
        self
    }

    /// Adds `transport_ratio`: this row's rate over `raw`, the raw libzmq loop of the run.
    pub fn with_transport(mut self, raw: f64) -> Row {
        self.transport_ratio = Some(fraction(self.rust, raw));
        self
    }

    /// A row whose peer figure is no comparison (a fixed 0): reported as its value alone.
    pub fn absolute(mut self) -> Row {
        self.absolute = true;
        self
    }

    /// `None` without a target, else whether all of them are met.
    pub fn target_met(&self) -> Option<bool> {
        (!self.targets.is_empty()).then(|| self.targets.iter().all(|t| t.met(self)))
    }

    /// The targets in words, `ratio ≥ 5, × limit ≥ 0.8`.
    pub fn describe_targets(&self) -> String {
        let words: Vec<String> = self
            .targets
            .iter()
            .map(|t| t.describe(&self.unit))
            .collect();
        words.join(", ")
    }
}

/// `a / b`, or 0 when that is no number (a limit of 0).
fn fraction(a: f64, b: f64) -> f64 {
    let f = a / b;
    if f.is_finite() {
        f
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[f64::NAN, 5.0]), 5.0);
    }

    #[test]
    fn ratio_points_the_way_higher_is_better() {
        let fast = Row::new("s", "calls/s", Better::Higher, 300.0, "py", 100.0);
        assert_eq!(fast.ratio, 3.0);
        let small = Row::new("s", "MB", Better::Lower, 2.0, "py", 10.0);
        assert_eq!(small.ratio, 5.0);
        let broken = Row::new("s", "calls/s", Better::Higher, 1.0, "py", 0.0);
        assert_eq!(broken.ratio, 0.0);
    }

    #[test]
    fn targets() {
        let row = Row::new("s", "MB", Better::Lower, 4.0, "py", 10.0);
        assert!(Target::RustBelow(10.0).met(&row));
        assert!(!Target::RatioAtLeast(3.0).met(&row));
    }

    #[test]
    fn peer_result_line() {
        let rate = Rate::from_peer_line("RESULT 1000 0.5").expect("valid line");
        assert_eq!(rate.ops, 1000);
        assert_eq!(rate.per_second(), 2000.0);
        assert!(Rate::from_peer_line("READY").is_none());
    }

    #[test]
    fn round_robin_keeps_the_median_of_each_contender() {
        let mut r = [10.0, 30.0, 20.0].into_iter();
        let mut p = [1.0, 2.0, 3.0].into_iter();
        let mut order = Vec::new();
        let medians = round_robin(
            3,
            &mut [
                Contender::new("Rust", || Ok(r.next().unwrap_or(0.0))),
                Contender::new("peer", || Ok(p.next().unwrap_or(0.0))),
            ],
            |who, round, _| order.push(format!("{who}{round}")),
        )
        .expect("no sample fails");
        assert_eq!(medians, [20.0, 2.0]);
        assert_eq!(
            order,
            ["Rust1", "peer1", "peer2", "Rust2", "Rust3", "peer3"]
        );
    }
}
