//! Where a directive's file is, and the path rules that keep it inside the content folder.

use std::path::{Path, PathBuf};

use super::{Problem, SnippetContext};
use crate::load::FileRead;
use crate::registry::{ids, ErrorId};

/// A snippet file found on disk.
#[derive(Debug)]
pub struct Located {
    /// On disk.
    pub abs: PathBuf,
    /// Relative to the site root, for messages and
    /// [`PublishedSnippet::source`](crate::model::PublishedSnippet::source).
    pub source: PathBuf,
    /// Relative to the output root.
    pub out_path: PathBuf,
    pub file_name: String,
    pub bytes: std::sync::Arc<[u8]>,
}

/// Where a directive's path leads, or the finding's id and message. Public so
/// the fuzz targets (`fuzz/`) can check the path rules on their own: a found
/// file is inside the content folder and publishes inside the output folder.
pub fn resolve(raw: &str, ctx: &SnippetContext<'_>) -> Result<Located, (ErrorId, String)> {
    locate(raw, ctx).map_err(|p| (p.code, p.message))
}

/// How a snippet escape through a symlink is worded, so the finding that
/// restates it at the link itself can be recognised ([`escaped_path`]).
const LEADS_OUT: &str = " leads to ";

/// The file a `snippet/path-escape` message says leads out of the content
/// folder through a symlink (`content/guide/x.ps1`), if it says one.
pub fn escaped_path(message: &str) -> Option<String> {
    let rest = message.strip_prefix('`')?;
    let (path, after) = rest.split_once('`')?;
    after.starts_with(LEADS_OUT).then(|| path.replace('\\', "/"))
}

/// Resolves the directive's path and makes sure it stays inside the content folder.
pub(super) fn locate(raw: &str, ctx: &SnippetContext<'_>) -> Result<Located, Problem> {
    // Authors on Windows write `sub\file.ps1`; treat both separators alike.
    let written = raw.replace('\\', "/");
    let bytes = written.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if written.starts_with('/') || drive || Path::new(&written).is_absolute() {
        return Err(Problem::new(ids::SNIPPET_PATH_ESCAPE, format!("`{raw}` is an absolute path"))
            .help("snippet paths are relative to the page bundle or to content/snippets/"));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in written.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(Problem::new(
                    ids::SNIPPET_PATH_ESCAPE,
                    format!("`{raw}` goes up with `..`"),
                )
                .help("keep snippets inside the bundle or content/snippets/"))
            }
            _ => parts.push(part),
        }
    }
    let Some(file_name) = parts.last().map(|s| s.to_string()) else {
        return Err(Problem::new(ids::SNIPPET_MISSING_PATH, format!("`{raw}` names no file")));
    };

    let shared = ctx.content_dir.join("snippets");
    let (source, out_path) = match (parts.as_slice(), ctx.bundle_dir) {
        (["snippets", rest @ ..], _) if !rest.is_empty() => {
            (join(&shared, rest), join(Path::new("snippets"), rest))
        }
        (_, Some(bundle)) => (join(bundle, &parts), join(ctx.out_dir, &parts)),
        (_, None) => (join(&shared, &parts), join(Path::new("snippets"), &parts)),
    };
    let abs = ctx.site_root.join(&source);

    let shown = source.display();
    let bytes = match ctx.files.read(&source) {
        FileRead::Bytes(b) => b,
        FileRead::Missing => {
            let where_ = if ctx.bundle_dir.is_some() && !source.starts_with(&shared) {
                "the page bundle"
            } else {
                "content/snippets/"
            };
            return Err(Problem::new(
                ids::SNIPPET_MISSING_FILE,
                format!("snippet file `{shown}` does not exist"),
            )
            .help(format!("the path is relative to {where_}")));
        }
        FileRead::Escapes(target) => {
            return Err(Problem::new(
                ids::SNIPPET_PATH_ESCAPE,
                format!("`{shown}`{LEADS_OUT}`{}`, outside the content folder", target.display()),
            )
            .help("copy the file into the site instead of linking to it"))
        }
        FileRead::NotAFile => {
            return Err(Problem::new(
                ids::SNIPPET_MISSING_FILE,
                format!("`{shown}` is a folder, not a file"),
            ))
        }
        FileRead::Error(e) => {
            return Err(Problem::new(
                ids::SNIPPET_UNREADABLE,
                format!("cannot read `{shown}`: {e}"),
            ))
        }
    };
    Ok(Located { abs, source, out_path, file_name, bytes })
}

fn join(base: &Path, parts: &[&str]) -> PathBuf {
    let mut p = base.to_path_buf();
    p.extend(parts);
    p
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::diag::Location;
    use crate::snippet::test_site::*;

    #[test]
    fn paths_out_of_the_content_folder_are_refused() {
        let site = Site::new();
        site.file("secret.txt", b"x");
        site.file("content/snippets/ok.txt", b"x");
        for (info, line) in [
            ("snippet ../secret.txt", 3),
            ("snippet ../../secret.txt", 4),
            ("snippet snippets/../ok.txt", 5),
            ("snippet /etc/passwd", 6),
            ("snippet C:\\Windows\\win.ini", 7),
            ("snippet ..\\..\\secret.txt", 8),
        ] {
            let d = err(info, line, &site.bundle_ctx());
            assert_eq!(d.code, "snippet/path-escape", "{info}: {d}");
            assert_eq!(d.location, Location::new("content/guide/index.md", line, None), "{info}");
            assert!(d.is_error());
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_leading_outside_are_refused_and_inside_ones_work() {
        let site = Site::new();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("token.txt"), b"secret").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("token.txt"),
            site.root().join("content/guide/link.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), site.root().join("content/snippets/linked-dir"))
            .unwrap();
        site.file("content/snippets/real.txt", b"fine");
        std::os::unix::fs::symlink(
            site.root().join("content/snippets/real.txt"),
            site.root().join("content/guide/inner.txt"),
        )
        .unwrap();

        let d = err("snippet link.txt", 12, &site.bundle_ctx());
        assert_eq!(d.code, "snippet/path-escape");
        assert_eq!(d.location.line, 12);
        let d = err("snippet snippets/linked-dir/token.txt", 13, &site.bundle_ctx());
        assert_eq!(d.code, "snippet/path-escape");
        let (_, snip, _) = ok("snippet inner.txt", "", 14, &site.bundle_ctx());
        assert_eq!(snip.bytes, b"fine");
    }

    #[test]
    fn missing_files_are_reported_at_the_fence_line() {
        let site = Site::new();
        let d = err("snippet nope.ps1", 42, &site.bundle_ctx());
        assert_eq!(d.code, "snippet/missing-file");
        assert_eq!(d.location, Location::new("content/guide/index.md", 42, None));
        assert!(d.message.contains("content/guide/nope.ps1"), "{}", d.message);
        assert!(d.help.as_deref().unwrap().contains("bundle"));
        let d = err("snippet snippets/nope.ps1", 43, &site.bundle_ctx());
        assert!(d.message.contains("content/snippets/nope.ps1"), "{}", d.message);
        let d = err("snippet nope.ps1", 44, &site.plain_ctx());
        assert_eq!(d.location, Location::new("content/plain.md", 44, None));
        assert!(d.message.contains("content/snippets/nope.ps1"), "{}", d.message);
        // A folder is not a snippet.
        let d = err("snippet snippets", 45, &site.plain_ctx());
        assert_eq!(d.code, "snippet/missing-file");
    }

    #[test]
    fn shared_snippets_publish_once_under_snippets() {
        let site = Site::new();
        site.file("content/snippets/tools/check.sh", b"echo ok\n");
        site.file("content/snippets/check.ps1", b"1\n");
        let mut ctx = site.bundle_ctx();
        ctx.base_path = "/docs";
        let (html, snip, _) = ok("snippet snippets/tools/check.sh", "", 1, &ctx);
        assert_eq!(snip.source, Path::new("content/snippets/tools/check.sh"));
        assert_eq!(snip.out_path, Path::new("snippets/tools/check.sh"));
        assert!(html.contains("href=\"/docs/snippets/tools/check.sh\""), "{html}");
        assert!(html.contains("type=\"text/x-shellscript; charset=utf-8\""));
        // A non-bundle article finds shared snippets without the prefix, at the same out path.
        let (_, a, _) = ok("snippet check.ps1", "", 1, &site.plain_ctx());
        let (_, b, _) = ok("snippet snippets/check.ps1", "", 1, &site.bundle_ctx());
        assert_eq!(a.out_path, Path::new("snippets/check.ps1"));
        assert_eq!(a, b);
    }

    #[test]
    fn bundle_subfolders_keep_their_relative_path() {
        let site = Site::new();
        site.file("content/guide/scripts/My Check.ps1", b"1\n");
        let (html, snip, _) = ok("snippet \"scripts/My Check.ps1\"", "", 1, &site.bundle_ctx());
        assert_eq!(snip.out_path, Path::new("guide/scripts/My Check.ps1"));
        assert!(html.contains("href=\"/guide/scripts/My%20Check.ps1\""), "{html}");
        assert!(html.contains("download=\"My Check.ps1\""));
        assert!(
            html.contains("Get-FileHash -LiteralPath &#39;.\\My Check.ps1&#39; -Algorithm SHA256"),
            "{html}"
        );
        assert!(html.contains("id=\"snippet-my-check-ps1\""));
        // Backslashes work as separators too.
        let (_, again, _) = ok("snippet 'scripts\\My Check.ps1'", "", 2, &site.bundle_ctx());
        assert_eq!(again.out_path, snip.out_path);
    }
}
