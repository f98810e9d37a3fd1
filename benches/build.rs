//! Times the engine on a generated corpus: a cold build (empty cache, no
//! output), a rebuild with nothing changed, a build after editing one
//! article, and the in-process update `serve` makes after one edit.
//!
//! `cargo bench --bench build` (N=1000), or `INKPROOF_BENCH_N=10000 cargo bench
//! --bench build`. `INKPROOF_BENCH_RUNS` sets the counted runs (default 5, after
//! one warm-up). `INKPROOF_BENCH_ONLY=update` times only the in-process update
//! (for profiling: `perf record` on the bench binary). The corpus lives in a temporary folder that is removed at the
//! end. In-process timing leaves out process start-up and the one-time loading
//! of syntax definitions (the warm-up pays it), which `benches/compare.sh`
//! measures as a whole process against Hugo.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use inkproof::engine::{Engine, EngineOptions};

/// The allocator the `inkproof` binary uses (`src/main.rs`), so the figures
/// are those of `build` and `serve`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then
    // a tiny corpus checks that the bench still works without spending minutes.
    let benching = std::env::args().any(|a| a == "--bench");
    let n = env_usize("INKPROOF_BENCH_N", if benching { 1000 } else { 20 })?;
    let runs = env_usize("INKPROOF_BENCH_RUNS", if benching { 5 } else { 1 })?.max(1);
    let seed = 42;
    let dir = tempfile::Builder::new().prefix("inkproof-bench-").tempdir()?;
    // `INKPROOF_BENCH_SITE=DIR`: a corpus kept between runs (made when
    // missing), so `INKPROOF_BENCH_ONLY=update` starts from its cache and
    // output instead of a cold build.
    let kept = std::env::var_os("INKPROOF_BENCH_SITE").map(std::path::PathBuf::from);
    let root = kept.clone().unwrap_or_else(|| dir.path().join("site"));

    let t = Instant::now();
    if kept.is_none() || !root.join("content/posts").is_dir() {
        inkproof::corpus::write_site(&root, n, seed)?;
    }
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

    let cache = root.join(".inkproof-cache");
    let out = root.join("public");
    let clean = |what: &str| -> anyhow::Result<()> {
        let _ = std::fs::remove_dir_all(&cache);
        let _ = std::fs::remove_dir_all(&out);
        let _ = what;
        Ok(())
    };
    let only_update = std::env::var("INKPROOF_BENCH_ONLY").is_ok_and(|v| v == "update");
    // Warm-up: syntax sets and templates load here.
    if !(only_update && kept.is_some()) {
        clean("warm-up")?;
    }
    let first = build_once(&root, true)?;
    println!("warm-up: {} ms ({} files written)", ms(first.total), first.files);

    let mut cold = Vec::new();
    let mut nochange = Vec::new();
    let mut edit_build = Vec::new();
    let mut update = Vec::new();
    let edited =
        root.join("content/posts").join(inkproof::corpus::file_name(n.saturating_sub(1) / 2));
    for k in 0..if only_update { 0 } else { runs } {
        clean("cold")?;
        cold.push(build_once(&root, true)?);
        nochange.push(build_once(&root, true)?);
        append(&edited, &format!("build run {k}"))?;
        edit_build.push(build_once(&root, true)?);
    }
    // The in-process call `serve` makes: an engine kept warm, one file saved.
    let mut engine = Engine::new(options(&root, true))?;
    engine.run()?;
    for k in 0..runs.max(5) {
        append(&edited, &format!("update run {k}"))?;
        let t = Instant::now();
        let r = engine.update(std::slice::from_ref(&edited))?;
        update.push(Timing { total: t.elapsed(), cpu: None, files: r.changed.len() });
        if k == 0 || only_update {
            let phases: Vec<String> =
                r.phases.iter().map(|(n, d)| format!("{n} {}", ms(*d))).collect();
            println!("update stages (ms): {}", phases.join(", "));
        }
    }
    if only_update {
        row("engine update after one edit (serve)", &update, |t| t.total);
        return Ok(());
    }

    println!();
    println!("| {:<40} | {:>9} | {:>9} | {:>9} |", "step (ms)", "median", "min", "max");
    println!("|{:-<42}|{:->11}|{:->11}|{:->11}|", "", "", "", "");
    row("cold build (empty cache, no output)", &cold, |t| t.total);
    if cold.iter().all(|t| t.cpu.is_some()) {
        row("cold build: cpu time (user+sys)", &cold, |t| t.cpu.unwrap_or_default());
    }
    row("no-change rebuild", &nochange, |t| t.total);
    row("one-article edit, then build", &edit_build, |t| t.total);
    row("engine update after one edit (serve)", &update, |t| t.total);
    let each: Vec<String> = cold.iter().map(|t| ms(t.total)).collect();
    println!("cold build runs, in order (ms): {}", each.join(", "));
    println!(
        "files written: cold {}, no-change {}, one edit {}, update {}",
        cold[0].files, nochange[0].files, edit_build[0].files, update[0].files
    );
    // Issue 9: one article with very many tags used to be quadratic (every
    // term page repeated the card with all tags); issue 21: so were the term
    // feeds (every entry listed all tags). Now linear in tags.
    let tags = env_usize("INKPROOF_BENCH_TAGS", if benching { 10_000 } else { 300 })?;
    let many = dir.path().join("many-tags");
    let list: Vec<String> = (0..tags).map(|k| format!("tag-{k}")).collect();
    std::fs::create_dir_all(many.join("content"))?;
    std::fs::write(
        many.join("content/many.md"),
        format!(
            "---\ntitle: Many tags\ndate: 2024-01-01\ntags: [{}]\n---\nBody.\n",
            list.join(", ")
        ),
    )?;
    let t = Instant::now();
    let mut engine = Engine::new(EngineOptions {
        root: many.clone(),
        output: Some(many.join("public")),
        ..EngineOptions::default()
    })?;
    let r = engine.run()?;
    let out_bytes: u64 = walk_size(&many.join("public"));
    println!(
        "one article with {tags} tags: {} ms, {} files, {:.1} MiB written",
        ms(t.elapsed()),
        r.changed.len(),
        out_bytes as f64 / 1048576.0
    );

    let med = median(cold.iter().map(|t| t.total).collect());
    println!(
        "{runs} runs after 1 warm-up; cold build: {:.0} pages/s counting N+1 pages as ANCHORS.md does",
        (n + 1) as f64 / med.as_secs_f64().max(1e-9)
    );
    Ok(())
}

fn walk_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

fn append(path: &Path, what: &str) -> anyhow::Result<()> {
    let mut text = std::fs::read_to_string(path)?;
    text.push_str(&format!("\nOne more paragraph, added for {what}.\n"));
    std::fs::write(path, text)?;
    Ok(())
}

struct Timing {
    total: Duration,
    /// CPU time of the whole process (all threads): steadier than wall time
    /// when other jobs share the cores.
    cpu: Option<Duration>,
    files: usize,
}

fn options(root: &Path, cache: bool) -> EngineOptions {
    EngineOptions {
        root: root.to_path_buf(),
        output: Some(root.join("public")),
        cache_dir: cache.then(|| root.join(".inkproof-cache")),
        ..EngineOptions::default()
    }
}

/// What `inkproof build` does, minus printing: a fresh engine (a new
/// process would have one), one run.
fn build_once(root: &Path, cache: bool) -> anyhow::Result<Timing> {
    let cpu0 = process_cpu();
    let t = Instant::now();
    let mut engine = Engine::new(options(root, cache))?;
    let report = engine.run()?;
    engine.save_cache()?;
    let total = t.elapsed();
    if report.stats.errors > 0 {
        let first = engine.diagnostics().iter().find(|d| d.is_error());
        bail!("the generated site has {} errors, e.g. {first:?}", report.stats.errors);
    }
    let cpu = process_cpu().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
    Ok(Timing { total, cpu, files: report.changed.len() })
}

fn row(label: &str, runs: &[Timing], f: impl Fn(&Timing) -> Duration) {
    let v: Vec<Duration> = runs.iter().map(f).collect();
    let (min, max) =
        (v.iter().min().copied().unwrap_or_default(), v.iter().max().copied().unwrap_or_default());
    println!("| {label:<40} | {:>9} | {:>9} | {:>9} |", ms(median(v)), ms(min), ms(max));
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
