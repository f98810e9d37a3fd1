//! The thin binary: parse the command line, call the library, print the report,
//! pick the exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use inkproof::cli::{Cli, Command, Format};
use inkproof::diag::Diagnostic;
use inkproof::engine::{Engine, EngineOptions, ExternalLinks, SkipBroken};
use inkproof::model::Build;
use inkproof::report;
use inkproof::store::CACHE_DIR;

/// mimalloc instead of the system allocator: a build makes and drops millions
/// of small strings on every thread (highlight spans, cache entries); a
/// no-change build at 10,000 articles went from 1.43 s to 0.99 s. Built with
/// `no_thp`: with transparent huge pages half of a warm build was the kernel
/// zeroing 2 MiB pages mimalloc had given back and touched again.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 0: fine (warnings allowed); 1: the site has errors; 2: the tool failed;
/// 3: built, but articles with errors were left out (`--skip-broken`), so CI
/// can publish and still flag it.
#[derive(Debug, Clone, Copy)]
enum Exit {
    Ok = 0,
    SiteErrors = 1,
    ToolFailed = 2,
    Skipped = 3,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            Exit::ToolFailed
        }
    };
    ExitCode::from(code as u8)
}

fn run(cli: &Cli) -> anyhow::Result<Exit> {
    match &cli.command {
        Command::Build(args) => {
            let show_bar = !args.quiet && std::io::stderr().is_terminal();
            let mut engine = Engine::new(EngineOptions {
                root: cli.root.clone(),
                drafts: args.drafts,
                base_url: args.base_url.clone(),
                output: Some(args.output.clone().unwrap_or_default()),
                force: args.force,
                cache_dir: (!args.no_cache).then(|| cli.root.join(CACHE_DIR)),
                deny_warnings: args.deny_warnings,
                external: external(args.external),
                one_shot: true,
                skip_broken: if args.skip_broken { SkipBroken::On } else { SkipBroken::FromConfig },
                ..EngineOptions::default()
            })?;
            let bar = progress_bar(show_bar);
            if let Some(bar) = &bar {
                let bar = bar.clone();
                let started = Instant::now();
                engine.set_progress(Box::new(move |done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                    if started.elapsed() > Duration::from_secs(1) && bar.is_hidden() {
                        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    }
                }));
            }
            let report = engine.run()?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            if let Err(e) = engine.save_cache() {
                eprintln!("note: could not save the cache: {e:#}");
            }
            let outcome = report_build(&engine, &report, args);
            engine.finish();
            outcome
        }
        Command::Check(args) => {
            if args.list {
                report::list(&mut std::io::stdout().lock())?;
                return Ok(Exit::Ok);
            }
            // Bad `--only` ids and paths fail before the site is read.
            let narrow =
                report::Narrow::new(args.only.clone(), site_paths(&cli.root, &args.paths)?)
                    .map_err(anyhow::Error::msg)?;
            let mut engine = Engine::new(EngineOptions {
                root: cli.root.clone(),
                drafts: args.drafts,
                cache_dir: (!args.no_cache).then(|| cli.root.join(CACHE_DIR)),
                check_only: true,
                external: external(args.external),
                one_shot: true,
                ..EngineOptions::default()
            })?;
            let report = engine.run()?;
            if let Err(e) = engine.save_cache() {
                eprintln!("note: could not save the cache: {e:#}");
            }
            let outcome = report_check(&engine, &report, args, &narrow, &cli.root);
            engine.finish();
            outcome
        }
        Command::Schema => {
            let schema = inkproof::schema::front_matter();
            writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&schema)?)?;
            Ok(Exit::Ok)
        }
        Command::Serve(args) => serve(cli, args),
        Command::New { path } => {
            // Only the content folder's name is needed; a broken config gives the default.
            let config = inkproof::config::CONFIG_FILES
                .iter()
                .find_map(|name| {
                    let text = std::fs::read_to_string(cli.root.join(name)).ok()?;
                    Some(inkproof::config::parse(name, &text, &mut Vec::new()))
                })
                .unwrap_or_default();
            let today = chrono::Local::now().date_naive();
            let file = inkproof::init::new_article(&cli.root, &config.content_dir, path, today)?;
            eprintln!("Created {}; see it with: inkproof serve", file.display());
            Ok(Exit::Ok)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "inkproof", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
        Command::Init { dir } => {
            inkproof::init::scaffold(dir)?;
            eprintln!(
                "Created a new site in {}; preview it with: inkproof --root {} serve",
                dir.display(),
                dir.display()
            );
            Ok(Exit::Ok)
        }
        Command::GenCorpus { n, out, seed } => {
            inkproof::corpus::write_site(out, *n, *seed)?;
            eprintln!("Wrote {n} generated articles to {}", out.join("content").display());
            Ok(Exit::Ok)
        }
    }
}

/// `--external` forces the check on for this run; without it the config decides.
fn external(flag: bool) -> ExternalLinks {
    if flag {
        ExternalLinks::On
    } else {
        ExternalLinks::FromConfig
    }
}

/// Colour only on a terminal, and never with `NO_COLOR` set (https://no-color.org).
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// What `build` prints after the run, and its exit code.
fn report_build(
    engine: &Engine,
    report: &inkproof::engine::Report,
    args: &inkproof::cli::BuildArgs,
) -> anyhow::Result<Exit> {
    let everything = report::Narrow::default();
    let build = print_findings(
        engine,
        report,
        args.format,
        report::Command::Build,
        args.max_findings,
        &everything,
    )?;
    let mut err = std::io::stderr().lock();
    if args.verbose && args.format == Format::Human {
        report::stripped(engine.articles(), &mut err)?;
        let phases: Vec<String> =
            report.phases.iter().map(|(n, d)| format!("{n} {} ms", d.as_millis())).collect();
        writeln!(err, "stages: {}", phases.join(", "))?;
    }
    // Findings in an article left out did not stop the build.
    let stopping: Vec<_> = build.diagnostics.iter().filter(|d| !report.left_out(d)).collect();
    let has_errors = stopping.iter().any(|d| d.is_error());
    let denied = args.deny_warnings && stopping.iter().any(|d| !d.is_error());
    if has_errors || denied {
        writeln!(err, "{}", report::summary("Failed:", &build.stats, false))?;
        let why = if has_errors { "errors" } else { "warnings (--deny-warnings)" };
        writeln!(err, "error: the build has {why}; the previous output was left untouched")?;
        return Ok(Exit::SiteErrors);
    }
    report::skipped(&report.skipped, &mut err)?;
    let out = engine.output_dir().map(|p| p.display().to_string()).unwrap_or_default();
    writeln!(err, "{} → {out}", report::summary("Built", &build.stats, true))?;
    Ok(if report.skipped.is_empty() { Exit::Ok } else { Exit::Skipped })
}

/// What `check` prints after the run, and its exit code.
fn report_check(
    engine: &Engine,
    report: &inkproof::engine::Report,
    args: &inkproof::cli::CheckArgs,
    narrow: &report::Narrow,
    root: &std::path::Path,
) -> anyhow::Result<Exit> {
    // The build shown, and how many findings there were before narrowing.
    let (build, total) = match record_known(engine, args, root)? {
        // What the new file leaves to report: what a later `check` will say.
        Some((known, all)) => {
            let applied = inkproof::baseline::apply(&known, all);
            let total = applied.reported.len();
            let mut build = shown(&report.stats, &applied.reported, &applied.suppressed, narrow);
            // The file was just made from this run: nothing in it is fixed yet.
            build.stats.prunable = 0;
            let build = print_build(
                engine,
                report,
                build,
                args.format,
                report::Command::Check,
                args.max_findings,
            )?;
            (build, total)
        }
        None => {
            let build = print_findings(
                engine,
                report,
                args.format,
                report::Command::Check,
                args.max_findings,
                narrow,
            )?;
            (build, engine.diagnostics().len())
        }
    };
    if matches!(args.format, Format::Human | Format::Short) {
        let mut line = report::summary("Checked", &build.stats, false);
        if !narrow.is_everything() {
            let elsewhere = total - build.diagnostics.len();
            line.push_str(&format!(
                " (report narrowed; {} other {} not shown)",
                report::thousands(elsewhere),
                if elsewhere == 1 { "finding" } else { "findings" }
            ));
        }
        writeln!(std::io::stderr(), "{line}")?;
    }
    let failed = build.has_errors() || (args.deny_warnings && build.stats.warnings > 0);
    Ok(if failed { Exit::SiteErrors } else { Exit::Ok })
}

/// The run's notes and findings, printed. People's formats go to stderr
/// (stdout stays free for pipes); machine formats go to stdout. Returns what
/// was printed, for the summary.
fn print_findings(
    engine: &Engine,
    report: &inkproof::engine::Report,
    format: Format,
    command: report::Command,
    max_findings: usize,
    narrow: &report::Narrow,
) -> std::io::Result<Build> {
    let build = as_build(engine, report, narrow);
    print_build(engine, report, build, format, command, max_findings)
}

/// [`print_findings`] of a [`Build`] already made.
fn print_build(
    engine: &Engine,
    report: &inkproof::engine::Report,
    build: Build,
    format: Format,
    command: report::Command,
    max_findings: usize,
) -> std::io::Result<Build> {
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    if build.stats.prunable > 0 {
        eprintln!(
            "note: {} accepted findings no longer occur; `inkproof check --prune-suppressions` drops them from {}",
            report::thousands(build.stats.prunable),
            inkproof::baseline::FILE
        );
    }
    let diags = &build.diagnostics;
    match format {
        Format::Human => {
            // Source lines under the carets come from what the build read,
            // found by path once per finding (not a walk of every source:
            // 1,000 findings on 10,000 articles took ~0.3 s that way); a
            // released text is read again, and left out if the file changed.
            let (sources, config) = engine.sources();
            let by_path: rustc_hash::FxHashMap<&std::path::Path, &inkproof::model::Source> =
                if diags.is_empty() {
                    Default::default()
                } else {
                    sources.map(|s| (s.path.as_path(), s)).collect()
                };
            let source = |p: &std::path::Path| match by_path.get(p) {
                Some(s) => inkproof::load::text_of(s).map(|t| t.into_owned()),
                None => config.filter(|(name, _)| *name == p).map(|(_, text)| text.to_string()),
            };
            report::human_report(
                diags,
                &source,
                colour(),
                max_findings,
                &mut std::io::stderr().lock(),
            )?;
        }
        Format::Short => report::short(diags, &mut std::io::stderr().lock())?,
        Format::Json => {
            let skipped = (command == report::Command::Build).then_some(&report.skipped[..]);
            report::json_with_skipped(&build, command, skipped, &mut std::io::stdout().lock())?
        }
        Format::Sarif => report::sarif(diags, &build.suppressed, &mut std::io::stdout().lock())?,
        Format::Github => report::github(diags, &mut std::io::stdout().lock())?,
    }
    Ok(build)
}

/// `serve`: runs until Ctrl-C, printing each rebuild's findings in `build`'s format.
fn serve(cli: &Cli, args: &inkproof::cli::ServeArgs) -> anyhow::Result<Exit> {
    use inkproof::serve::{self, Event, ServeOptions};
    let opts = ServeOptions {
        root: cli.root.clone(),
        drafts: args.drafts,
        bind: args.bind,
        port: args.port,
    };
    let open = args.open;
    let on_event: serve::OnEvent = std::sync::Arc::new(move |event: Event<'_>| {
        let mut err = std::io::stderr().lock();
        // A closed stderr must not stop the server; these writes are best effort.
        let _ = match event {
            Event::PortBusy { wanted, using } => {
                writeln!(err, "Port {wanted} is busy; using {using} instead.")
            }
            Event::Built(update) => report::human_report(&update.new_findings, &|_| None, colour(), report::DEFAULT_MAX_FINDINGS, &mut err).and_then(|()| {
                writeln!(
                    err,
                    "Built in {} ms · {} · {}{}",
                    update.elapsed.as_millis(),
                    counts(update.warnings, "warning", "warnings"),
                    counts(update.errors, "error", "errors"),
                    report::known_part(update.known)
                )
            }),
            Event::Listening { url } => {
                if open {
                    if let Err(e) = open::that_detached(url) {
                        let _ = writeln!(err, "warning: cannot open a browser: {e}");
                    }
                }
                writeln!(err, "Serving at {url}/ (live reload on; Ctrl-C stops)")
            }
            Event::Rebuilt { paths, update } => {
                let names: Vec<String> = paths.iter().take(3).map(|p| p.display().to_string()).collect();
                let more = paths.len().saturating_sub(names.len());
                let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                report::human_report(&update.new_findings, &|_| None, colour(), report::DEFAULT_MAX_FINDINGS, &mut err).and_then(|()| {
                    writeln!(
                        err,
                        "Rebuilt {}{more} in {} ms: {} files changed, {} removed · {} · {}{}",
                        names.join(", "),
                        update.elapsed.as_millis(),
                        update.changed_outputs.len(),
                        update.removed_outputs.len(),
                        counts(update.warnings, "warning", "warnings"),
                        counts(update.errors, "error", "errors"),
                        report::known_part(update.known)
                    )
                })
            }
            Event::RebuildFailed { paths, error } => writeln!(
                err,
                "error: cannot rebuild after {} changed files: {error:#} (still serving the previous site)",
                paths.len()
            ),
            Event::Stopped => writeln!(err, "Stopped."),
        };
    });
    serve::run(opts, on_event)?;
    Ok(Exit::Ok)
}

fn counts(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the report functions print, from the engine's last run. Articles
/// are left out (the engine has them): copying 10,000 of them cost more than
/// a no-change build itself.
fn as_build(engine: &Engine, report: &inkproof::engine::Report, narrow: &report::Narrow) -> Build {
    shown(&report.stats, engine.diagnostics(), engine.suppressed(), narrow)
}

/// The findings a report shows: `reported` and `known` narrowed, with the
/// counts of what is shown.
fn shown(
    stats: &inkproof::model::BuildStats,
    reported: &[Diagnostic],
    known: &[Diagnostic],
    narrow: &report::Narrow,
) -> Build {
    let keep = |ds: &[Diagnostic]| -> Vec<Diagnostic> {
        ds.iter().filter(|d| narrow.keeps(d)).cloned().collect()
    };
    let (diagnostics, suppressed) = (keep(reported), keep(known));
    let mut stats = stats.clone();
    stats.errors = diagnostics.iter().filter(|d| d.is_error()).count();
    stats.warnings = diagnostics.len() - stats.errors;
    stats.suppressed = suppressed.len();
    Build { diagnostics, suppressed, stats, ..Build::default() }
}

/// `check --suppress-all | --suppress ID… | --prune-suppressions`: writes
/// `inkproof-suppressions.json` from every finding of this run (known ones
/// included) and says what it accepted. Returns the new file and the findings
/// it was made from; `Ok(None)` when no flag asks for it.
fn record_known(
    engine: &Engine,
    args: &inkproof::cli::CheckArgs,
    root: &std::path::Path,
) -> anyhow::Result<Option<(inkproof::baseline::Baseline, Vec<Diagnostic>)>> {
    use inkproof::baseline::{self, Baseline, Record};
    if !args.suppress_all && args.suppress.is_empty() && !args.prune_suppressions {
        return Ok(None);
    }
    let mut named = Vec::new();
    for id in &args.suppress {
        match inkproof::registry::get(id) {
            Some(c) => named.push(c.id),
            None => {
                let hint = inkproof::suggest::closest_id(id)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                anyhow::bail!("`--suppress {id}` is not a check id{hint}");
            }
        }
    }
    let all: Vec<_> = engine.diagnostics().iter().chain(engine.suppressed()).cloned().collect();
    let existing = engine.known().cloned().unwrap_or_default();
    let mut known = existing.clone();
    if args.suppress_all {
        known = baseline::record(&known, &all, Record::AllWarnings);
    }
    if !named.is_empty() {
        known = baseline::record(&known, &all, Record::Ids(&named));
    }
    if args.prune_suppressions {
        known = baseline::record(&known, &all, Record::Prune);
    }
    let path = baseline::path(root);
    if known == Baseline::default() && !path.exists() {
        eprintln!("note: no findings to accept; {} not written", baseline::FILE);
        return Ok(Some((known, all)));
    }
    // Written beside and renamed over, so a killed run never leaves half a file.
    let tmp = root.join(format!(".{}.tmp", baseline::FILE));
    std::fs::write(&tmp, known.to_json())
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    eprintln!(
        "Accepted {} known findings in {} (was {}); commit it. Later runs report only new findings.",
        report::thousands(known.total()),
        baseline::FILE,
        report::thousands(existing.total()),
    );
    Ok(Some((known, all)))
}

/// `check PATH…`: each path as the findings name it, relative to the site
/// root. A path is taken from the current folder (as a shell completes it)
/// or, failing that, from the site root.
fn site_paths(
    root: &std::path::Path,
    paths: &[std::path::PathBuf],
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let root_abs = std::fs::canonicalize(root)?;
    paths
        .iter()
        .map(|p| {
            let from_cwd = std::fs::canonicalize(p)
                .ok()
                .and_then(|abs| abs.strip_prefix(&root_abs).ok().map(|r| r.to_path_buf()));
            let from_root = || {
                std::fs::canonicalize(root.join(p))
                    .ok()
                    .and_then(|abs| abs.strip_prefix(&root_abs).ok().map(|r| r.to_path_buf()))
            };
            from_cwd.or_else(from_root).ok_or_else(|| {
                anyhow::anyhow!(
                    "`{}` is not a file or folder of the site at {}",
                    p.display(),
                    root.display()
                )
            })
        })
        .collect()
}

/// A progress bar on stderr that stays hidden until the build has taken a
/// second (short builds stay quiet).
fn progress_bar(enabled: bool) -> Option<indicatif::ProgressBar> {
    if !enabled {
        return None;
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} rendering {pos}/{len} articles {wide_bar} {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}
