//! What one output file is: its path, its key and the job that makes its bytes.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

/// What a unit is made from.
#[derive(Debug, Clone)]
pub enum Job {
    /// The page of `articles[i]`.
    Article(usize),
    /// A list page; `members` are article indices in display order.
    List(ListPage),
    /// An Atom or JSON feed (needs the bodies of its entries).
    Feed(FeedJob),
    /// A PNG rendered from an SVG thumbnail (the `og:image`).
    OgPng(PathBuf),
    /// Bytes already made (small generated files, snippets).
    Bytes(Vec<u8>),
    /// An output whose key says it is the one the last build made (planned
    /// from the last build's keys; never rendered).
    Unchanged,
    /// A file copied as is.
    Copy(PathBuf),
    /// A built-in static file.
    Builtin(&'static str),
}

/// A feed of the site or of one tag or category.
#[derive(Debug, Clone)]
pub struct FeedJob {
    pub json: bool,
    /// Article indices, newest first.
    pub members: Vec<usize>,
    /// The term (`{name, url, …}`) for a term feed; `None` for the site's.
    pub term: Option<Value>,
    /// Site-relative URL of the feed itself.
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct ListPage {
    pub template: &'static str,
    /// Shared by every page of one list (a term's value is a JSON object).
    pub kind: Arc<ListKind>,
    pub members: Vec<usize>,
    /// Which page of a list split over several (none when it fits on one).
    pub paginator: Option<Pager>,
}

/// Page `n` of `pages` of the list at `dir` (site-relative, `/tags/x/`). The
/// template's `paginator` is made from it when the page is rendered, not for
/// every page on every run.
#[derive(Debug, Clone)]
pub struct Pager {
    pub dir: String,
    pub n: usize,
    pub pages: usize,
}

impl Pager {
    pub(super) fn url(&self, base: &str, n: usize) -> String {
        if n == 1 {
            format!("{base}{}", self.dir)
        } else {
            format!("{base}{}page/{n}/", self.dir)
        }
    }

    /// What templates see as `paginator`.
    pub(super) fn value(&self, base: &str) -> Value {
        let (n, pages) = (self.n, self.pages);
        // A window of page numbers (first, last, and two either side of this
        // one): listing all of them on every page is quadratic.
        let mut shown: Vec<usize> = vec![1];
        shown.extend((n.saturating_sub(2).max(2)..=(n + 2).min(pages)).filter(|&k| k < pages));
        if pages > 1 {
            shown.push(pages);
        }
        json!({
            "current": n,
            "total": pages,
            "prev_url": (n > 1).then(|| self.url(base, n - 1)),
            "next_url": (n < pages).then(|| self.url(base, n + 1)),
            "pages": shown.iter().map(|&k| json!({"n": k, "url": self.url(base, k)})).collect::<Vec<_>>(),
        })
    }
}

#[derive(Debug, Clone)]
pub enum ListKind {
    Home,
    Taxonomy { kind: &'static str, title: &'static str, terms: Vec<Value> },
    Term { kind: &'static str, title: &'static str, term: Value },
    Search,
    NotFound,
}

/// One output file: where it goes, the key of its inputs, and how to make it.
#[derive(Debug, Clone)]
pub struct Unit {
    pub path: PathBuf,
    pub key: u128,
    pub job: Job,
    /// The source a problem with this unit is reported on.
    pub source: PathBuf,
}
