//! The external-link check (`--external`, issue #7) against an HTTP server the
//! test runs on 127.0.0.1: no other network. Runs the real binary and reads
//! its `--format json` findings, as CI would.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::TestSite;

/// A tiny HTTP/1.1 server with one behaviour per path, counting the requests
/// each path gets (so a test can tell a cache hit from a request).
struct Server {
    ip: &'static str,
    port: u16,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    /// Requests being answered now, and the most there ever were at once.
    load: Arc<(AtomicUsize, AtomicUsize)>,
    stop: Arc<AtomicBool>,
}

/// How long `/slow` waits before it answers: well past the tests' timeout.
const SLOW: Duration = Duration::from_secs(3);

impl Server {
    fn start() -> Server {
        Server::start_on("127.0.0.1", Arc::default())
    }

    /// A server on another loopback address (another host to the client),
    /// sharing `load` with others to count requests in flight over all of them.
    fn start_on(ip: &'static str, load: Arc<(AtomicUsize, AtomicUsize)>) -> Server {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (h, l, s) = (Arc::clone(&hits), Arc::clone(&load), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (h, l) = (Arc::clone(&h), Arc::clone(&l));
                std::thread::spawn(move || serve(conn, &h, &l));
            }
        });
        Server { ip, port, hits, load, stop }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}:{}{path}", self.ip, self.port)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }

    fn most_at_once(&self) -> usize {
        self.load.1.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect((self.ip, self.port));
    }
}

/// Reads one request head (and a chunked or sized body, so closing the socket
/// afterwards is a clean close, not a reset); returns the path.
fn read_request(conn: &mut TcpStream) -> Option<String> {
    conn.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let path = head.split_whitespace().nth(1)?.to_string();
    let mut body = buf[head_end..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        while !body.ends_with(b"0\r\n\r\n") {
            let Ok(n) = conn.read(&mut chunk) else { break };
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(len) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        while body.len() < len {
            let Ok(n) = conn.read(&mut chunk) else { break };
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Some(path)
}

fn respond(conn: &mut TcpStream, status: &str, extra: &str, body: &str) {
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    let _ = conn.flush();
}

fn serve(
    mut conn: TcpStream,
    hits: &Mutex<HashMap<String, usize>>,
    load: &(AtomicUsize, AtomicUsize),
) {
    let Some(path) = read_request(&mut conn) else { return };
    let path = path.split('#').next().unwrap_or_default().to_string();
    let n = {
        let mut h = hits.lock().unwrap();
        let n = h.entry(path.clone()).or_default();
        *n += 1;
        *n
    };
    let page =
        "<!doctype html><html><body><h1>Page</h1><h2 id=\"present\">Present</h2></body></html>";
    match path.as_str() {
        "/ok" | "/ok-2" | "/ok-3" | "/page" => respond(&mut conn, "200 OK", "", page),
        "/moved" => respond(&mut conn, "301 Moved Permanently", "Location: /ok\r\n", ""),
        "/gone" => respond(&mut conn, "404 Not Found", "", "gone"),
        "/broken" => respond(&mut conn, "500 Internal Server Error", "", "oops"),
        // Takes a while, so requests to it overlap when the client lets them.
        // Counted in flight from a whole request to just before the answer: the
        // client holds its slot for at least that long.
        p if p.starts_with("/delay") => {
            let now = load.0.fetch_add(1, Ordering::SeqCst) + 1;
            load.1.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(300));
            load.0.fetch_sub(1, Ordering::SeqCst);
            respond(&mut conn, "200 OK", "", page);
        }
        "/slow" => {
            std::thread::sleep(SLOW);
            respond(&mut conn, "200 OK", "", page);
        }
        // Accept and drop without a word: the client sees the connection die.
        "/reset" => drop(conn),
        // Dropped the first time only: a retry gets through.
        "/flaky" if n == 1 => drop(conn),
        "/flaky" => respond(&mut conn, "200 OK", "", page),
        _ => respond(&mut conn, "404 Not Found", "", "no such path"),
    }
}

const FM: &str = "---\ntitle: Links\ndate: 2024-01-01\ndescription: \"A guide that links to other sites, each link on its own line of the list.\"\n---\n";
/// The first list item's line in a file that starts with [`FM`] and a blank line.
const FIRST: usize = 7;

/// A site description, so list pages have one and the only findings are links'.
const SITE: &str = "description: Guides that link to other sites.\n";

/// Settings that keep the test quick: the slow path times out after half a
/// second, one retry after 50 ms.
const FAST: &str = "check:\n  external_timeout_secs: 0.5\n  external_retries: 1\n  external_retry_wait_secs: 0.05\n";

/// A site whose one article links each path on its own list line (col 3).
fn site(server: &Server, paths: &[&str], config: &str) -> TestSite {
    let site = TestSite::empty();
    let mut body = String::from(FM);
    body.push('\n');
    for p in paths {
        body.push_str(&format!("- [{p}]({})\n", server.url(p)));
    }
    site.write("content/links.md", &body);
    site.write("inkproof.yaml", &format!("{SITE}{config}"));
    site
}

/// `inkproof check --format json` with `args`; the findings and stderr.
fn check(site: &TestSite, args: &[&str]) -> (Vec<serde_json::Value>, String) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = site.cli(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (doc["findings"].as_array().unwrap().clone(), stderr)
}

#[track_caller]
fn find<'a>(findings: &'a [serde_json::Value], id: &str, line: usize) -> &'a serde_json::Value {
    findings
        .iter()
        .find(|f| f["id"] == id && f["line"] == line)
        .unwrap_or_else(|| panic!("no {id} at line {line}; all: {findings:#?}"))
}

fn ids(findings: &[serde_json::Value]) -> Vec<String> {
    findings.iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

const ALL: &[&str] = &[
    "/ok",
    "/moved",
    "/gone",
    "/broken",
    "/slow",
    "/reset",
    "/page#present",
    "/page#absent",
    "/flaky",
];

#[test]
fn every_kind_of_answer_is_reported_at_its_line_and_a_second_run_uses_the_cache() {
    let server = Server::start();
    let site = site(&server, ALL, FAST);
    let (found, stderr) = check(&site, &["--external"]);
    let line = |p: &str| FIRST + ALL.iter().position(|x| *x == p).unwrap();
    for f in &found {
        assert_eq!(f["path"], "content/links.md", "{f:#}");
        assert_eq!(f["col"], 3, "{f:#}");
        assert_eq!(f["severity"], "warning", "{f:#}");
        assert!(f["help"].as_str().is_some_and(|h| !h.is_empty()), "{f:#}");
    }
    let moved = find(&found, "link/external-redirect", line("/moved"));
    assert_eq!(
        moved["message"],
        format!("link `{}` redirects (301) to `{}`", server.url("/moved"), server.url("/ok"))
    );
    let gone = find(&found, "link/external", line("/gone"));
    assert!(gone["message"].as_str().unwrap().contains("404"), "{gone:#}");
    let broken = find(&found, "link/external", line("/broken"));
    assert!(broken["message"].as_str().unwrap().contains("500"), "{broken:#}");
    let slow = find(&found, "link/external", line("/slow"));
    assert!(slow["message"].as_str().unwrap().contains("timeout"), "{slow:#}");
    let reset = find(&found, "link/external", line("/reset"));
    assert!(reset["message"].as_str().unwrap().contains("request failed"), "{reset:#}");
    let absent = find(&found, "link/external-fragment", line("/page#absent"));
    assert!(absent["message"].as_str().unwrap().contains("no `#absent`"), "{absent:#}");
    // Good links, a present fragment and a link that works on the retry: nothing.
    assert_eq!(found.len(), 6, "{found:#?}");
    assert_eq!(server.hits("/flaky"), 2, "the dropped connection is retried once");
    assert_eq!(server.hits("/slow"), 2, "a timeout is retried once");
    assert!(stderr.contains("9 links to 9 URLs, 0 answered from the cache"), "{stderr}");

    // Second run: definite answers come from the cache; timeouts, dropped
    // connections and 5xx are asked again.
    let before: HashMap<&str, usize> =
        ["/ok", "/moved", "/gone", "/page", "/broken", "/reset", "/slow"]
            .into_iter()
            .map(|p| (p, server.hits(p)))
            .collect();
    let started = Instant::now();
    let (again, stderr) = check(&site, &["--external"]);
    let elapsed = started.elapsed();
    for p in ["/ok", "/moved", "/gone", "/page"] {
        assert_eq!(server.hits(p), before[p], "{p} was requested again");
    }
    for p in ["/broken", "/reset", "/slow"] {
        assert!(server.hits(p) > before[p], "{p} was not asked again");
    }
    assert_eq!(ids(&again), ids(&found), "the cache changed the findings");
    assert!(
        stderr.contains("9 links to 9 URLs, 6 answered from the cache (67%), 3 requested"),
        "{stderr}"
    );
    eprintln!("second run with transient failures: {elapsed:?}");
}

#[test]
fn a_clean_site_has_no_findings_and_its_second_run_makes_no_request() {
    let server = Server::start();
    let paths = ["/ok", "/ok-2", "/ok-3", "/page#present"];
    let site = site(&server, &paths, FAST);
    let (found, _) = check(&site, &["--external"]);
    assert!(found.is_empty(), "{found:#?}");
    let requests = server.total();
    assert!(requests >= 4, "{requests}");
    let started = Instant::now();
    let (found, stderr) = check(&site, &["--external"]);
    let elapsed = started.elapsed();
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(server.total(), requests, "the second run asked the server");
    assert!(stderr.contains("4 answered from the cache (100%), 0 requested"), "{stderr}");
    // A cache figure like `benches/external-cache.sh` measures (see BENCHMARKS.md).
    eprintln!("cache figure: second run of `check --external`, 4 URLs: 100% from the cache, {elapsed:?} (whole process)");
}

#[test]
fn the_config_turns_it_on_and_filters_urls_and_no_cache_asks_every_time() {
    let server = Server::start();
    let config = format!("{FAST}  external: true\n  external_exclude: ['/gone$', '/ok']\n  external_include: ['/ok-2$']\n");
    let site = site(&server, &["/gone", "/ok", "/ok-2", "/moved"], &config);
    let (found, _) = check(&site, &[]);
    assert_eq!(ids(&found), ["link/external-redirect"], "{found:#?}");
    assert_eq!(server.hits("/gone"), 0, "an excluded URL was requested");
    assert_eq!(server.hits("/ok-2"), 1, "an included URL was not requested");
    // `/ok` is excluded, and reached only through `/moved`'s redirect.
    assert_eq!(server.hits("/ok"), 1);

    let (_, stderr) = check(&site, &["--no-cache"]);
    assert_eq!(server.hits("/ok-2"), 2, "--no-cache used the cache");
    assert!(stderr.contains("0 answered from the cache"), "{stderr}");
}

#[test]
fn off_by_default_and_its_suppressions_are_not_unused_while_off() {
    let server = Server::start();
    let site = TestSite::empty();
    site.write("inkproof.yaml", SITE);
    site.write(
        "content/links.md",
        &format!("{FM}\n<!-- inkproof-ignore link/external -->\n[gone]({})\n", server.url("/gone")),
    );
    let (found, stderr) = check(&site, &[]);
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(server.total(), 0, "the network was used without --external");
    assert!(!stderr.contains("external links"), "{stderr}");
    // On, the comment silences the 404 and so is used.
    let (found, _) = check(&site, &["--external"]);
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(server.hits("/gone"), 1);
}

#[test]
fn a_damaged_cache_file_is_ignored_with_a_note_and_rewritten() {
    let server = Server::start();
    let site = site(&server, &["/ok"], FAST);
    site.write(".inkproof-cache/external-links.json", "{ this is not json");
    let (found, stderr) = check(&site, &["--external"]);
    assert!(found.is_empty(), "{found:#?}");
    assert!(stderr.contains("external-link cache") && stderr.contains("unreadable"), "{stderr}");
    assert_eq!(server.hits("/ok"), 1);
    let (_, stderr) = check(&site, &["--external"]);
    assert!(!stderr.contains("unreadable"), "{stderr}");
    assert_eq!(server.hits("/ok"), 1, "the rewritten cache was not used");
}

#[test]
fn expired_answers_are_asked_again() {
    let server = Server::start();
    let site = site(&server, &["/ok"], &format!("{FAST}  external_cache_hours: 0\n"));
    check(&site, &["--external"]);
    check(&site, &["--external"]);
    assert_eq!(server.hits("/ok"), 2);
}

#[test]
fn build_external_with_the_id_at_error_fails_the_build_and_writes_nothing() {
    let server = Server::start();
    let site =
        site(&server, &["/ok", "/gone"], &format!("{FAST}checks:\n  link/external: error\n"));
    let out = site.cli(&["build", "--external", "--format", "short"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "content/links.md:{}:3: error[link/external]: link `{}`: the server answered 404 Not Found",
            FIRST + 1,
            server.url("/gone")
        )),
        "{stderr}"
    );
    assert!(!site.root.join("public").exists(), "a failed build wrote its output");
    // Without --external the same site builds: the check is opt-in.
    let out = site.cli(&["build", "--format", "short"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(server.hits("/gone"), 1);
}

#[test]
fn requests_to_one_host_stay_within_the_per_host_limit() {
    let server = Server::start();
    let paths: Vec<String> = (1..=8).map(|i| format!("/delay-{i}")).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let site = site(
        &server,
        &paths,
        "check:\n  external_timeout_secs: 5\n  external_retries: 0\n  external_per_host: 2\n",
    );
    let started = Instant::now();
    let (found, _) = check(&site, &["--external"]);
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(server.total(), 8);
    assert_eq!(
        server.most_at_once(),
        2,
        "the per-host limit of 2 was not what bounded the requests"
    );
    // 8 answers of 300 ms, two at a time: at least four rounds.
    assert!(started.elapsed() >= Duration::from_millis(1200), "{:?}", started.elapsed());
}

#[test]
fn requests_over_all_hosts_stay_within_the_concurrency_limit() {
    let load: Arc<(AtomicUsize, AtomicUsize)> = Arc::default();
    let servers: Vec<Server> = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
        .into_iter()
        .map(|ip| Server::start_on(ip, Arc::clone(&load)))
        .collect();
    let site = TestSite::empty();
    let mut body = format!("{FM}\n");
    for (i, s) in servers.iter().enumerate() {
        for j in 1..=3 {
            body.push_str(&format!("- [{i}-{j}]({})\n", s.url(&format!("/delay-{j}"))));
        }
    }
    site.write("content/links.md", &body);
    let config = "check:\n  external_timeout_secs: 5\n  external_retries: 0\n  external_per_host: 4\n  external_concurrency: 2\n";
    site.write("inkproof.yaml", &format!("{SITE}{config}"));
    let (found, _) = check(&site, &["--external"]);
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(servers.iter().map(Server::total).sum::<usize>(), 9);
    assert_eq!(load.1.load(Ordering::SeqCst), 2, "more requests at once than external_concurrency");
}
