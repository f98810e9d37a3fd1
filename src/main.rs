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
            print_findings(&cli.root, &build, args.format, report::Command::Build)?;
            if args.verbose && args.format == Format::Human {
                report::stripped(&build, &mut std::io::stderr().lock())?;
            }
            let mut err = std::io::stderr().lock();
            let denied = args.deny_warnings && build.stats.warnings > 0;
            if build.has_errors() || denied {
                writeln!(err, "{}", report::summary("Failed:", &build.stats, false))?;
                let why = if build.has_errors() { "errors" } else { "warnings (--deny-warnings)" };
                writeln!(
                    err,
                    "error: the build has {why}; the previous output was left untouched"
                )?;
                return Ok(Exit::SiteErrors);
            }
            let out = args.output.clone().unwrap_or_else(|| cli.root.join(&config.output_dir));
            guard_output(&cli.root, &config, &out)?;
            let started = Instant::now();
            write::publish(&build.outputs, &out)?;
            let mut stats = build.stats.clone();
            stats.elapsed_ms += started.elapsed().as_millis();
            writeln!(err, "{} → {}", report::summary("Built", &stats, true), out.display())?;
            Ok(Exit::Ok)
        }
        Command::Check(args) => {
            if args.list {
                report::list(&mut std::io::stdout().lock())?;
                return Ok(Exit::Ok);
            }
            let opts = BuildOptions { root: cli.root.clone(), drafts: args.drafts, base_url: None };
            let (_, build) = pipeline::build(&opts, &|_| {})?;
            print_findings(&cli.root, &build, args.format, report::Command::Check)?;
            if matches!(args.format, Format::Human | Format::Short) {
                writeln!(std::io::stderr(), "{}", report::summary("Checked", &build.stats, false))?;
            }
            let failed = build.has_errors() || (args.deny_warnings && build.stats.warnings > 0);
            Ok(if failed { Exit::SiteErrors } else { Exit::Ok })
        }
        Command::Schema => {
            let schema = inkproof::schema::front_matter();
            writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&schema)?)?;
            Ok(Exit::Ok)
        }
        Command::Init { dir } => {
            inkproof::init::scaffold(dir)?;
            eprintln!(
                "Created a new site in {}; build it with: inkproof --root {} build",
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

/// Colour only on a terminal, and never with `NO_COLOR` set (https://no-color.org).
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// People's formats go to stderr (stdout stays free for pipes); machine formats
/// go to stdout.
fn print_findings(
    root: &std::path::Path,
    build: &inkproof::model::Build,
    format: Format,
    command: report::Command,
) -> std::io::Result<()> {
    let diags = &build.diagnostics;
    match format {
        Format::Human => {
            let source = |p: &std::path::Path| std::fs::read_to_string(root.join(p)).ok();
            report::human(diags, &source, colour(), &mut std::io::stderr().lock())
        }
        Format::Short => report::short(diags, &mut std::io::stderr().lock()),
        Format::Json => report::json(build, command, &mut std::io::stdout().lock()),
        Format::Sarif => report::sarif(diags, &mut std::io::stdout().lock()),
        Format::Github => report::github(diags, &mut std::io::stdout().lock()),
    }
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
