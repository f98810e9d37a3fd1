//! inkproof: a static site generator for how-to guides that proofs as you write.
//!
//! Modules are listed in pipeline order, so an article can be followed from
//! `content/` to `public/` by reading their names top to bottom:
//! `load → article (front_matter → strip → markdown + highlight, snippet) →
//! render → write → check`. The [`engine`] drives them for `build`, `check`
//! and `serve` alike.
#![warn(clippy::print_stdout, clippy::print_stderr)]

// Shared leaves: import no stage, so any stage may use them.
pub mod diag;
pub mod escape;
pub mod fingerprint;
pub mod href;
pub mod marks;
pub mod size;
pub mod text;
pub mod theme;
pub mod yaml;
pub mod model;
pub mod limits;

// Shared types and plumbing.
pub mod config;

// The pipeline, in order.
pub mod load;
pub mod article;
pub mod front_matter;
pub mod strip;
pub mod markdown;
pub mod highlight;
pub mod snippet;
pub mod slug;
pub mod sanitize;
pub mod render;
// Reader-facing outputs the render stage calls (issue 8).
pub mod assets;
pub mod feeds;
pub mod og_image;
pub mod search;
pub mod write;
pub mod check;

// Drivers.
pub mod cli;
pub mod corpus;
pub mod engine;
pub mod store;
pub mod init;
pub mod pipeline;
pub mod report;
pub mod schema;
pub mod serve;

pub use pipeline::{build, BuildOptions};
