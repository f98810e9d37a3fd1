//! Times a full build of a generated corpus in-process, then a rebuild after
//! editing one article.
//!
//! `cargo bench --bench build` (N=1000), or `INKPROOF_BENCH_N=10000 cargo bench
//! --bench build`. `INKPROOF_BENCH_RUNS` sets the counted runs (default 5, after
//! one warm-up). The corpus lives in a temporary folder that is removed at the
//! end. In-process timing leaves out process start-up and the one-time loading
//! of syntax definitions (the warm-up pays it), which `benches/compare.sh`
//! measures as a whole process against Hugo.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use inkproof::pipeline::{self, BuildOptions};

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then
    // a tiny corpus checks that the bench still works without spending minutes.
    let benching = std::env::args().any(|a| a == "--bench");
    let n = env_usize("INKPROOF_BENCH_N", if benching { 1000 } else { 20 })?;
    let runs = env_usize("INKPROOF_BENCH_RUNS", if benching { 5 } else { 1 })?.max(1);
    let seed = 42;
    let dir = tempfile::Builder::new().prefix("inkproof-bench-").tempdir()?;
    let root = dir.path().join("site");

    let t = Instant::now();
    inkproof::corpus::write_site(&root, n, seed)?;
    let gen = t.elapsed();
    let md_bytes: u64 = std::fs::read_dir(root.join("content/posts"))?
        .map(|e| e.and_then(|e| e.metadata()).map(|m| m.len()))
        .sum::<std::io::Result<u64>>()?;
    println!(
        "inkproof build bench: N={n} articles ({:.1} MiB of Markdown, seed {seed}), {} rayon threads",
        md_bytes as f64 / 1048576.0,
        rayon::current_num_threads()
    );
    println!("corpus generated in {} ms", ms(gen));

    let first = build_once(&root).context("warm-up build")?;
    println!(
        "warm-up: {} ms ({} files written; syntax sets and templates load here)",
        ms(first.total()),
        first.files
    );
    let full: Vec<Timing> = (0..runs).map(|_| build_once(&root)).collect::<anyhow::Result<_>>()?;

    // Edit one article the way an author would: append a paragraph and save.
    let edited =
        root.join("content/posts").join(inkproof::corpus::file_name(n.saturating_sub(1) / 2));
    let mut edits = Vec::with_capacity(runs);
    for k in 0..runs {
        let mut text = std::fs::read_to_string(&edited)?;
        text.push_str(&format!("\nOne more paragraph, added for rebuild run {k}.\n"));
        std::fs::write(&edited, text)?;
        edits.push(build_once(&root)?);
    }

    println!();
    println!("| {:<34} | {:>9} | {:>9} | {:>9} |", "step (ms)", "median", "min", "max");
    println!("|{:-<36}|{:->11}|{:->11}|{:->11}|", "", "", "", "");
    row("full build: pipeline::build", &full, |t| t.build);
    row("full build: write::publish", &full, |t| t.publish);
    row("full build: total", &full, Timing::total);
    if full.iter().all(|t| t.cpu.is_some()) {
        row("full build: cpu time (user+sys)", &full, |t| t.cpu.unwrap_or_default());
    }
    row("rebuild after 1 edit: total", &edits, Timing::total);
    let each: Vec<String> = full.iter().map(|t| ms(t.total())).collect();
    println!("full build runs, in order (ms): {}", each.join(", "));
    let med = median(full.iter().map(Timing::total).collect());
    println!();
    let secs = med.as_secs_f64().max(1e-9);
    println!(
        "{runs} runs after 1 warm-up; full build: {:.0} pages/s counting N+1 pages as ANCHORS.md does \
         ({} files written: articles, index, tag/category pages, feed, sitemap, assets)",
        (n + 1) as f64 / secs,
        full[0].files
    );
    Ok(())
}

struct Timing {
    build: Duration,
    publish: Duration,
    /// CPU time of the whole process (all threads) over build + publish:
    /// steadier than wall time when other jobs share the cores.
    cpu: Option<Duration>,
    files: usize,
}

impl Timing {
    fn total(&self) -> Duration {
        self.build + self.publish
    }
}

/// What `inkproof build` does, minus printing: build, then publish only if
/// the site has no errors.
fn build_once(root: &Path) -> anyhow::Result<Timing> {
    let opts = BuildOptions { root: root.to_path_buf(), ..BuildOptions::default() };
    let cpu0 = process_cpu();
    let t = Instant::now();
    let (config, build) = pipeline::build(&opts, &|_| {})?;
    let build_time = t.elapsed();
    if build.has_errors() {
        let first =
            build.diagnostics.iter().find(|d| d.severity == inkproof::diag::Severity::Error);
        bail!("the generated site has {} errors, e.g. {first:?}", build.stats.errors);
    }
    let t = Instant::now();
    let files = inkproof::write::publish(&build.outputs, &root.join(&config.output_dir))?;
    let publish = t.elapsed();
    let cpu = process_cpu().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
    Ok(Timing { build: build_time, publish, cpu, files })
}

fn row(label: &str, runs: &[Timing], f: impl Fn(&Timing) -> Duration) {
    let v: Vec<Duration> = runs.iter().map(f).collect();
    let (min, max) =
        (v.iter().min().copied().unwrap_or_default(), v.iter().max().copied().unwrap_or_default());
    println!("| {label:<34} | {:>9} | {:>9} | {:>9} |", ms(median(v)), ms(min), ms(max));
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// User + system CPU time of this process so far, from `/proc/self/stat`
/// (Linux; `None` elsewhere). The kernel reports it in USER_HZ ticks, which is
/// 100 per second on every Linux architecture in practice.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(comm)`, which may itself hold spaces: state is field 3,
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn env_usize(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().with_context(|| format!("{name}={v} is not a number")),
        Err(_) => Ok(default),
    }
}
