//! The one integration-test binary (one link of the whole crate, not one per file).
mod harness;

mod adoption;
mod affiliate;
mod ads;
mod permalinks;
mod build;
mod checks;
mod cli;
mod external;
mod front_matter;
mod fuzz_corpus;
mod limits;
mod real_articles;
mod serve;
mod slugs;
mod spelling;
mod snapshots;
mod snippets;
mod incremental;
mod reliability;
mod reader;
mod skip_broken;
mod reader_faults;
mod sources;
mod writing;
