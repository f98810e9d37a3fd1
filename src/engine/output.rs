//! Steps 9 and 10: render what changed, write it (or keep it in memory),
//! and settle the run's findings.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::cache::{Cache, PageFindings};
use super::memo::Slugged;
use super::steps::{url_of, Run};
use crate::article::{self, Env};
use crate::check::facts::Ignore;
use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::load;
use crate::model::Output;
use crate::registry::ids;
use crate::render::{self, Indexed, Job, Site, Unit};
use crate::write::{Files, Target, Writer};

/// What the last build made, as the output folder's manifest or (in memory)
/// the keys it would hold: what the render step compares keys with.
pub(super) fn previous<'a>(target: &'a Option<Target>, memory_keys: &'a Files) -> &'a Files {
    match target {
        Some(t) => &t.manifest.files,
        None => memory_keys,
    }
}

/// Opens the output folder for writing, unless nothing is to be written
/// (or there is no folder): then pages are rendered to look at only.
pub(super) fn begin(
    target: &Option<Target>,
    write_nothing: bool,
) -> anyhow::Result<Option<Writer>> {
    Ok(match (target, write_nothing) {
        (Some(t), false) => Some(t.begin()?),
        _ => None,
    })
}

/// Whether the render stage makes `u` (and so whether it is worth making
/// ahead): not when the last build made it with the same key, unless it is a
/// page whose own findings are not known yet (known only once rendered).
pub(super) fn must_render(
    u: &Unit,
    previous: &Files,
    page_findings: &PageFindings,
    check_only: bool,
) -> bool {
    let is_page = u.path.extension().is_some_and(|e| e == "html");
    let known = !is_page || page_findings.contains_key(&u.key);
    let unchanged = previous.get(&u.path).is_some_and(|(k, _)| *k == u.key && *k != 0);
    !(known && (unchanged || check_only))
}

/// Whether `u` is a page (its own findings are checked once rendered).
fn is_page(u: &Unit) -> bool {
    u.path.extension().is_some_and(|e| e == "html")
}

/// The suppression comments and texts the final pass over findings reads.
pub(super) struct Suppressions<'a> {
    pub ignores: &'a HashMap<PathBuf, Vec<Ignore>>,
    pub texts: &'a HashMap<&'a Path, Cow<'a, str>>,
    /// Ids of checks that did not run: their suppressions are not unused.
    pub not_run: &'a [crate::registry::CheckId],
    /// `inkproof-suppressions.json`: known findings, counted but not reported.
    pub known: Option<&'a crate::baseline::Baseline>,
}

impl Suppressions<'_> {
    /// `crate::check::finalize` over `diags`: severities from `checks:`,
    /// suppressions applied, unused suppressions reported; sorted.
    pub fn finalize(&self, config: &Config, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let texts: HashMap<&Path, &str> = self.texts.iter().map(|(p, t)| (*p, &**t)).collect();
        crate::check::finalize(config, diags, self.ignores, &texts, self.not_run)
    }

    /// Splits finalized findings into reported and known ones.
    pub fn known(&self, decided: Vec<Diagnostic>) -> crate::baseline::Applied {
        match self.known {
            Some(known) => crate::baseline::apply(known, decided),
            None => crate::baseline::Applied { reported: decided, ..Default::default() },
        }
    }
}

/// The findings as they decide whether to write: as the site's `checks:`
/// severities and suppression comments make them, before rendering, so page
/// findings (known once rendered) don't take part. That is why the findings
/// are settled twice when rendering adds any ([`settle`]).
pub(super) fn decide(
    config: &Config,
    suppressions: &Suppressions<'_>,
    diags: &[Diagnostic],
    deny_warnings: bool,
    left_out: &FxHashSet<&Path>,
) -> (Vec<Diagnostic>, bool) {
    let decided = suppressions.finalize(config, diags.to_vec());
    // Known findings never stop a build: only what is reported counts; nor
    // do those of articles left out, which are not published.
    let stops = |d: &&Diagnostic| !left_out.contains(d.location.path.as_path());
    let has_errors = match suppressions.known {
        None if left_out.is_empty() => has_errors(&decided, deny_warnings),
        None => {
            has_errors(&decided.iter().filter(stops).cloned().collect::<Vec<_>>(), deny_warnings)
        }
        Some(_) => {
            let reported = suppressions.known(decided.clone()).reported;
            has_errors(&reported.iter().filter(stops).cloned().collect::<Vec<_>>(), deny_warnings)
        }
    };
    (decided, has_errors)
}

/// Whether a run with these findings (as `checks:` and suppressions make
/// them) must leave the output folder alone.
pub(super) fn has_errors(decided: &[Diagnostic], deny_warnings: bool) -> bool {
    decided.iter().any(Diagnostic::is_error) || (deny_warnings && !decided.is_empty())
}

/// What rendering reads besides the units.
pub(super) struct RenderInputs<'a> {
    pub run: Run<'a>,
    pub indexed: &'a [Arc<Indexed>],
    pub slugs: &'a FxHashMap<PathBuf, Slugged>,
    pub cache: &'a Cache,
    pub check_only: bool,
}

impl RenderInputs<'_> {
    /// The content HTML of article `i` of the index, from the store.
    fn body(&self, i: usize) -> Option<String> {
        let x = &self.indexed[i];
        let entry = self.cache.bodies.get(&x.article.source)?;
        if let Some(b) = self.cache.store.get(entry.body_key) {
            return Some(b);
        }
        // The stored body is gone or damaged: the stage is pure, so
        // doing it again gives the same HTML.
        let source = self.run.sources.iter().find(|s| s.path == x.article.source)?;
        let (_, front) = self.cache.fronts.get(&x.article.source)?;
        let lookup = |p: &Path| url_of(self.slugs, p).map(str::to_string);
        let statics = |p: &Path| super::steps::is_static(self.run.inputs, p);
        let env = Env {
            root: self.run.root,
            config: self.run.config,
            urls: &lookup,
            files: self.run.inputs,
            statics: &statics,
        };
        let (a, _, _) = article::body(
            &*load::with_text(source).ok()?,
            front.meta.as_ref()?,
            front.body_offset,
            &entry.slug,
            &entry.url,
            &env,
        );
        let _ = self.cache.store.put(entry.body_key, &a.html);
        Some(a.html)
    }
}

type Found = Option<Vec<(crate::registry::WarningId, String)>>;
/// A unit's result: `None` when not made again; else the hash of its bytes,
/// the bytes when kept in memory, and its findings when it is a page.
pub(super) type Rendered = Result<Option<(u128, Option<Vec<u8>>, Found)>, Diagnostic>;

/// Step 9: renders every unit that must be made, in parallel, and hands
/// changed bytes to `writer` (or back, without one).
pub(super) fn render(
    r: &RenderInputs<'_>,
    site: &Site<'_>,
    tera: &tera::Tera,
    units: &[Unit],
    previous: &Files,
    writer: Option<&Writer>,
) -> Vec<Rendered> {
    let (config, check_only) = (r.run.config, r.check_only);
    let body = |i: usize| r.body(i);
    units
        .par_iter()
        .map(|u| {
            if !must_render(u, previous, &r.cache.page_findings, check_only) {
                return Ok(None);
            }
            let old = previous.get(&u.path);
            let bytes = render::render(site, tera, u, &body)?;
            let found = is_page(u).then(|| crate::check::output::page(config, &bytes));
            let hash = crate::fingerprint::hash(&bytes);
            if check_only {
                return Ok(Some((hash, None, found)));
            }
            if old.is_some_and(|(_, h)| *h == hash) {
                // Same bytes: record the new key, write nothing.
                return Ok(Some((hash, None, found)));
            }
            if let Some(w) = writer {
                w.put(&u.path, &bytes).map_err(|e| {
                    Diagnostic::error(
                        ids::OUTPUT_UNWRITABLE,
                        Location::file(&u.path),
                        format!("{e:#}"),
                    )
                })?;
                return Ok(Some((hash, None, found)));
            }
            Ok(Some((hash, Some(bytes), found)))
        })
        .collect()
}

/// What rendering changed. The manifest changes only where a unit was made
/// again: those entries are updated, and entries of outputs no longer made
/// are removed; the rest stays as it is.
#[derive(Default)]
pub(super) struct Made {
    pub updates: Vec<(PathBuf, (u128, u128))>,
    pub failed: Vec<Diagnostic>,
    /// Outputs whose bytes changed, with the bytes when kept in memory.
    pub written: Vec<(PathBuf, Option<Vec<u8>>)>,
    pub page_findings: Vec<(u128, Vec<(crate::registry::WarningId, String)>)>,
}

/// Sorts the render results into manifest updates, changed outputs, page
/// findings and failures.
pub(super) fn made(units: &[Unit], rendered: Vec<Rendered>, previous: &Files) -> Made {
    let mut m = Made::default();
    for (u, r) in units.iter().zip(rendered) {
        match r {
            Ok(None) => {}
            Ok(Some((hash, bytes, found))) => {
                if let Some(found) = found {
                    m.page_findings.push((u.key, found));
                }
                let old = previous.get(&u.path);
                if old != Some(&(u.key, hash)) {
                    m.updates.push((u.path.clone(), (u.key, hash)));
                }
                if old.is_none_or(|(_, h)| *h != hash) {
                    m.written.push((u.path.clone(), bytes));
                }
            }
            Err(d) => m.failed.push(d),
        }
    }
    m
}

/// Keeps the findings of the pages made in this run, and of the pages still
/// made, only.
pub(super) fn keep_page_findings(
    cache: &mut Cache,
    new: Vec<(u128, Vec<(crate::registry::WarningId, String)>)>,
    units: &[Unit],
) {
    for (k, f) in new {
        if cache.page_findings.get(&k) != Some(&f) {
            cache.page_findings.insert(k, f);
            cache.pages_dirty = true;
        }
    }
    let live: FxHashSet<u128> = units.iter().map(|u| u.key).collect();
    let before = cache.page_findings.len();
    cache.page_findings.retain(|k, _| live.contains(k));
    cache.pages_dirty |= cache.page_findings.len() != before;
}

/// The findings of every page, rendered now or before.
pub(super) fn page_report(
    config: &Config,
    units: &[Unit],
    page_findings: &PageFindings,
    indexed: &[Arc<Indexed>],
) -> Vec<Diagnostic> {
    crate::check::output::report(
        config,
        units.iter().filter(|u| is_page(u)).filter_map(|u| {
            let found = page_findings.get(&u.key)?;
            let source = match u.job {
                Job::Article(i) => Some(indexed[i].article.source.as_path()),
                _ => None,
            };
            Some((u.path.as_path(), source, found.as_slice()))
        }),
    )
}

/// Outputs of the previous run that are no longer made, sorted: none when
/// every one of them is still a unit (the unit paths are distinct).
pub(super) fn removed(previous: &Files, files: &FxHashSet<&Path>) -> Vec<PathBuf> {
    let all_kept =
        files.len() >= previous.len() && previous.keys().all(|p| files.contains(p.as_path()));
    let mut removed = if all_kept {
        Vec::new()
    } else {
        previous.keys().filter(|p| !files.contains(p.as_path())).cloned().collect()
    };
    removed.sort();
    removed
}

/// Where a run's outputs go: the output folder, or memory.
pub(super) struct Destination<'a> {
    pub target: &'a mut Option<Target>,
    pub memory: &'a mut BTreeMap<PathBuf, Output>,
    pub memory_keys: &'a mut Files,
    pub notes: &'a mut Vec<String>,
}

/// Step 10: makes the rendered outputs the published ones: commits the
/// writer's staged files, or updates the outputs in memory. Returns the
/// changed paths and, when the commit window was measured, its length.
pub(super) fn publish(
    made: Made,
    removed: &[PathBuf],
    units: &[Unit],
    writer: Option<Writer>,
    dest: Destination<'_>,
) -> anyhow::Result<(Vec<PathBuf>, Option<std::time::Duration>)> {
    let Made { updates, mut written, .. } = made;
    let mut window = None;
    match (writer, dest.target) {
        (Some(w), Some(t)) => {
            w.commit(t, updates, removed)?;
            dest.notes.append(&mut t.notes);
            window = t.window.take();
        }
        _ => {
            for p in removed {
                dest.memory.remove(p);
                dest.memory_keys.remove(p);
            }
            dest.memory_keys.extend(updates);
            for (path, bytes) in &mut written {
                let out = match bytes.take() {
                    Some(bytes) => Output::Bytes { path: path.clone(), bytes },
                    None => continue,
                };
                dest.memory.insert(path.clone(), out);
            }
            // Copies stay copies in memory mode (read on demand).
            for u in units {
                if let Job::Copy(from) = &u.job {
                    let same = matches!(
                        dest.memory.get(&u.path),
                        Some(Output::Copy { from: f, .. }) if f == from
                    );
                    if !same {
                        dest.memory.insert(
                            u.path.clone(),
                            Output::Copy { path: u.path.clone(), from: from.clone() },
                        );
                    }
                }
            }
        }
    }
    Ok((written.into_iter().map(|(p, _)| p).collect(), window))
}

/// What the write step did: the changed paths, the commit window when it
/// was measured, and the outputs that could not be written.
#[derive(Default)]
pub(super) struct Written {
    pub changed: Vec<PathBuf>,
    pub window: Option<std::time::Duration>,
    pub failed: Vec<Diagnostic>,
}

/// Step 10: publishes what was made, unless nothing is to be written (a
/// check, or errors with an output folder) or an output failed: then the
/// writer's staged files are dropped and the failures reported. A disk that
/// is full or read-only is the tool's failure (exit 2), not the site's.
pub(super) fn write(
    made: Made,
    removed: &[PathBuf],
    units: &[Unit],
    writer: Option<Writer>,
    dest: Destination<'_>,
    write_nothing: bool,
) -> anyhow::Result<Written> {
    if write_nothing {
        // Nothing is written.
        return Ok(Written::default());
    }
    if made.failed.is_empty() {
        let (changed, window) = publish(made, removed, units, writer, dest)?;
        return Ok(Written { changed, window, failed: Vec::new() });
    }
    if let Some(w) = writer {
        w.abort();
    }
    if let Some(d) = made.failed.iter().find(|d| d.code == ids::OUTPUT_UNWRITABLE) {
        anyhow::bail!("{}: {}", d.location, d.message);
    }
    Ok(Written { failed: made.failed, ..Written::default() })
}

/// The run's findings, sorted: those decided before rendering, or, when
/// rendering added some, all of them settled again (severities from the
/// site's `checks:`, suppression comments applied).
pub(super) fn settle(
    config: &Config,
    suppressions: &Suppressions<'_>,
    mut diags: Vec<Diagnostic>,
    decided: Vec<Diagnostic>,
    added: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut diags = if added.is_empty() {
        decided
    } else {
        diags.extend(added);
        suppressions.finalize(config, diags)
    };
    crate::diag::sort(&mut diags);
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(path: &str, key: u128) -> Unit {
        Unit { path: path.into(), key, job: Job::Copy(path.into()), source: PathBuf::new() }
    }

    #[test]
    fn engine_must_render_skips_only_units_made_with_the_same_key_and_known_findings() {
        let mut previous = Files::default();
        previous.insert("a.css".into(), (7, 1));
        previous.insert("p.html".into(), (9, 1));
        previous.insert("z.css".into(), (0, 1));
        let mut findings = PageFindings::default();
        assert!(!must_render(&unit("a.css", 7), &previous, &findings, false));
        assert!(must_render(&unit("a.css", 8), &previous, &findings, false), "key changed");
        assert!(must_render(&unit("new.css", 1), &previous, &findings, false), "not made before");
        assert!(must_render(&unit("z.css", 0), &previous, &findings, false), "key 0 is unknown");
        // A page's own findings are known only once rendered.
        assert!(must_render(&unit("p.html", 9), &previous, &findings, false));
        findings.insert(9, Vec::new());
        assert!(!must_render(&unit("p.html", 9), &previous, &findings, false));
        // Checking only: a page whose findings are known is never made again.
        assert!(!must_render(&unit("new.html", 9), &previous, &findings, true));
        assert!(must_render(&unit("new.html", 10), &previous, &findings, true));
    }

    #[test]
    fn engine_removed_lists_the_last_outputs_no_longer_made_sorted() {
        let mut previous = Files::default();
        for p in ["b.html", "a.html", "c.css"] {
            previous.insert(p.into(), (1, 1));
        }
        let files: FxHashSet<&Path> =
            [Path::new("c.css"), Path::new("d.css")].into_iter().collect();
        assert_eq!(removed(&previous, &files), vec![PathBuf::from("a.html"), "b.html".into()]);
        let all: FxHashSet<&Path> =
            ["a.html", "b.html", "c.css"].into_iter().map(Path::new).collect();
        assert!(removed(&previous, &all).is_empty());
    }

    fn made(failed: Vec<Diagnostic>) -> Made {
        Made { updates: Vec::new(), failed, written: Vec::new(), page_findings: Vec::new() }
    }

    #[test]
    fn engine_write_keeps_outputs_in_memory_reports_failures_and_bails_on_a_full_disk() {
        type Parts = (Option<Target>, BTreeMap<PathBuf, Output>, Files, Vec<String>);
        fn dest(p: &mut Parts) -> Destination<'_> {
            Destination {
                target: &mut p.0,
                memory: &mut p.1,
                memory_keys: &mut p.2,
                notes: &mut p.3,
            }
        }
        let mut parts: Parts = Default::default();
        let copy = unit("a.css", 7);
        let written =
            write(made(Vec::new()), &[], std::slice::from_ref(&copy), None, dest(&mut parts), true)
                .unwrap();
        assert!(written.changed.is_empty() && written.failed.is_empty(), "nothing is written");
        let mut ok = made(Vec::new());
        ok.updates.push(("a.css".into(), (7, 1)));
        write(ok, &[], &[copy], None, dest(&mut parts), false).unwrap();
        let failure = Diagnostic::error(ids::OUTPUT_UNREADABLE, Location::file("a.png"), "gone");
        let written = write(made(vec![failure]), &[], &[], None, dest(&mut parts), false).unwrap();
        assert_eq!(written.failed.len(), 1, "reported as the site's finding");
        let full = Diagnostic::error(ids::OUTPUT_UNWRITABLE, Location::file("a.html"), "full");
        let err = write(made(vec![full]), &[], &[], None, dest(&mut parts), false).err().unwrap();
        assert!(err.to_string().contains("full"), "{err}");
        assert_eq!(parts.2.get(Path::new("a.css")), Some(&(7, 1)));
        assert!(matches!(parts.1.get(Path::new("a.css")), Some(Output::Copy { .. })));
    }

    #[test]
    fn engine_settle_sorts_and_settles_again_only_when_rendering_added_findings() {
        let config = Config::default();
        let (ignores, texts) = (HashMap::new(), HashMap::new());
        let s = Suppressions { ignores: &ignores, texts: &texts, not_run: &[], known: None };
        let at = |p: &str| Diagnostic::warning(ids::SEO_DESCRIPTION_LENGTH, Location::file(p), "x");
        let decided = vec![at("b.md")];
        let kept = settle(&config, &s, vec![at("z.md")], decided.clone(), Vec::new());
        assert_eq!(kept.len(), 1, "as decided");
        assert_eq!(kept[0].location.path, Path::new("b.md"));
        let all = settle(&config, &s, vec![at("z.md")], decided, vec![at("a.md")]);
        let paths: Vec<_> = all.iter().map(|d| d.location.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("a.md"), "z.md".into()], "settled again, sorted");
    }

    #[test]
    fn engine_has_errors_counts_warnings_only_when_denied() {
        let warning = Diagnostic::warning(ids::SEO_DESCRIPTION_LENGTH, Location::file("a.md"), "x");
        let error = Diagnostic::error(ids::FRONT_MATTER_BAD_DATE, Location::file("a.md"), "x");
        assert!(!has_errors(std::slice::from_ref(&warning), false));
        assert!(has_errors(std::slice::from_ref(&warning), true));
        assert!(has_errors(&[warning, error], false));
        assert!(!has_errors(&[], true));
    }
}
