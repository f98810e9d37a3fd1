//! `inkproof serve`: the live authoring loop. The site is built in memory and
//! served on one port (HTTP + WebSocket); every save is rebuilt and pushed to
//! the browsers, with the checks' findings in an overlay on the page.
//!
//! 1. bind (the next free port when the asked one is busy), so the address is
//!    known before the first build and goes into `base_url`;
//! 2. first build into a [`SiteState`] (never the author's `public/`);
//! 3. a watcher thread turns file events into batches of changed paths
//!    ([`watch`]); a rebuild thread feeds each batch to [`SiteState::update`]
//!    and broadcasts what changed;
//! 4. [`http`] serves files from the state, the client, the findings and the
//!    WebSocket until Ctrl-C, which closes every socket and returns.
//!
//! The library never prints: what happens is reported through [`Event`]s.

pub mod http;
pub mod site;
pub mod watch;

use std::future::IntoFuture as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, RwLock};

use anyhow::Context as _;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch as tokio_watch};

pub use site::{SiteState, Update};

use crate::pipeline::BuildOptions;

/// The port `serve` tries first (the default `base_url` names it too).
pub const DEFAULT_PORT: u16 = 1111;
/// How many ports above a busy one are tried.
const PORT_TRIES: u16 = 20;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub drafts: bool,
    pub bind: IpAddr,
    /// `0` lets the system pick a free port.
    pub port: u16,
}

/// What the server reports; `main` prints these.
#[derive(Debug)]
pub enum Event<'a> {
    /// The asked port was taken; `using` is the one we got.
    PortBusy { wanted: u16, using: u16 },
    /// The first build is done.
    Built(&'a Update),
    /// Browsers can connect.
    Listening { url: &'a str },
    /// A batch of changed files was rebuilt.
    Rebuilt { paths: &'a [PathBuf], update: &'a Update },
    /// The tool could not rebuild (the previous site is still served).
    RebuildFailed { paths: &'a [PathBuf], error: &'a anyhow::Error },
    /// Ctrl-C: the server stopped.
    Stopped,
}

/// A callback for [`Event`]s, called from the server's threads.
pub type OnEvent = Arc<dyn Fn(Event<'_>) + Send + Sync>;

/// Runs the server until Ctrl-C. `Err` when it can't start (no free port,
/// unreadable site root).
pub fn run(opts: ServeOptions, on_event: OnEvent) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(serve(opts, on_event))
}

async fn serve(opts: ServeOptions, on_event: OnEvent) -> anyhow::Result<()> {
    let listener = bind(opts.bind, opts.port, &on_event).await?;
    let addr = listener.local_addr()?;
    let url = url_for(addr);

    let build_opts =
        BuildOptions { root: opts.root.clone(), drafts: opts.drafts, base_url: Some(url.clone()) };
    let (state, first) = tokio::task::spawn_blocking(move || SiteState::new(build_opts))
        .await
        .context("the first build panicked")??;
    on_event(Event::Built(&first));
    let config = state.config().clone();

    let (updates, _) = broadcast::channel(64);
    let (stop_tx, stop_rx) = tokio_watch::channel(false);
    let shared = Arc::new(http::Shared {
        site: RwLock::new(state),
        generation: AtomicU64::new(0),
        updates,
        shutdown: stop_rx,
        port: addr.port(),
        bind: addr.ip(),
        instance: instance_id(),
    });

    let (tx, rx) = mpsc::channel();
    let watcher = watch::Watcher::start(&opts.root, &config, tx)
        .with_context(|| format!("cannot watch `{}`", opts.root.display()))?;
    let rebuild_shared = shared.clone();
    let rebuild_events = on_event.clone();
    std::thread::Builder::new()
        .name("inkproof-rebuild".into())
        .spawn(move || rebuild_loop(watcher, &rx, &rebuild_shared, &rebuild_events))
        .context("cannot start the rebuild thread")?;

    on_event(Event::Listening { url: &url });
    let app = http::router(shared);
    let mut stopping = stop_tx.subscribe();
    let app = app.into_make_service_with_connect_info::<http::LocalAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        stop_signal().await;
        let _ = stop_tx.send(true);
    });
    // Open requests get a moment to finish; a browser holding a keep-alive
    // connection must not keep Ctrl-C from stopping the server.
    tokio::select! {
        result = server.into_future() => result.context("the server failed")?,
        _ = async {
            let _ = stopping.wait_for(|stop| *stop).await;
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        } => {}
    }
    on_event(Event::Stopped);
    Ok(())
}

/// Ctrl-C, or (on Unix) the `SIGTERM` a process manager or `kill` sends.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Binds `port`, or the next free one above it when it is taken.
async fn bind(ip: IpAddr, port: u16, on_event: &OnEvent) -> anyhow::Result<TcpListener> {
    let last = if port == 0 { 0 } else { port.saturating_add(PORT_TRIES) };
    let mut p = port;
    loop {
        match TcpListener::bind(SocketAddr::new(ip, p)).await {
            Ok(l) => {
                if p != port {
                    on_event(Event::PortBusy { wanted: port, using: p });
                }
                return Ok(l);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && p < last => p += 1,
            Err(e) => return Err(e).with_context(|| format!("cannot listen on {ip}:{p}")),
        }
    }
}

/// The address to print and to build links with; a wildcard bind is reached
/// through loopback on this machine.
fn url_for(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::from([127, 0, 0, 1]),
        ip if ip.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    match ip {
        IpAddr::V6(v6) => format!("http://[{v6}]:{}", addr.port()),
        IpAddr::V4(v4) => format!("http://{v4}:{}", addr.port()),
    }
}

fn instance_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}-{:x}", std::process::id(), nanos)
}

fn rebuild_loop(
    mut watcher: watch::Watcher,
    rx: &mpsc::Receiver<Vec<PathBuf>>,
    shared: &http::Shared,
    on_event: &OnEvent,
) {
    let root = watcher.root().to_path_buf();
    while let Some(paths) = watch::next_batch(rx) {
        watcher.watch_new_dirs();
        let result = {
            let mut site = shared.site.write().unwrap_or_else(|e| e.into_inner());
            site.update(&paths)
        };
        let rel: Vec<PathBuf> = paths
            .iter()
            .map(|p| p.strip_prefix(&root).map(PathBuf::from).unwrap_or_else(|_| p.clone()))
            .collect();
        match result {
            Ok(update) => {
                let generation = shared.generation.fetch_add(1, Ordering::SeqCst) + 1;
                let msg = serde_json::json!({
                    "type": "update",
                    "generation": generation,
                    "changed": update.changed_outputs,
                    "removed": update.removed_outputs,
                    "full_reload": update.full_reload,
                });
                let _ = shared.updates.send(Arc::from(msg.to_string()));
                on_event(Event::Rebuilt { paths: &rel, update: &update });
            }
            Err(error) => on_event(Event::RebuildFailed { paths: &rel, error: &error }),
        }
    }
}
