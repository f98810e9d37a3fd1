//! Command-line interface (clap derive). The binary maps these to library calls.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "inkproof",
    version,
    about = "Static site generator for how-to guides that proofs as you write"
)]
pub struct Cli {
    /// Site root: the folder holding content/, templates/, static/ and inkproof.yaml.
    #[arg(long, short = 'r', global = true, default_value = ".")]
    pub root: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (default: public/).
    Build(BuildArgs),
    /// Build in memory and report problems without writing anything.
    Check(CheckArgs),
    /// Serve the site from memory with live reload and the checks' findings in the browser.
    Serve(ServeArgs),
    /// Create a new article (`PATH.md`) or page bundle (`PATH/index.md`) with its front matter filled in.
    New {
        /// Where to create it, e.g. `content/my-guide.md` or `content/my-guide` (a bundle).
        /// A path outside the content folder is taken as relative to it.
        path: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Scaffold a new site that builds as is.
    Init {
        /// Folder to create (must be empty or absent).
        dir: PathBuf,
    },
    /// Print a JSON Schema of the front matter (for editors' YAML validation).
    Schema,
    /// Write a deterministic benchmark corpus of generated guide articles.
    GenCorpus {
        /// Number of articles.
        #[arg(long, short = 'n', default_value_t = 1000)]
        n: usize,
        /// Site folder to create (content/ is filled with the articles).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Output folder (default: `output_dir` from the config, `public`).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Include drafts.
    #[arg(long)]
    pub drafts: bool,
    /// Override `base_url` from the config.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Replace an output folder inkproof did not make: lists what it takes over (files in its
    /// sub-folders, deleted unless the build makes them); its top-level files (CNAME, .nojekyll)
    /// and dot-folders (.git) are kept.
    #[arg(long)]
    pub force: bool,
    /// Don't read or write the cache of article results (`.inkproof-cache/`).
    #[arg(long)]
    pub no_cache: bool,
    /// List what was stripped from each article, with line numbers.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Print only problems and the summary; no progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// How findings are printed.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors: exit 1 and write nothing.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also check external http(s) links over the network (see `check.external_*` in the config).
    #[arg(long)]
    pub external: bool,
    /// List at most N findings in detail in the human report (0: all); errors are always
    /// listed, and an overview and a count of the rest follow.
    #[arg(long, value_name = "N", default_value_t = crate::report::DEFAULT_MAX_FINDINGS)]
    pub max_findings: usize,
    /// Leave out the articles whose own errors stop them (invalid front matter, an unclosed
    /// fence, …), publish the rest, list them and exit 3 (`publish: { skip_broken: true }`
    /// in the config does the same). Config, template and output errors still stop the build.
    #[arg(long)]
    pub skip_broken: bool,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on; the next free one is used when it is busy (0: any free port).
    #[arg(long, short = 'p', default_value_t = crate::serve::DEFAULT_PORT)]
    pub port: u16,
    /// Address to listen on. Keep the default unless other devices must see the site.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Include drafts.
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Report only findings in these files or folders (the whole site is still checked).
    pub paths: Vec<PathBuf>,
    /// Report only these check ids (`link/broken`, or a topic: `image/*`); comma-separated or repeated.
    #[arg(long, value_name = "ID", value_delimiter = ',', num_args = 1..)]
    pub only: Vec<String>,
    /// List at most N findings in detail in the human report (0: all); errors are always
    /// listed, and an overview and a count of the rest follow.
    #[arg(long, value_name = "N", default_value_t = crate::report::DEFAULT_MAX_FINDINGS)]
    pub max_findings: usize,
    /// Include drafts.
    #[arg(long)]
    pub drafts: bool,
    /// How findings are printed.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors (exit 1).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Don't read or write the cache of article results (`.inkproof-cache/`).
    #[arg(long)]
    pub no_cache: bool,
    /// List every check (id, default severity, what it finds, how to fix it) and exit.
    #[arg(long)]
    pub list: bool,
    /// Accept every warning found now as known: write them to `inkproof-suppressions.json`
    /// (commit it); later runs report only new findings. Errors are never taken this way.
    #[arg(long, conflicts_with = "prune_suppressions")]
    pub suppress_all: bool,
    /// Accept the findings of these check ids as known, errors included (comma-separated or
    /// repeated); other ids in the file are kept.
    #[arg(long, value_name = "ID", value_delimiter = ',', num_args = 1.., conflicts_with = "prune_suppressions")]
    pub suppress: Vec<String>,
    /// Drop accepted findings that no longer occur from `inkproof-suppressions.json`.
    #[arg(long)]
    pub prune_suppressions: bool,
    /// Also check external http(s) links over the network (see `check.external_*` in the config).
    #[arg(long)]
    pub external: bool,
}

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc-style, with the source line and a caret, grouped per file (stderr).
    Human,
    /// One `file:line:col: severity[id]: message` line per finding (stderr).
    Short,
    /// A versioned JSON document (stdout; schema in `schemas/`).
    Json,
    /// SARIF 2.1.0 for code-scanning tools (stdout).
    Sarif,
    /// GitHub Actions annotations (stdout).
    Github,
}
