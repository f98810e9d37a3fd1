//! `inkproof serve` end to end: the real binary on 127.0.0.1 with a free port,
//! spoken to with raw HTTP so every path spelling reaches the server as typed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::TestSite;

/// A running `inkproof serve` and the lines it printed so far.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(site: &TestSite) -> Server {
        Self::start_with(site, &["--port", "0"])
    }

    fn start_with(site: &TestSite, args: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_inkproof"));
        cmd.arg("--root").arg(&site.root).arg("serve").args(args);
        Self::spawn(cmd)
    }

    /// As an author runs it: in the site folder, without `--root`.
    fn start_in_folder(site: &TestSite) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_inkproof"));
        cmd.current_dir(&site.root).args(["serve", "--port", "0"]);
        Self::spawn(cmd)
    }

    fn spawn(mut cmd: Command) -> Server {
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Serving at http://127.0.0.1:") {
                    let port: u16 = rest.split('/').next().unwrap().parse().unwrap();
                    let _ = tx.send(port);
                }
                sink.lock().unwrap().push(line);
            }
        });
        let port = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| {
            panic!("serve did not start: {:?}", log.lock().unwrap());
        });
        Server { child, port, log }
    }

    fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn rebuilds(&self) -> usize {
        self.lines().iter().filter(|l| l.starts_with("Rebuilt ")).count()
    }

    /// Sends `request` as is (CRLF line ends added) and returns (status, headers, body).
    fn raw(&self, request: &str) -> (u16, String, Vec<u8>) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(request.replace('\n', "\r\n").as_bytes()).unwrap();
        let mut buf = Vec::new();
        if request.contains("Upgrade: websocket") {
            // A 101 keeps the connection open: read only the head.
            let mut byte = [0u8; 1];
            while !buf.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
                buf.push(byte[0]);
            }
        } else {
            s.read_to_end(&mut buf).unwrap();
        }
        let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(buf.len());
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let body = buf.get(split + 4..).unwrap_or_default().to_vec();
        let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        (status, head.to_ascii_lowercase(), body)
    }

    fn get_as(&self, path: &str, host: &str) -> (u16, String, Vec<u8>) {
        self.raw(&format!("GET {path} HTTP/1.1\nHost: {host}\nConnection: close\n\n"))
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        let (status, head, body) = self.get_as(path, &format!("127.0.0.1:{}", self.port));
        (status, head, String::from_utf8_lossy(&body).into_owned())
    }

    fn findings(&self, page: &str) -> serde_json::Value {
        let (status, _, body) = self.get(&format!("/__inkproof/findings?page={page}"));
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Waits until `n` rebuilds have happened (the watcher debounces, so give it time).
    fn wait_rebuilds(&self, n: usize) {
        let started = Instant::now();
        while self.rebuilds() < n {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no rebuild {n}; log: {:#?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

const ARTICLE: &str =
    "---\ntitle: Reset the router\ndate: 2024-05-01\n---\n\nHold the button for ten seconds.\n";

fn small_site() -> TestSite {
    let site = TestSite::empty();
    site.write("content/reset-the-router.md", ARTICLE);
    // A site description, so list pages carry one and only planted faults show.
    site.write("inkproof.yaml", "description: Guides for the serve tests.\n");
    site
}

#[test]
fn serve_refuses_path_traversal_in_every_spelling() {
    let site = small_site();
    let outside = site.root.parent().unwrap().join("secret.txt");
    std::fs::write(&outside, "TOP-SECRET").unwrap();
    std::fs::create_dir_all(site.root.join("static")).unwrap();
    std::fs::write(site.root.join("static/style.css"), "body{}").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, site.root.join("static/leak.txt")).unwrap();
    let server = Server::start(&site);
    let abs = outside.to_string_lossy().into_owned();
    for path in [
        "/../secret.txt",
        "/reset-the-router/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%252fsecret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "//secret.txt",
        &format!("/{abs}"),
        &format!("/{}", abs.replace('/', "%2f")),
        "/leak.txt",
    ] {
        let (status, _, body) = server.get(path);
        assert!(matches!(status, 400 | 404), "{path}: status {status}");
        assert!(!body.contains("TOP-SECRET"), "{path} leaked the file outside the site");
    }
    // Ordinary requests still work, and `..` inside a name is not a parent.
    assert_eq!(server.get("/reset-the-router/").0, 200);
    assert_eq!(server.get("/style.css").0, 200);
}

#[test]
fn serve_checks_host_and_websocket_origin() {
    let server = Server::start(&small_site());
    let port = server.port;
    assert_eq!(server.get_as("/", &format!("127.0.0.1:{port}")).0, 200);
    assert_eq!(server.get_as("/", &format!("localhost:{port}")).0, 200);
    // DNS rebinding: a foreign name that resolves to us is refused.
    assert_eq!(server.get_as("/", &format!("evil.example:{port}")).0, 403);
    assert_eq!(server.get_as("/", "127.0.0.1:1").0, 403);

    let upgrade = |origin: &str| {
        server
            .raw(&format!(
                "GET /__inkproof/ws HTTP/1.1\nHost: 127.0.0.1:{port}\nUpgrade: websocket\nConnection: Upgrade\n\
                 Sec-WebSocket-Version: 13\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nOrigin: {origin}\n\n"
            ))
            .0
    };
    assert_eq!(upgrade(&format!("http://127.0.0.1:{port}")), 101);
    assert_eq!(upgrade(&format!("http://localhost:{port}")), 101);
    assert_eq!(upgrade("http://evil.example"), 403);
    assert_eq!(upgrade(&format!("http://evil.example:{port}")), 403);
    assert_eq!(upgrade("null"), 403);
    // Another server's page, even on our port number, must not hear which
    // files changed (drafts included): only loopback and our own address pass.
    assert_eq!(upgrade(&format!("http://203.0.113.7:{port}")), 403);
    assert_eq!(upgrade(&format!("http://192.168.1.20:{port}")), 403);
    assert_eq!(upgrade(&format!("http://[::ffff:203.0.113.7]:{port}")), 403);
    assert_eq!(upgrade(&format!("http://[::1]:{port}")), 101);
    assert_eq!(upgrade(&format!("http://127.0.0.2:{port}")), 101);
}

#[test]
fn serve_sends_the_right_content_type_for_every_file() {
    let site = TestSite::fixture("snippets");
    let built = site.build();
    let server = Server::start(&site);
    let mut seen = std::collections::BTreeSet::new();
    for path in built.paths() {
        let path = path.replace('\\', "/");
        let (status, head, _) = server.get(&format!("/{path}"));
        assert_eq!(status, 200, "/{path}");
        let want = inkproof::snippet::mime_type(std::path::Path::new(&path));
        assert_eq!(header(&head, "content-type"), Some(want), "/{path}");
        assert_eq!(header(&head, "x-content-type-options"), Some("nosniff"), "/{path}");
        seen.insert(want);
    }
    for t in [
        "text/html; charset=utf-8",
        "text/css; charset=utf-8",
        "application/xml",
        "application/json",
        "text/plain; charset=utf-8",
        "text/x-shellscript; charset=utf-8",
    ] {
        assert!(seen.contains(t), "no file of type {t} in the fixture: {seen:?}");
    }
    // The live-reload client is in served pages, never in built ones.
    let (_, _, page) = server.get("/guide/");
    assert!(page.contains("/__inkproof/client.js"));
    assert!(!built.text("guide/index.html").contains("__inkproof"));
    let (status, head, js) = server.get("/__inkproof/client.js");
    assert_eq!(status, 200);
    assert_eq!(header(&head, "content-type"), Some("text/javascript; charset=utf-8"));
    assert!(js.len() < 12_000, "the client should stay small: {} bytes", js.len());
}

#[test]
fn serve_answers_unknown_paths_with_the_sites_404_and_lists_no_folders() {
    let site = TestSite::fixture("snippets");
    let not_found_page = site.build().text("404.html");
    let server = Server::start(&site);
    let (status, head, body) = server.get("/no-such-guide/");
    assert_eq!(status, 404);
    assert_eq!(header(&head, "content-type"), Some("text/html; charset=utf-8"));
    let title = |html: &str| crate::harness::texts(&scraper::Html::parse_document(html), "title");
    assert_eq!(title(&body), title(&not_found_page));
    // `/snippets/` is a folder of files, not a page: no listing of its files.
    let (status, _, body) = server.get("/snippets/");
    assert_eq!(status, 404);
    assert!(!body.contains("shared.sh"), "a folder was listed");
    // A page URL without its slash redirects, so relative links resolve.
    let (status, head, _) = server.get("/guide");
    assert_eq!(status, 301);
    assert_eq!(header(&head, "location"), Some("/guide/"));
    assert_eq!(server.get("/").0, 200);
    assert_eq!(
        server
            .raw(&format!(
                "POST / HTTP/1.1\nHost: 127.0.0.1:{}\nContent-Length: 0\nConnection: close\n\n",
                server.port
            ))
            .0,
        405
    );
}

#[test]
fn serve_started_in_the_site_folder_shows_each_save() {
    let site = small_site();
    let server = Server::start_in_folder(&site);
    site.write("content/reset-the-router.md", &ARTICLE.replace("ten seconds", "forty seconds"));
    server.wait_rebuilds(1);
    let (status, _, body) = server.get("/reset-the-router/");
    assert_eq!(status, 200);
    assert!(body.contains("forty seconds"), "{:#?}", server.lines());
    let rebuilt = server.lines().into_iter().find(|l| l.starts_with("Rebuilt")).unwrap();
    assert!(!rebuilt.contains(": 0 files changed"), "{rebuilt}");
}

#[test]
fn serve_rebuilds_a_burst_of_1000_files_once() {
    let site = small_site();
    let server = Server::start(&site);
    let dir = site.root.join("content/burst");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..1000 {
        let text = format!("---\ntitle: Burst {i}\ndate: 2024-01-01\n---\n\nBody {i}.\n");
        std::fs::write(dir.join(format!("burst-{i}.md")), text).unwrap();
    }
    server.wait_rebuilds(1);
    // Events that straggle in after the first batch would show up as a second rebuild.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(server.rebuilds(), 1, "{:#?}", server.lines());
    let (status, _, body) = server.get("/burst-999/");
    assert_eq!(status, 200);
    assert!(body.contains("Body 999."));
}

#[test]
fn serve_rebuilds_after_an_atomic_save_and_ignores_swap_files() {
    let site = small_site();
    let server = Server::start(&site);
    // vim-style scratch files: no rebuild.
    site.write("content/.reset-the-router.md.swp", "swap");
    site.write("content/reset-the-router.md~", "backup");
    site.write("content/4913", "");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(server.rebuilds(), 0, "{:#?}", server.lines());
    // Atomic save: write a temp file, rename it over the article.
    let tmp = site.root.join("content/.reset-the-router.md.tmp");
    std::fs::write(&tmp, ARTICLE.replace("ten seconds", "thirty seconds")).unwrap();
    std::fs::rename(&tmp, site.root.join("content/reset-the-router.md")).unwrap();
    server.wait_rebuilds(1);
    assert!(server.get("/reset-the-router/").2.contains("thirty seconds"));
    // Renaming the article moves its page.
    std::fs::rename(
        site.root.join("content/reset-the-router.md"),
        site.root.join("content/restart-the-router.md"),
    )
    .unwrap();
    server.wait_rebuilds(2);
    assert_eq!(server.get("/reset-the-router/").0, 404);
    assert_eq!(server.get("/restart-the-router/").0, 200);
}

#[test]
fn serve_keeps_the_last_good_page_of_a_broken_article_and_reports_it() {
    let site = small_site();
    site.write("content/other.md", "---\ntitle: Other\ndate: 2024-05-02\n---\n\nFirst.\n");
    let server = Server::start(&site);
    let page = "/reset-the-router/";
    assert_eq!(server.findings(page)["stale"], false);

    site.write(
        "content/reset-the-router.md",
        "---\ntitle: [unclosed\ndate: 2024-05-01\n---\n\nNew.\n",
    );
    site.write("content/other.md", "---\ntitle: Other\ndate: 2024-05-02\n---\n\nSecond.\n");
    server.wait_rebuilds(1);
    let (status, _, body) = server.get(page);
    assert_eq!(status, 200, "the last good page is kept");
    assert!(body.contains("Hold the button"));
    assert!(server.get("/other/").2.contains("Second."), "other pages keep updating");
    let f = server.findings(page);
    assert_eq!(f["stale"], true);
    assert_eq!(f["source"], "content/reset-the-router.md");
    let first = &f["findings"][0];
    assert!(first["id"].as_str().unwrap().starts_with("front-matter/"), "{f}");
    assert!(
        first["location"].as_str().unwrap().starts_with("content/reset-the-router.md:2:"),
        "{f}"
    );
    // The terminal shows the same finding in `build`'s format.
    assert!(
        server.lines().iter().any(|l| l.contains("--> content/reset-the-router.md:2:"))
            && server.lines().iter().any(|l| l.starts_with("error[front-matter/")),
        "{:#?}",
        server.lines()
    );
    assert_eq!(server.findings("/other/")["others"], 1);

    site.write("content/reset-the-router.md", &ARTICLE.replace("ten", "five"));
    server.wait_rebuilds(2);
    assert!(server.get(page).2.contains("five seconds"));
    let f = server.findings(page);
    assert_eq!(f["stale"], false);
    assert_eq!(f["findings"].as_array().unwrap().len(), 0);
    assert_eq!(f["others"], 0);
}

#[test]
fn serve_moves_to_the_next_port_when_busy_and_stops_on_ctrl_c() {
    let site = small_site();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = taken.local_addr().unwrap().port();
    let mut server = Server::start_with(&site, &["--port", &busy.to_string()]);
    assert_ne!(server.port, busy);
    assert!(server.lines().iter().any(|l| l.contains(&format!("Port {busy} is busy"))));
    // An open WebSocket must not keep the server from stopping.
    let mut ws = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(
        ws,
        "GET /__inkproof/ws HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        server.port
    )
    .unwrap();
    // Nor may an idle keep-alive connection, as a browser holds one.
    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    write!(idle, "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n", server.port).unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "serve did not stop on Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(server.lines().iter().any(|l| l == "Stopped."), "{:#?}", server.lines());
}

#[test]
fn new_creates_an_article_that_builds_and_completions_print() {
    let site = small_site();
    let out = site.cli(&["new", "content/replace-the-battery"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let file = site.root.join("content/replace-the-battery/index.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let today = chrono::Local::now().date_naive().to_string();
    assert!(text.contains(&format!("date: {today}")), "{text}");
    let built = site.build();
    built.assert_clean();
    let doc = built.page("replace-the-battery/index.html");
    assert_eq!(crate::harness::texts(&doc, "h1"), ["Replace the battery"]);
    assert_ne!(site.cli(&["new", "content/replace-the-battery"]).status.code(), Some(0));

    let out = site.cli(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("complete") && script.contains("serve"), "{script}");
}

#[test]
fn init_points_authors_at_serve_not_at_opening_files_from_disk() {
    let site = TestSite::empty();
    let dir = site.root.join("new-site");
    let out = Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .args(["init", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("serve"));
    let article = std::fs::read_to_string(dir.join("content/your-first-guide/index.md")).unwrap();
    assert!(article.contains("`inkproof serve`"), "{article}");
    assert!(!article.contains("open `public/index.html`"), "{article}");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("inkproof serve") && readme.contains("inkproof new"), "{readme}");
}

/// Issue 21: a `static` folder linked out of the site (a cloned starter's
/// `static -> ../../.ssh`) is never answered from, on any path.
#[cfg(unix)]
#[test]
fn serve_never_answers_from_a_static_folder_linked_out_of_the_site() {
    let site = small_site();
    let outside = site.root.parent().unwrap().join("dot-ssh");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("id_ed25519"), "PRIVATE-KEY").unwrap();
    std::os::unix::fs::symlink(&outside, site.root.join("static")).unwrap();
    let server = Server::start(&site);
    for path in ["/id_ed25519", "/static/id_ed25519", "/../dot-ssh/id_ed25519"] {
        let (status, _, body) = server.get(path);
        assert!(!body.contains("PRIVATE-KEY"), "{path}: {status} leaked the key");
    }
    let findings = server.findings("/");
    assert_eq!(findings["others_errors"], 1, "the escape is reported: {findings}");
    assert!(server.lines().iter().any(|l| l.contains("load/path-escape")), "{:#?}", server.lines());
}

#[test]
fn serve_says_what_the_rest_of_the_site_holds_and_counts_known_findings() {
    let site = small_site();
    let mut other = String::from("---\ntitle: Other\ndate: 2024-05-02\n---\n\n");
    for i in 0..4 {
        other.push_str(&format!("![](shot-{i}.png)\n\n"));
    }
    other.push_str("See [gone](/gone/).\n");
    site.write("content/other.md", &other);
    // The first missing image of other.md is known.
    site.write(
        "inkproof-suppressions.json",
        "{\"version\": 1, \"files\": {\"content/other.md\": {\"image/missing\": {\"count\": 1}}}}\n",
    );
    let server = Server::start(&site);
    let f = server.findings("/reset-the-router/");
    assert_eq!(f["known"], 1, "{f}");
    assert_eq!(f["others"], 8, "4 missing images (1 known) and 4 without alt, 1 broken link: {f}");
    assert_eq!(f["others_by_check"][0]["id"], "image/missing-alt", "{f}");
    assert_eq!(f["others_by_check"][0]["count"], 4, "{f}");
    assert_eq!(f["others_by_check"][1]["id"], "image/missing", "{f}");
    assert_eq!(f["others_by_check"][1]["count"], 3, "{f}");
    assert!(
        server
            .lines()
            .iter()
            .any(|l| l.starts_with("Built in ") && l.ends_with("· 1 known, suppressed")),
        "{:#?}",
        server.lines()
    );
}
