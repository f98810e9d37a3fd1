//! The thin binary: parse the command line, call the library, print the report,
//! pick the exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use inkproof::cli::{Cli, Command, Format};
use inkproof::pipeline::{self, BuildOptions, Progress};
use inkproof::{report, write};

/// 0: fine (warnings allowed); 1: the site has errors; 2: the tool failed.
#[derive(Debug, Clone, Copy)]
enum Exit {
    Ok = 0,
    SiteErrors = 1,
    ToolFailed = 2,
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
            let opts = BuildOptions {
                root: cli.root.clone(),
                drafts: args.drafts,
                base_url: args.base_url.clone(),
            };
            let show_bar = !args.quiet && std::io::stderr().is_terminal();
            let (config, build) = with_progress(show_bar, |p| pipeline::build(&opts, p))?;
            let mut err = std::io::stderr().lock();
            if args.format == Format::Json {
                report::json(&build, &mut std::io::stdout())?;
            } else {
                report::human(&build.diagnostics, &mut err)?;
                if args.verbose {
                    report::stripped(&build, &mut err)?;
                }
            }
            if build.has_errors() {
                writeln!(err, "{}", report::summary("Failed:", &build.stats))?;
                writeln!(
                    err,
                    "error: the build has errors; the previous output was left untouched"
                )?;
                return Ok(Exit::SiteErrors);
            }
            let out = args.output.clone().unwrap_or_else(|| cli.root.join(&config.output_dir));
            guard_output(&cli.root, &config, &out)?;
            let started = Instant::now();
            write::publish(&build.outputs, &out)?;
            let mut stats = build.stats.clone();
            stats.elapsed_ms += started.elapsed().as_millis();
            writeln!(err, "{} → {}", report::summary("Built", &stats), out.display())?;
            Ok(Exit::Ok)
        }
        Command::Check(args) => {
            let opts = BuildOptions { root: cli.root.clone(), drafts: args.drafts, base_url: None };
            let (_, build) = pipeline::build(&opts, &|_| {})?;
            if args.format == Format::Json {
                report::json(&build, &mut std::io::stdout())?;
            } else {
                let mut err = std::io::stderr().lock();
                report::human(&build.diagnostics, &mut err)?;
                writeln!(err, "{}", report::summary("Checked", &build.stats))?;
            }
            let failed = build.has_errors() || (args.deny_warnings && build.stats.warnings > 0);
            Ok(if failed { Exit::SiteErrors } else { Exit::Ok })
        }
        Command::Serve(args) => serve(cli, args),
        Command::New { path } => {
            let mut diags = Vec::new();
            let config = inkproof::config::load(&cli.root, &mut diags)?;
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
            Event::Built(update) => report::human(&update.new_findings, &mut err).and_then(|()| {
                writeln!(
                    err,
                    "Built in {} ms · {} · {}",
                    update.elapsed.as_millis(),
                    counts(update.warnings, "warning", "warnings"),
                    counts(update.errors, "error", "errors")
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
                report::human(&update.new_findings, &mut err).and_then(|()| {
                    writeln!(
                        err,
                        "Rebuilt {}{more} in {} ms: {} files changed, {} removed · {} · {}",
                        names.join(", "),
                        update.elapsed.as_millis(),
                        update.changed_outputs.len(),
                        update.removed_outputs.len(),
                        counts(update.warnings, "warning", "warnings"),
                        counts(update.errors, "error", "errors")
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

/// The output folder is replaced wholesale: refuse folders that hold the site's
/// own sources.
fn guard_output(
    root: &std::path::Path,
    config: &inkproof::config::Config,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let canon = |p: &std::path::Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let out_c = canon(out);
    for protected in [
        root.to_path_buf(),
        root.join(&config.content_dir),
        root.join(&config.templates_dir),
        root.join(&config.static_dir),
    ] {
        let p = canon(&protected);
        if out_c == p || p.starts_with(&out_c) {
            anyhow::bail!("refusing to replace `{}`: it holds the site's sources", out.display());
        }
    }
    Ok(())
}

/// Runs `f` with a progress bar on stderr that appears only if the build takes
/// longer than a second (short builds stay quiet).
fn with_progress<T>(enabled: bool, f: impl FnOnce(&(dyn Fn(Progress) + Sync)) -> T) -> T {
    if !enabled {
        return f(&|_| {});
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} rendering {pos}/{len} articles {wide_bar} {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let shown = AtomicBool::new(false);
    let result = f(&|p| match p {
        Progress::Start(n) => bar.set_length(n as u64),
        Progress::Article => {
            bar.inc(1);
            if !shown.load(Ordering::Relaxed)
                && started.elapsed() > Duration::from_secs(1)
                && !shown.swap(true, Ordering::Relaxed)
            {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
        Progress::Done => bar.finish_and_clear(),
    });
    bar.finish_and_clear();
    result
}
