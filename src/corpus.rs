//! Benchmark corpus: writes a deterministic site of generated how-to guides,
//! shaped like the articles inkproof is made for, so builds can be timed and
//! compared without shipping (or licensing) real content.
//!
//! Each article carries the full front matter set (title, dates with
//! milliseconds, tags, categories, description, excerpt, keywords, thumbnail)
//! and a ~1,000-word body that exercises every stage: `##`/`###` headings,
//! numbered steps with bold leads, inline code, emphasis, blockquotes, links to
//! other generated articles by `.md` file name (some with a `#conclusion`
//! anchor, so link rewriting and anchor checks run), external links and images,
//! 1–2 fenced code blocks (PowerShell, Bash or Rust, ~20 lines, so highlighting
//! dominates as it does on real sites), affiliate marker blocks and AdSense
//! slots to strip.
//!
//! Article `i` depends only on `(seed, i, n)`: the same seed always gives the
//! same bytes, and a smaller corpus holds the same articles as a larger one with
//! the same seed except for the numbers of the articles they link to (links
//! stay below `n`), so timings at different sizes compare like with like.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context as _};
use rayon::prelude::*;

/// Marks a folder as written by [`write_site`], so regenerating into it may
/// replace the old articles, while any other non-empty folder is refused.
const MARKER: &str = ".inkproof-corpus";

/// Writes `n` generated articles into `out/content/posts/article-NNNNN.md`
/// plus `out/inkproof.yaml`. No templates are written: the built-in theme is
/// what a benchmark should measure.
///
/// `out` must be missing, empty, or a corpus written by an earlier call (its
/// old articles are then replaced), so a typo can't delete someone's site.
pub fn write_site(out: &Path, n: usize, seed: u64) -> anyhow::Result<()> {
    prepare(out)?;
    let posts = out.join("content").join("posts");
    std::fs::create_dir_all(&posts)
        .with_context(|| format!("cannot create `{}`", posts.display()))?;
    std::fs::write(out.join(MARKER), format!("n: {n}\nseed: {seed}\n"))
        .with_context(|| format!("cannot write into `{}`", out.display()))?;
    std::fs::write(
        out.join("inkproof.yaml"),
        format!("title: \"Generated guides (n={n}, seed={seed})\"\nbase_url: \"https://guides.example.org\"\n"),
    )
    .with_context(|| format!("cannot write `{}`", out.join("inkproof.yaml").display()))?;
    (0..n).into_par_iter().try_for_each(|i| {
        let path = posts.join(file_name(i));
        std::fs::write(&path, article(seed, i, n))
            .with_context(|| format!("cannot write `{}`", path.display()))
    })
}

/// File name of article `i`; other articles link to it by this name.
pub fn file_name(i: usize) -> String {
    format!("article-{i:05}.md")
}

fn prepare(out: &Path) -> anyhow::Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        bail!("`{}` exists and is not a folder", out.display());
    }
    if out.join(MARKER).is_file() {
        let posts = out.join("content").join("posts");
        if posts.exists() {
            std::fs::remove_dir_all(&posts)
                .with_context(|| format!("cannot clear `{}`", posts.display()))?;
        }
        return Ok(());
    }
    let mut entries =
        std::fs::read_dir(out).with_context(|| format!("cannot read `{}`", out.display()))?;
    if entries.next().is_some() {
        bail!(
            "`{}` is not empty and was not written by `gen-corpus`; choose a new or empty folder",
            out.display()
        );
    }
    Ok(())
}

/// splitmix64: tiny, fast, and good enough to make text look varied. Not for
/// anything that needs real randomness.
struct Rng(u64);

impl Rng {
    /// One independent stream per article, so articles can be generated in
    /// parallel and in any order.
    fn for_article(seed: u64, i: usize) -> Rng {
        let mut r = Rng(seed ^ 0x5bd1_e995_u64.wrapping_mul(i as u64 + 1));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift instead of a biased modulo.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// True with probability `percent`/100.
    fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// `k` distinct indices below `n`, in drawing order.
    fn distinct(&mut self, k: usize, n: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::with_capacity(k);
        while out.len() < k.min(n) {
            let x = self.below(n);
            if !out.contains(&x) {
                out.push(x);
            }
        }
        out
    }
}

/// (subject as written in titles, tag)
const SUBJECTS: &[(&str, &str)] = &[
    ("Windows Defender", "defender"),
    ("the Print Spooler", "printing"),
    ("Bluetooth Headphones", "bluetooth"),
    ("a Wi-Fi Adapter", "wifi"),
    ("Firefox Profiles", "firefox"),
    ("Chrome Extensions", "chrome"),
    ("Ubuntu Packages", "ubuntu"),
    ("PostgreSQL", "postgres"),
    ("systemd Units", "systemd"),
    ("Android Backups", "android"),
    ("iCloud Photos", "icloud"),
    ("Zoom Audio", "zoom"),
    ("Excel Macros", "excel"),
    ("Time Machine", "macos"),
    ("a Raspberry Pi", "raspberrypi"),
    ("Homebrew", "homebrew"),
    ("the npm Cache", "npm"),
    ("rustup Toolchains", "rustup"),
    ("Disk Cleanup", "storage"),
    ("GPU Drivers", "gpu"),
    ("Windows Sandbox", "sandbox"),
    ("the Windows Clipboard", "clipboard"),
    ("Scheduled Backups", "backup"),
    ("Remote Desktop", "rdp"),
    ("File Explorer", "explorer"),
    ("Secure Boot", "secureboot"),
];

const ACTIONS: &[&str] = &[
    "Repair", "Set Up", "Tune", "Diagnose", "Script", "Restore", "Harden", "Tidy Up", "Move",
    "Archive", "Enable", "Turn Off", "Audit", "Rebuild", "Share",
];

const ANGLES: &[&str] = &[
    "Quickly",
    "Without Losing Data",
    "With One Command",
    "on a Work Laptop",
    "After an Upgrade",
    "the Right Way",
    "for Good",
    "When Nothing Else Works",
    "From Scratch",
    "in Under Ten Minutes",
    "on Older Hardware",
];

const SECTIONS: &[&str] = &[
    "Guides",
    "Windows",
    "macOS",
    "Linux",
    "Mobile",
    "Developer Tools",
    "Privacy",
    "Hardware",
    "Networking",
    "Fixes",
];

/// Body vocabulary: plain words a support article would use.
#[rustfmt::skip]
const VOCAB: &[&str] = &[
    "a", "the", "your", "this", "that", "each", "every", "some", "any", "most", "and", "or", "but",
    "so", "if", "when", "until", "after", "before", "while", "with", "without", "from", "into",
    "onto", "over", "under", "through", "between", "for", "of", "on", "in", "to", "by", "is", "are",
    "was", "will", "can", "should", "might", "must", "does", "keeps", "needs", "shows", "opens",
    "hides", "stores", "syncs", "blocks", "loads", "fails", "works", "changes", "expects",
    "reports", "ignores", "returns", "creates", "removes", "updates", "checks", "fixes", "starts",
    "laptop", "phone", "tablet", "router", "printer", "monitor", "keyboard", "headset", "drive",
    "folder", "profile", "account", "library", "extension", "plugin", "driver", "firmware",
    "setting", "toggle", "switch", "shortcut", "menu", "sidebar", "toolbar", "window", "screen",
    "dialog", "wizard", "console", "prompt", "session", "service", "daemon", "process", "queue",
    "cache", "index", "backup", "snapshot", "archive", "download", "upload", "connection",
    "network", "adapter", "channel", "signal", "battery", "storage", "partition", "volume",
    "permission", "owner", "group", "policy", "license", "warning", "notice", "crash", "freeze",
    "delay", "glitch", "timeout", "mismatch", "conflict", "version", "release", "patch", "build",
    "quietly", "slowly", "quickly", "safely", "properly", "briefly", "again", "later", "soon",
    "already", "still", "only", "even", "just", "rather", "usually", "rarely", "often", "once",
    "twice", "new", "old", "broken", "stale", "missing", "hidden", "visible", "local", "remote",
    "shared", "private", "public", "manual", "automatic", "safe", "risky", "simple", "tricky",
    "fresh", "clean", "full", "empty", "recent", "default", "custom", "extra", "main", "second",
];

const INLINE_CODE: &[&str] = &[
    "Get-Volume",
    "netsh wlan show drivers",
    "sudo apt full-upgrade",
    "brew doctor",
    "rustup show",
    "npm cache verify",
    "systemctl --failed",
    "gpupdate /force",
    "tmutil listbackups",
    "lsblk -f",
];

const LINK_WORDS: &[&str] = &[
    "the vendor's notes",
    "a related walkthrough",
    "the support page",
    "the earlier guide",
    "this reference",
    "the changelog",
    "the forum thread",
    "the FAQ",
];

const STEP_VERBS: &[&str] = &[
    "Open",
    "Select",
    "Type",
    "Press",
    "Click",
    "Expand",
    "Right-click",
    "Find",
    "Confirm",
    "Choose",
];

const UI_PARTS: &[&str] = &[
    "Settings",
    "Device Manager",
    "the Advanced tab",
    "Apply",
    "the search box",
    "Properties",
    "the Security page",
    "Storage",
    "the overflow menu",
    "Startup apps",
    "Network & internet",
    "the Details pane",
];

const FIGURES: &[&str] = &[
    "Settings page with the option highlighted",
    "Console output after the command",
    "Warning shown before the change",
    "Device list with the adapter selected",
    "Confirmation dialog",
    "Before and after comparison",
];

/// One article: front matter, a blank line, the body.
fn article(seed: u64, i: usize, n: usize) -> String {
    let mut r = Rng::for_article(seed, i);
    let mut s = String::with_capacity(12 * 1024);
    front_matter(&mut s, &mut r, i);
    s.push('\n');
    body(&mut s, &mut r, i, n);
    s
}

fn front_matter(s: &mut String, r: &mut Rng, i: usize) {
    let (subject, tag) = r.pick(SUBJECTS);
    let title =
        format!("How to {} {subject} {} (Guide {})", r.pick(ACTIONS), r.pick(ANGLES), i + 1);
    // Within 2019..2024, with milliseconds, like exported CMS dates.
    let created = 1_546_300_800 + r.below(6 * 365 * 86_400) as i64;
    let millis = r.below(1000) as u32;
    let updated = created + r.between(3600, 240 * 86_400) as i64;
    let mut tags = vec![tag];
    let extra_tags = r.between(1, 3);
    for j in r.distinct(extra_tags, SUBJECTS.len()) {
        if !tags.contains(&SUBJECTS[j].1) {
            tags.push(SUBJECTS[j].1);
        }
    }
    let n_cats = r.between(1, 2);
    let cats: Vec<&str> =
        r.distinct(n_cats, SECTIONS.len()).into_iter().map(|j| SECTIONS[j]).collect();
    let description = plain(r, 12, 22);
    let excerpt = plain(r, 18, 28);
    let keywords: Vec<String> =
        std::iter::once(subject.trim_start_matches("the ").trim_start_matches("a ").to_string())
            .chain((0..r.between(2, 4)).map(|_| format!("{} {}", r.pick(VOCAB), r.pick(VOCAB))))
            .collect();

    s.push_str("---\n");
    let _ = writeln!(s, "title: \"{title}\"");
    let _ = writeln!(s, "date: {}", stamp(created, millis));
    let _ = writeln!(s, "updated: {}", stamp(updated, millis));
    s.push_str("tags:\n");
    for t in &tags {
        let _ = writeln!(s, "  - {t}");
    }
    s.push_str("categories:\n");
    for c in &cats {
        let _ = writeln!(s, "  - {c}");
    }
    let _ = writeln!(s, "description: \"{description}\"");
    let _ = writeln!(s, "excerpt: \"{excerpt}\"");
    let _ = writeln!(s, "keywords: \"{}\"", keywords.join(","));
    let _ = writeln!(s, "thumbnail: https://media.example.net/thumbs/{:016x}.jpg", r.next());
    s.push_str("---\n");
}

/// `2024-08-22T21:32:44.553Z`
fn stamp(secs: i64, millis: u32) -> String {
    chrono::DateTime::from_timestamp(secs, millis * 1_000_000)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// A sentence with no Markdown in it (safe inside a quoted YAML string).
fn plain(r: &mut Rng, lo: usize, hi: usize) -> String {
    let mut s = String::new();
    let n = r.between(lo, hi);
    for k in 0..n {
        let w = r.pick(VOCAB);
        if k == 0 {
            capitalize_into(&mut s, w);
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn capitalize_into(s: &mut String, w: &str) {
    let mut c = w.chars();
    if let Some(first) = c.next() {
        s.extend(first.to_uppercase());
        s.push_str(c.as_str());
    }
}

/// A body sentence: words, now and then a code span or emphasis, and with
/// `link` an inline link before the full stop.
fn sentence(s: &mut String, r: &mut Rng, lo: usize, hi: usize, link: Option<&str>) {
    let n = r.between(lo, hi);
    let code_at = if r.percent(15) { r.between(1, n - 1) } else { usize::MAX };
    let em_at = if r.percent(12) { r.between(1, n - 1) } else { usize::MAX };
    for k in 0..n {
        if k > 0 {
            s.push(' ');
        }
        let w = r.pick(VOCAB);
        if k == 0 {
            capitalize_into(s, w);
        } else if k == code_at {
            let _ = write!(s, "`{}`", r.pick(INLINE_CODE));
        } else if k == em_at {
            let _ = write!(s, "*{w}*");
        } else {
            s.push_str(w);
        }
    }
    if let Some(href) = link {
        let _ = write!(s, " ([{}]({href}))", r.pick(LINK_WORDS));
    }
    s.push_str(r.pick(&[".", ".", ".", ".", "!", "?"]));
}

/// Where a link goes: half to another generated article by its `.md` name
/// (a fifth of those to its `## Conclusion` heading), half off-site.
fn link_target(r: &mut Rng, i: usize, n: usize) -> String {
    if n > 1 && r.percent(50) {
        let mut j = r.below(n - 1);
        if j >= i {
            j += 1; // never link to itself
        }
        let anchor = if r.percent(20) { "#conclusion" } else { "" };
        format!("{}{anchor}", file_name(j))
    } else {
        format!("https://help.example.net/{}/{}", r.pick(VOCAB), r.between(100, 99_999))
    }
}

fn paragraph(s: &mut String, r: &mut Rng, sentences: usize, link: Option<String>) {
    let link_at = r.below(sentences);
    for k in 0..sentences {
        if k > 0 {
            s.push(' ');
        }
        sentence(s, r, 8, 19, if k == link_at { link.as_deref() } else { None });
    }
    s.push_str("\n\n");
}

fn heading(s: &mut String, r: &mut Rng, level: usize) {
    s.push_str(&"#".repeat(level));
    for _ in 0..r.between(3, 6) {
        s.push(' ');
        capitalize_into(s, r.pick(VOCAB));
    }
    s.push_str("\n\n");
}

fn steps(s: &mut String, r: &mut Rng) {
    for k in 1..=r.between(4, 7) {
        let _ = write!(s, "{k}. **{} {}**, then ", r.pick(STEP_VERBS), r.pick(UI_PARTS));
        let start = s.len();
        sentence(s, r, 7, 15, None);
        // Steps continue the bold lead, so the sentence starts lowercase.
        let lower = s[start..start + 1].to_ascii_lowercase();
        s.replace_range(start..start + 1, &lower);
        s.push('\n');
    }
    s.push('\n');
}

fn affiliate_block(s: &mut String, r: &mut Rng) {
    let id = r.between(10_000, 99_999);
    let _ = write!(
        s,
        "<!-- affiliate ads begin -->\n\
         <a href=\"https://deals.example.com/go/{id}?ref=guides\" rel=\"sponsored nofollow\">\
         <img src=\"https://deals.example.com/banner/{id}.png\" alt=\"Offer {id}\" width=\"300\" height=\"250\"></a>\
         <img width=\"1\" height=\"1\" src=\"https://pixel.example.com/t/{id}.gif\" style=\"display:none\">\n\
         <!-- affiliate ads end -->\n\n"
    );
}

fn ad_slot(s: &mut String, r: &mut Rng) {
    let _ = write!(
        s,
        "<ins class=\"adsbygoogle\"\n     style=\"display:block\"\n     data-ad-client=\"ca-pub-0000000000000000\"\n     \
         data-ad-slot=\"{}\"\n     data-ad-format=\"auto\"></ins>\n",
        r.between(1_000_000_000, 9_999_999_999)
    );
    if r.percent(50) {
        s.push_str("<script>(adsbygoogle = window.adsbygoogle || []).push({});</script>\n");
    }
    s.push('\n');
}

fn body(s: &mut String, r: &mut Rng, i: usize, n: usize) {
    let slug = format!("article-{i:05}");
    let link = link_target(r, i, n);
    paragraph(s, r, 4, Some(link));
    affiliate_block(s, r);

    let n_code = r.between(1, 2);
    let code_sections = r.distinct(n_code, 5);
    let tip_section = r.below(6);
    for h in 0..6 {
        heading(s, r, 2);
        let link = r.percent(60).then(|| link_target(r, i, n));
        let len = r.between(3, 5);
        paragraph(s, r, len, link);
        if h == 1 || h == 3 || h == 4 {
            if r.percent(35) {
                heading(s, r, 3);
            }
            steps(s, r);
        }
        if h == 2 {
            let _ = write!(
                s,
                "![{}](https://media.example.net/{slug}/figure-{h}.png)\n\n",
                r.pick(FIGURES)
            );
        }
        if code_sections.contains(&h) {
            code_block(s, r, i);
        }
        if h == tip_section {
            s.push_str("> **Tip:** ");
            sentence(s, r, 8, 16, None);
            s.push_str("\n\n");
        }
        if h == 3 {
            ad_slot(s, r);
        }
        let len = r.between(2, 3);
        paragraph(s, r, len, None);
    }
    s.push_str("## Conclusion\n\n");
    let link = link_target(r, i, n);
    paragraph(s, r, 3, Some(link));
    ad_slot(s, r);
    // One trailing newline, like an editor saves it.
    while s.ends_with("\n\n") {
        s.pop();
    }
}

fn code_block(s: &mut String, r: &mut Rng, i: usize) {
    let start = s.len();
    match r.below(3) {
        0 => powershell(s, r),
        1 => bash(s, r),
        _ => rust(s, r),
    }
    // Every block unique per article (as real guides' scripts are), so a
    // cache of highlighted blocks can't make a benchmark look faster than a
    // real site would be.
    if let Some(nl) = s[start..].find('\n') {
        let comment = if s[start..].starts_with("```rust") { "//" } else { "#" };
        s.insert_str(start + nl + 1, &format!("{comment} guide {i}\n"));
    }
    s.push('\n');
}

fn powershell(s: &mut String, r: &mut Rng) {
    let drive = r.pick(&["C", "D", "E"]);
    let limit = r.between(5, 40);
    let days = r.between(7, 90);
    let _ = write!(
        s,
        r#"```powershell
# Report low disk space and old crash dumps on {drive}:
param(
    [int]$MinFreePercent = {limit},
    [int]$DumpAgeDays = {days}
)
$volume = Get-Volume -DriveLetter {drive}
$freePercent = [math]::Round($volume.SizeRemaining / $volume.Size * 100, 1)
if ($freePercent -lt $MinFreePercent) {{
    Write-Warning "Only $freePercent% free on {drive}:"
}}
$cutoff = (Get-Date).AddDays(-$DumpAgeDays)
$dumps = Get-ChildItem -Path "{drive}:\Windows\Minidump" -Filter *.dmp -ErrorAction SilentlyContinue |
    Where-Object {{ $_.LastWriteTime -lt $cutoff }}
foreach ($d in $dumps) {{
    Write-Host ("Removing {{0}} ({{1:N0}} KB)" -f $d.Name, ($d.Length / 1KB)) -ForegroundColor Cyan
    Remove-Item -LiteralPath $d.FullName -Force
}}
Get-Service -Name 'WerSvc' | Select-Object Name, Status, StartType |
    Export-Csv -Path "$env:USERPROFILE\Desktop\report.csv" -NoTypeInformation
Write-Output "Checked {drive}: ($freePercent% free), removed $($dumps.Count) dump(s)."
```
"#
    );
}

fn bash(s: &mut String, r: &mut Rng) {
    let src = r.pick(&["$HOME/Documents", "/etc", "/var/www", "$HOME/.config"]);
    let keep = r.between(3, 14);
    let _ = write!(
        s,
        r#"```bash
#!/usr/bin/env bash
# Snapshot {src} with rsync and keep the newest {keep} copies.
set -Eeuo pipefail
SRC="{src}"
DEST="${{BACKUP_ROOT:-/mnt/backup}}/$(hostname -s)"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$DEST"
latest="$(ls -1d "$DEST"/snap-* 2>/dev/null | tail -n 1 || true)"
opts=(--archive --delete --human-readable)
if [[ -n "$latest" ]]; then
  opts+=(--link-dest="$latest")
fi
rsync "${{opts[@]}}" "$SRC/" "$DEST/snap-$STAMP/"
mapfile -t old < <(ls -1d "$DEST"/snap-* | head -n -{keep})
for dir in "${{old[@]}}"; do
  echo "pruning $dir"
  rm -rf -- "$dir"
done
du -sh "$DEST/snap-$STAMP" | cut -f1 | xargs echo "snapshot size:"
echo "done: $DEST/snap-$STAMP"
```
"#
    );
}

fn rust(s: &mut String, r: &mut Rng) {
    let ty = r.pick(&["Usage", "Tally", "Summary", "Totals"]);
    let top = r.between(3, 25);
    let _ = write!(
        s,
        r#"```rust
use std::collections::BTreeMap;
use std::io::{{self, BufRead}};

/// Counts how often each word appears on stdin.
#[derive(Default)]
struct {ty} {{
    words: BTreeMap<String, u64>,
    lines: u64,
}}

fn main() -> io::Result<()> {{
    let mut t = {ty}::default();
    for line in io::stdin().lock().lines() {{
        t.lines += 1;
        for w in line?.split_whitespace() {{
            *t.words.entry(w.to_lowercase()).or_insert(0) += 1;
        }}
    }}
    let mut top: Vec<_> = t.words.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1));
    for (word, n) in top.into_iter().take({top}) {{
        println!("{{n:>6}} {{word}}");
    }}
    Ok(())
}}
```
"#
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect()
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        write_site(a.path(), 40, 7).unwrap();
        write_site(b.path(), 40, 7).unwrap();
        let (fa, fb) = (files(a.path()), files(b.path()));
        assert_eq!(fa.len(), 40 + 2, "40 articles, the config and the marker");
        assert!(fa.contains_key("content/posts/article-00039.md"));
        assert!(fa.contains_key("inkproof.yaml"));
        assert_eq!(fa, fb);
    }

    #[test]
    fn seed_changes_the_text() {
        assert_ne!(article(1, 0, 10), article(2, 0, 10));
        assert_ne!(article(1, 0, 10), article(1, 1, 10), "articles differ from each other");
    }

    #[test]
    fn articles_have_the_expected_shape() {
        let n = 200;
        let mut words = 0;
        let mut code = 0;
        for i in 0..n {
            let a = article(42, i, n);
            let (fm, body) = a.strip_prefix("---\n").unwrap().split_once("\n---\n").unwrap();
            for key in
                ["title: \"How to ", "date: 20", "updated: 20", "tags:\n  - ", "categories:\n  - "]
            {
                assert!(fm.contains(key), "article {i} lacks `{key}`:\n{fm}");
            }
            for key in ["description: \"", "excerpt: \"", "keywords: \"", "thumbnail: https://"] {
                assert!(fm.contains(key), "article {i} lacks `{key}`");
            }
            let date = fm.lines().find_map(|l| l.strip_prefix("date: ")).unwrap();
            assert_eq!(date.len(), "2024-08-22T21:32:44.553Z".len(), "{date}");
            assert!(date.ends_with('Z') && date.as_bytes()[19] == b'.', "{date}");

            assert_eq!(body.matches("<!-- affiliate ads begin -->").count(), 1);
            assert_eq!(body.matches("<!-- affiliate ads end -->").count(), 1);
            assert_eq!(body.matches("<ins class=\"adsbygoogle\"").count(), 2);
            assert!(body.contains("\n## Conclusion\n"));
            assert!(body.contains("\n1. **"), "numbered steps with bold leads");
            assert!(
                body.contains("![") && body.contains("](https://"),
                "an image and external links"
            );
            let fences = body.matches("\n```").count();
            assert!(fences == 2 || fences == 4, "1-2 code blocks, got {fences} fences");
            assert!(a.ends_with("\n") && !a.ends_with("\n\n"));
            code += fences / 2;
            words += body.split_whitespace().count();

            // Links to other articles name existing files, never the article itself.
            for part in body.split("](article-").skip(1) {
                let j: usize = part[..5].parse().unwrap();
                assert!(j < n && j != i, "article {i} links to {j}");
            }
        }
        let avg = words / n;
        assert!((900..=1400).contains(&avg), "average body is {avg} words");
        assert!(code > n && code < 2 * n, "{code} code blocks");
        let all: String = (0..n).map(|i| article(42, i, n)).collect();
        assert!(
            all.contains("](article-") && all.contains(".md#conclusion)"),
            "internal links, some anchored"
        );
        for lang in ["```powershell", "```bash", "```rust"] {
            assert!(all.contains(lang), "{lang} appears in the corpus");
        }
    }

    #[test]
    fn corpus_size_changes_only_link_targets() {
        let mask = |a: String| {
            let mut out = String::new();
            let mut rest = a.as_str();
            while let Some(k) = rest.find("](article-") {
                out.push_str(&rest[..k + 10]);
                out.push_str("NNNNN");
                rest = &rest[k + 15..];
            }
            out + rest
        };
        for i in [0, 5, 99] {
            let (small, big) = (article(42, i, 100), article(42, i, 10_000));
            assert_ne!(small, big, "link targets spread over the whole corpus");
            assert_eq!(mask(small), mask(big));
        }
    }

    #[test]
    fn one_article_corpus_has_no_internal_links() {
        let a = article(3, 0, 1);
        assert!(!a.contains("](article-"));
    }

    #[test]
    fn refuses_a_foreign_non_empty_folder_but_regenerates_its_own() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = write_site(dir.path(), 3, 1).unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(), "mine");

        let site = dir.path().join("site");
        write_site(&site, 5, 1).unwrap();
        write_site(&site, 2, 1).unwrap();
        let posts = files(&site.join("content/posts"));
        assert_eq!(
            posts.keys().cloned().collect::<Vec<_>>(),
            ["article-00000.md", "article-00001.md"]
        );
    }

    #[test]
    fn generated_site_builds_without_errors() {
        let dir = tempfile::tempdir().unwrap();
        write_site(dir.path(), 30, 42).unwrap();
        let opts = crate::BuildOptions { root: dir.path().to_path_buf(), ..Default::default() };
        let (_, build) = crate::build(&opts).unwrap();
        let errors: Vec<_> = build
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let warnings: Vec<_> = build.diagnostics.iter().map(|d| d.code.to_string()).collect();
        assert!(warnings.is_empty(), "a generated corpus proofs clean: {warnings:?}");
        assert_eq!(build.stats.pages, 30);
        assert!(
            build.stats.stripped_blocks >= 30 && build.stats.stripped_elements >= 60,
            "{:?}",
            build.stats
        );
        let html = build.articles.iter().map(|a| a.html.as_str()).collect::<String>();
        assert!(!html.contains(".md\""), ".md links are rewritten to page URLs");
        assert!(!html.contains("adsbygoogle"));
    }
}
