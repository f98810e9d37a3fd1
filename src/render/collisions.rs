//! Two outputs at one path, reported once on the source that asked for the second.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::site::Site;
use super::unit::{Job, Unit};
use crate::diag::{Diagnostic, Location};
use crate::registry::ids;

/// Two outputs at one path: the later one would silently replace the earlier.
pub(super) fn collisions(units: &[Unit], site: &Site<'_>, diags: &mut Vec<Diagnostic>) {
    // Which article a page path belongs to: made only when there is a collision.
    let mut owner: Option<HashMap<&Path, &Path>> = None;
    let describe = |u: &Unit| match &u.job {
        Job::Copy(from) => from.display().to_string(),
        Job::Article(i) => site.articles[*i].article.source.display().to_string(),
        _ if !u.source.as_os_str().is_empty() => u.source.display().to_string(),
        _ => "a generated page".to_string(),
    };
    // Article pages whose slug already has its located finding (`slug/collision`,
    // `slug/reserved`): their output collision is the same cause told again,
    // without a line (issue 21). Made only when there is a collision.
    let mut slug_reported: Option<HashSet<(&Path, &Path)>> = None;
    let mut seen: HashMap<&Path, usize> = HashMap::with_capacity(units.len());
    for (i, u) in units.iter().enumerate() {
        if let Some(prev) = seen.insert(&u.path, i) {
            let reported = slug_reported.get_or_insert_with(|| {
                let mut pages: HashMap<&Path, usize> = HashMap::new();
                for a in site.articles {
                    *pages.entry(a.page_path.as_path()).or_default() += 1;
                }
                site.articles
                    .iter()
                    .filter(|a| {
                        pages[a.page_path.as_path()] > 1
                            || a.page_path.iter().next().is_some_and(|first| {
                                crate::slug::RESERVED_SECTIONS.iter().any(|r| first == *r)
                            })
                    })
                    .map(|a| (a.page_path.as_path(), a.article.source.as_path()))
                    .collect()
            });
            if [u, &units[prev]]
                .iter()
                .any(|x| reported.contains(&(x.path.as_path(), x.source.as_path())))
            {
                continue;
            }
            let first = describe(&units[prev]);
            // Blame the source that asked for the second copy (an alias names
            // the article declaring it, not the page it lands on).
            let at = match &u.job {
                Job::Article(i) => site.articles[*i].article.source.as_path(),
                _ if !u.source.as_os_str().is_empty() => u.source.as_path(),
                _ => {
                    let owner = owner.get_or_insert_with(|| {
                        site.articles
                            .iter()
                            .map(|a| (a.page_path.as_path(), a.article.source.as_path()))
                            .collect()
                    });
                    owner.get(u.path.as_path()).copied().unwrap_or(&u.source)
                }
            };
            diags.push(Diagnostic::error(
                ids::OUTPUT_COLLISION,
                Location::file(at),
                format!(
                    "`{}` would be written twice: by {first} and by {}",
                    u.path.display(),
                    describe(u)
                ),
            ));
        }
    }
}
