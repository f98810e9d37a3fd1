//! Stage 4 (render): the site index → render units → bytes.
//!
//! Every output file is one [`Unit`]: an article page, a list page (home and
//! its pages, a taxonomy, a term page), a feed (the site's or a term's, Atom
//! or JSON), the sitemap, one file of the chunked search index, a theme file
//! (minified, fingerprinted), a PNG `og:image`, a static file, a snippet or
//! bundle asset. [`plan`] lists them with a key: a
//! hash of everything the unit's bytes are made from. The engine renders a unit
//! only when its key differs from the last build's, so an incremental build
//! equals a clean one by construction. [`render`] makes one unit's bytes; it
//! asks for article bodies through a callback, so bodies need not stay in memory.
//!
//! Tera renders pages; feeds ([`crate::feeds`]), the sitemap and `robots.txt`
//! are written without a theme (XML needs exact escaping). Nothing touches the
//! disk but the reads of theme files and SVG thumbnails (`static/`, bundles).

// The site index, then the plan, then the bytes.
mod templates; // the Tera instance
mod indexed; // one article in the site index
mod site; // the site index
mod related; // related articles and term members
mod keys; // hashing a key from its parts
mod unit; // what one output is
mod plan; // every output with its key, one step per kind
mod search_units; // the search index's outputs
mod collisions; // two outputs at one path
mod values; // what templates see of an article and a page
mod make; // one unit's bytes
mod feed; // a feed's bytes
mod sitemap; // the sitemap's bytes

pub use indexed::{search_doc, BodyFacts, HomeIntro, Indexed};
pub use make::{render, render_long_lists};
pub use plan::plan;
pub use related::Related;
pub use search_units::plan_search;
pub use site::Site;
pub use templates::{error_chain, templates};
pub use unit::{FeedJob, Job, ListKind, ListPage, Pager, Unit};
pub use values::{article_value, xml_escape};
