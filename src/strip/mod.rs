//! Stage 3 (transform): removes affiliate and ad blocks from an article.
//!
//! Ads are removed in two places, because they arrive in two shapes:
//! 1. [`strip_markers`] cuts *marker blocks* (`<!-- affiliate ads begin -->` …
//!    `<!-- affiliate ads end -->`) out of the Markdown source before it is
//!    parsed. Blocks hold Markdown and blank lines, so they span several
//!    CommonMark blocks and can only be cut as text. Markers inside code (fenced,
//!    indented or a code span) are content the author wants to show, so they
//!    stay. A broken pair is an error and its text is kept: an article is never
//!    silently truncated.
//! 2. [`strip_elements`] removes ad *elements* (AdSense `<ins>`, ad-network
//!    scripts, inline loader scripts, tracking pixels, any configured CSS
//!    selector) from the rendered HTML with lol_html. It also removes the line
//!    sentinels `markdown` put before raw HTML, which tell it which source line
//!    an element came from. With `affiliate_links: unwrap` the same pass
//!    unwraps links to affiliate networks, or points them at the heading
//!    their text names: it already sees every `<a>`, with raw HTML and
//!    Markdown links alike, so no other pass is added.
//!
//! The one thing to know: cuts go through an
//! [`OffsetMap`](crate::model::OffsetMap), so every later diagnostic still
//! points at the author's original line.

mod affiliate;
mod cleanup;
mod elements;
mod markers;
mod prefilter;
mod rules;

pub use affiliate::{heading_named, Page};
pub use elements::strip_elements;
pub use markers::{strip_markers, MarkerResult};
pub use rules::{AffiliateLinks, MarkerPair, StripRules};
