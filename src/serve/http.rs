//! HTTP and WebSocket on one port (axum): published files from memory, the
//! live-reload client, the findings the overlay shows, and the guards a dev
//! server on a developer's machine needs.
//!
//! Every request passes two checks before anything else:
//! 1. its `Host` must be `localhost` or an IP literal on our port. A web page on
//!    `evil.example` whose DNS name is rebound to 127.0.0.1 sends
//!    `Host: evil.example` and is refused (DNS rebinding);
//! 2. its path is decoded once and refused when any spelling of a parent
//!    segment, a backslash or a second layer of percent-encoding remains.
//!
//! Files come from [`SiteState`] in memory, so no path can reach the disk; the
//! checks keep it that way when the engine serves from a build folder.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::IncomingStream;
use axum::{Extension, Router};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};

use super::site::SiteState;
use crate::diag::Diagnostic;
use crate::snippet;

/// The live-reload and overlay client, injected into HTML responses only.
const CLIENT_JS: &str = include_str!("client.js");
/// Where the server's own endpoints live; no site output can be there
/// (names starting with `_` are skipped by the loader).
pub const PREFIX: &str = "/__inkproof/";

/// What the request handlers share.
pub struct Shared {
    pub site: RwLock<SiteState>,
    /// Bumped after every update; the overlay asks for findings of one generation.
    pub generation: AtomicU64,
    /// Update messages (JSON) for every connected browser.
    pub updates: broadcast::Sender<Arc<str>>,
    /// Flips to `true` on Ctrl-C so open WebSockets close and the server can stop.
    pub shutdown: watch::Receiver<bool>,
    /// The port we listen on; `Host` and `Origin` must name it.
    pub port: u16,
    /// The address we listen on; a page served from it may open the WebSocket.
    pub bind: IpAddr,
    /// Random per process, so a browser that reconnects to a restarted server reloads.
    pub instance: String,
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/__inkproof/client.js", get(client_js))
        .route("/__inkproof/ws", get(websocket))
        .route("/__inkproof/findings", get(findings))
        .fallback(file)
        .layer(middleware::from_fn_with_state(shared.clone(), check_host))
        .with_state(shared)
}

async fn check_host(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    // HTTP/1.0 clients may omit Host; then the URI's authority (if any) decides.
    let host = host.or_else(|| req.uri().authority().map(|a| a.as_str()));
    match host {
        Some(h) if host_allowed(h, shared.port) => next.run(req).await,
        _ => (StatusCode::FORBIDDEN, "inkproof serve: unexpected Host header\n").into_response(),
    }
}

/// `localhost` or an IP literal, with our port (or none, for port 80).
pub fn host_allowed(host: &str, port: u16) -> bool {
    let (name, host_port) = match host.rsplit_once(':') {
        Some((n, p)) if !p.contains(']') => (n, p.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    if host_port != Some(port) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok()
}

/// The address a connection reached us on. With a wildcard bind a phone on
/// the LAN loads pages from the machine's LAN address, and its WebSocket
/// `Origin` names that address: only the connection knows which one it is.
#[derive(Debug, Clone, Copy)]
pub struct LocalAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, TcpListener>> for LocalAddr {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        let remote = *stream.remote_addr();
        // `local_addr` only fails on a closed socket; the peer's address then
        // matches no page we served, so the Origin check still refuses.
        LocalAddr(stream.io().local_addr().unwrap_or(remote))
    }
}

/// A WebSocket `Origin` must be a page served by us: `http:`, our port, and a
/// host that is loopback, `localhost`, or the address we were reached on
/// (`local`). Any other IP literal is another server's page, even on our port
/// number: it must not hear which files changed (drafts included).
pub fn origin_allowed(origin: &str, port: u16, local: &[IpAddr]) -> bool {
    let Ok(url) = url::Url::parse(origin) else { return false };
    // An Origin is scheme, host and port only; anything more is not a browser's.
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !origin.ends_with('/');
    if url.scheme() != "http" || !bare || url.port_or_known_default() != Some(port) {
        return false;
    }
    let ip = match url.host() {
        Some(url::Host::Domain(name)) => return name == "localhost",
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        None => return false,
    };
    let ip = ip.to_canonical();
    ip.is_loopback() || local.iter().any(|l| !l.is_unspecified() && l.to_canonical() == ip)
}

/// A request path → the output key to look up (`guide/index.html`), or `None`
/// when the path tries to leave the site in any spelling.
pub fn resolve(raw: &str) -> Option<String> {
    if !raw.starts_with('/') || raw.contains('\\') {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
    // A second layer (`%252e%252e`) would decode to `%2e%2e`: refuse, don't guess.
    let twice = percent_encoding::percent_decode_str(&decoded).decode_utf8().ok()?;
    if twice != decoded || decoded.contains(['\\', '\0']) {
        return None;
    }
    let rest = &decoded[1..];
    let mut segments: Vec<&str> = rest.split('/').collect();
    let dir = rest.is_empty() || rest.ends_with('/');
    if dir {
        segments.pop();
    }
    // `//etc/passwd` or `a//b`: empty segments only come from absolute-path tricks.
    if segments.iter().any(|s| s.is_empty() || *s == "." || *s == ".." || s.contains(':')) {
        return None;
    }
    let mut key = segments.join("/");
    if dir {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str("index.html");
    }
    Some(key)
}

async fn file(State(shared): State<Arc<Shared>>, method: Method, req: Request) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let Some(key) = resolve(req.uri().path()) else {
        return (StatusCode::BAD_REQUEST, "inkproof serve: refused path\n").into_response();
    };
    let (found, dir_index, not_found) = {
        let site = shared.site.read().unwrap_or_else(|e| e.into_inner());
        let found = site.get(&key);
        let dir_index = found.is_none() && site.get(&format!("{key}/index.html")).is_some();
        (found, dir_index, site.get("404.html"))
    };
    if let Some(bytes) = found {
        return respond(StatusCode::OK, &key, bytes);
    }
    if dir_index {
        // `/guide` → `/guide/`, so the page's relative links resolve as in production.
        let location = format!("{}/", req.uri().path());
        return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
    }
    match not_found {
        Some(bytes) => respond(StatusCode::NOT_FOUND, "404.html", bytes),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

fn respond(status: StatusCode, key: &str, bytes: Bytes) -> Response {
    let mime = snippet::mime_type(Path::new(key));
    let body = if mime.starts_with("text/html") { inject(&bytes) } else { bytes };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    // The author's next save must show; never let the browser reuse a copy.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// Adds the client before the last `</body>` (or at the end of a fragment).
pub fn inject(html: &[u8]) -> Bytes {
    const TAG: &[u8] = b"<script src=\"/__inkproof/client.js\" defer></script>";
    let lower = html.to_ascii_lowercase();
    let at = lower.windows(7).rposition(|w| w == b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + TAG.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(TAG);
    out.extend_from_slice(&html[at..]);
    Bytes::from(out)
}

async fn client_js() -> Response {
    let mut res = CLIENT_JS.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn websocket(
    State(shared): State<Arc<Shared>>,
    local: Option<Extension<ConnectInfo<LocalAddr>>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let mut ours = vec![shared.bind];
    ours.extend(local.map(|Extension(ConnectInfo(LocalAddr(a)))| a.ip()));
    // Browsers always send Origin on WebSockets; a page from another site must not
    // listen in. Tools without an Origin (curl, tests) are not a rebinding risk.
    if origin.is_some_and(|o| !origin_allowed(o, shared.port, &ours)) {
        return (StatusCode::FORBIDDEN, "inkproof serve: unexpected Origin\n").into_response();
    }
    ws.on_upgrade(move |socket| talk(socket, shared))
}

async fn talk(mut socket: WebSocket, shared: Arc<Shared>) {
    let mut updates = shared.updates.subscribe();
    let mut shutdown = shared.shutdown.clone();
    let hello = serde_json::json!({
        "type": "hello",
        "instance": shared.instance,
        "generation": shared.generation.load(Ordering::SeqCst),
    });
    if socket.send(Message::Text(hello.to_string().into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            msg = updates.recv() => match msg {
                Ok(text) => {
                    if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                        return;
                    }
                }
                // Missed updates: the page can't know what changed, so it reloads.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let m = r#"{"type":"update","full_reload":true,"changed":[],"removed":[]}"#;
                    if socket.send(Message::Text(m.into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = shutdown.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct FindingsQuery {
    page: Option<String>,
}

/// The overlay's data: the findings of the page being viewed, whether it is a
/// kept last-good copy, and how many findings the rest of the site has.
async fn findings(
    State(shared): State<Arc<Shared>>,
    axum::extract::Query(q): axum::extract::Query<FindingsQuery>,
) -> Response {
    let site = shared.site.read().unwrap_or_else(|e| e.into_inner());
    let key = q.page.as_deref().and_then(resolve);
    let source = key.as_deref().and_then(|k| site.source_of(k));
    let (mine, others): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
        site.findings().iter().partition(|d| Some(d.location.path.as_path()) == source);
    let json = serde_json::json!({
        "generation": shared.generation.load(Ordering::SeqCst),
        "source": source.map(|s| s.to_string_lossy().replace('\\', "/")),
        "stale": source.is_some_and(|s| site.is_stale(s)),
        "findings": mine.iter().map(|d| finding_json(d)).collect::<Vec<_>>(),
        "others": others.len(),
        "others_errors": others.iter().filter(|d| d.is_error()).count(),
        "others_by_check": by_check(&others),
        "known": site.known(),
    });
    let mut res = axum::Json(json).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The checks with most findings among `others`, most first (at most 3), so
/// the overlay says what the rest of the site holds, as the terminal's overview does.
fn by_check(others: &[&Diagnostic]) -> Vec<serde_json::Value> {
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    for d in others {
        *counts.entry(d.code.as_str()).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts.iter().take(3).map(|(id, n)| serde_json::json!({ "id": id, "count": n })).collect()
}

fn finding_json(d: &Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "id": d.code,
        "severity": d.severity,
        "location": d.location.to_string().replace('\\', "/"),
        "message": d.message,
        "help": d.help,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_traversal_spelling_is_refused() {
        for raw in [
            "/../secret",
            "/a/../../secret",
            "/%2e%2e/secret",
            "/%2E%2E/secret",
            "/..%2fsecret",
            "/..%2Fsecret",
            "/%2e%2e%2fsecret",
            "/%252e%252e/secret",
            "/..%252fsecret",
            "/..\\secret",
            "/%5c..%5csecret",
            "/..%5csecret",
            "//etc/passwd",
            "/C:/Windows/win.ini",
            "/./index.html",
            "/a%00.html",
            "relative/path",
        ] {
            assert_eq!(resolve(raw), None, "{raw} must be refused");
        }
    }

    #[test]
    fn ordinary_paths_map_to_output_keys() {
        assert_eq!(resolve("/").as_deref(), Some("index.html"));
        assert_eq!(resolve("/guide/").as_deref(), Some("guide/index.html"));
        assert_eq!(resolve("/guide").as_deref(), Some("guide"));
        assert_eq!(resolve("/style.css").as_deref(), Some("style.css"));
        assert_eq!(resolve("/tags/windows%2011/").as_deref(), Some("tags/windows 11/index.html"));
        assert_eq!(resolve("/a..b.txt").as_deref(), Some("a..b.txt"));
    }

    #[test]
    fn only_local_hosts_on_our_port_pass() {
        assert!(host_allowed("127.0.0.1:1111", 1111));
        assert!(host_allowed("localhost:1111", 1111));
        assert!(host_allowed("[::1]:1111", 1111));
        assert!(host_allowed("192.168.1.5:1111", 1111));
        assert!(!host_allowed("127.0.0.1:2222", 1111));
        assert!(!host_allowed("evil.example:1111", 1111));
        assert!(!host_allowed("localhost.evil.example:1111", 1111));
        assert!(!host_allowed("127.0.0.1", 1111));
        assert!(host_allowed("localhost", 80));
    }

    #[test]
    fn only_our_own_pages_may_open_the_websocket() {
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        for ok in [
            "http://127.0.0.1:1111",
            "http://127.8.9.10:1111",
            "http://localhost:1111",
            "http://LOCALHOST:1111",
            "http://[::1]:1111",
            "http://192.168.1.5:1111",
        ] {
            assert!(origin_allowed(ok, 1111, &[any, lan]), "{ok} must pass");
        }
        for bad in [
            "http://203.0.113.7:1111",
            "http://192.168.1.6:1111",
            "http://0.0.0.0:1111",
            "http://[::ffff:203.0.113.7]:1111",
            "http://127.0.0.1:2222",
            "http://127.0.0.1",
            "https://127.0.0.1:1111",
            "http://127.0.0.1:1111/x",
            "http://user@127.0.0.1:1111",
            "http://evil.example:1111",
            "http://localhost.evil.example:1111",
            "null",
            "",
        ] {
            assert!(!origin_allowed(bad, 1111, &[any, lan]), "{bad} must be refused");
        }
        assert!(origin_allowed("http://localhost", 80, &[any]));
    }

    #[test]
    fn client_goes_before_the_last_body_end() {
        let html = inject(b"<html><body><p>x</p></BODY></html>");
        assert_eq!(
            std::str::from_utf8(&html).unwrap(),
            "<html><body><p>x</p><script src=\"/__inkproof/client.js\" defer></script></BODY></html>"
        );
        let bare = inject(b"<p>fragment</p>");
        assert!(bare.ends_with(b"</script>"));
    }
}
