//! The registry server: one local store shared over HTTP/JSON (`/api/v1`, documented in
//! docs/api.md and docs/openapi.json) with bearer tokens, roles and region scopes.
//! Storage stays behind the store's interface; handlers never touch files.

pub mod api;
pub mod auth;
pub mod error;
pub mod gate;
pub mod idle;
pub mod import;
pub mod peer;
pub mod search;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::ListenerExt;
use chrono_tz::Tz;
use tokio::sync::{Mutex, RwLock, watch};

use auth::TokenStore;
use govcheck_domain::indicator::Catalogue;
use govcheck_store::{ServedStore, Snapshot, StoreError};

/// Largest request body accepted (an event with its note is far smaller).
pub const BODY_LIMIT: usize = 64 * 1024;
/// Longest a request may take, body included (slow clients get 408).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest a change-feed request may wait for news.
pub const MAX_WAIT: Duration = Duration::from_secs(25);
/// Largest page of a paged list.
pub const MAX_PAGE: usize = 1000;

/// What the handlers share.
pub struct AppState {
    /// The storage, behind the interface a database backend would implement too.
    pub store: Arc<dyn ServedStore>,
    pub catalogue: Catalogue,
    pub tz: Tz,
    /// The tokens file, or the tokens in the registry's database.
    pub tokens: Arc<dyn TokenStore>,
    snapshot: RwLock<Arc<Snapshot>>,
    token: AtomicU64,
    reload: Mutex<()>,
    seq_tx: watch::Sender<u64>,
    /// Summaries already computed for the current journal position: every console of
    /// a province asks for the same few tables.
    pub summaries: std::sync::Mutex<SummaryCache>,
    /// Held while a summary is computed (see the summary handler).
    pub summary_compute: Mutex<()>,
    /// Longest a change-feed request waits, in milliseconds: [`MAX_WAIT`], or less when
    /// connections are closed sooner for silence (the server reads nothing from a
    /// long-polling client, so the wait must end well before the idle limit).
    pub long_poll_ms: AtomicU64,
    /// The snapshot (`GET /api/v1/checkpoint`, `govcheck_api::snapshot`) of the current
    /// journal position as sent, for starting consoles: a province's consoles starting
    /// at nine share one encoding.
    pub checkpoint: std::sync::Mutex<Option<(u64, axum::body::Bytes)>>,
    /// Requests being served, per connection: the idle limit spares those connections.
    pub in_flight: Arc<idle::InFlight>,
    /// Longest an import's upload may take to arrive, in milliseconds
    /// ([`import::IMPORT_TIMEOUT`] unless `serve --upload-timeout` says otherwise).
    pub upload_ms: AtomicU64,
    /// The connection caps and the trusted proxies, once `serve` has set them up; a
    /// router run without them takes every client at its TCP address.
    pub gate: std::sync::OnceLock<Arc<gate::Gate>>,
    /// The account search index of the current journal position.
    pub search: search::IndexCache,
}

/// Per-region tables by (round, scope, as-of day), valid for one journal position,
/// kept as the JSON body itself: a burst of consoles costs one copy-free send each.
#[derive(Default)]
pub struct SummaryCache {
    pub seq: u64,
    pub tables: std::collections::HashMap<(String, usize, chrono::NaiveDate), axum::body::Bytes>,
}

impl SummaryCache {
    /// The body for `key` if it was computed at journal position `seq`.
    pub fn get(
        &self,
        seq: u64,
        key: &(String, usize, chrono::NaiveDate),
    ) -> Option<axum::body::Bytes> {
        (self.seq == seq)
            .then(|| self.tables.get(key).cloned())
            .flatten()
    }

    /// Remember `body` for `key` at `seq`, forgetting tables of older positions.
    pub fn put(
        &mut self,
        seq: u64,
        key: (String, usize, chrono::NaiveDate),
        body: axum::body::Bytes,
    ) {
        if self.seq != seq {
            self.tables.clear();
            self.seq = seq;
        }
        self.tables.insert(key, body);
    }
}

impl AppState {
    pub fn new(
        store: Arc<dyn ServedStore>,
        catalogue: Catalogue,
        tz: Tz,
        tokens: impl TokenStore + 'static,
    ) -> Result<Arc<AppState>, StoreError> {
        AppState::with_tokens(store, catalogue, tz, Arc::new(tokens))
    }

    /// [`AppState::new`] with tokens already shared (a database's, which the store
    /// shares too).
    pub fn with_tokens(
        store: Arc<dyn ServedStore>,
        catalogue: Catalogue,
        tz: Tz,
        tokens: Arc<dyn TokenStore>,
    ) -> Result<Arc<AppState>, StoreError> {
        let token = store.change_token()?;
        let snap = store.load()?;
        let (seq_tx, _) = watch::channel(snap.seq);
        Ok(Arc::new(AppState {
            store,
            catalogue,
            tz,
            tokens,
            snapshot: RwLock::new(Arc::new(snap)),
            token: AtomicU64::new(token),
            reload: Mutex::new(()),
            seq_tx,
            summaries: std::sync::Mutex::new(SummaryCache::default()),
            summary_compute: Mutex::new(()),
            long_poll_ms: AtomicU64::new(MAX_WAIT.as_millis() as u64),
            checkpoint: std::sync::Mutex::new(None),
            in_flight: Arc::default(),
            upload_ms: AtomicU64::new(import::IMPORT_TIMEOUT.as_millis() as u64),
            gate: std::sync::OnceLock::new(),
            search: search::IndexCache::default(),
        }))
    }

    /// The registry as of now: reloaded when the journal changed (our own writes, or
    /// the CLI writing to the same store directly).
    pub async fn current(self: &Arc<Self>) -> Result<Arc<Snapshot>, StoreError> {
        // One stat of the journal: cheap enough to do on the runtime thread, and a
        // thread-pool hop per request is what a burst of clients would wait on.
        let token = self.store.change_token()?;
        if token != self.token.load(Ordering::Acquire) {
            let _guard = self.reload.lock().await;
            if token != self.token.load(Ordering::Acquire) {
                let store = self.store.clone();
                let snap = tokio::task::spawn_blocking(move || store.load())
                    .await
                    .map_err(|e| StoreError::Other(e.to_string()))??;
                let seq = snap.seq;
                *self.snapshot.write().await = Arc::new(snap);
                self.token.store(token, Ordering::Release);
                self.seq_tx.send_replace(seq);
            }
        }
        Ok(self.snapshot.read().await.clone())
    }

    /// Compute the latest round's province table now, so the first burst of consoles
    /// finds it ready instead of waiting behind its computation.
    pub async fn prewarm(self: &Arc<Self>) {
        let Ok(snap) = self.current().await else {
            return;
        };
        let reg = &snap.registry;
        let Some(round) = reg.latest_round().map(|r| r.id.clone()) else {
            return;
        };
        let root = reg.tree().root();
        let as_of = chrono::Utc::now().with_timezone(&self.tz).date_naive();
        if let Ok(s) =
            govcheck_domain::figures::summarize(reg, &self.catalogue, &round, root, as_of)
            && let Ok(body) = serde_json::to_vec(&s)
            && let Ok(mut cache) = self.summaries.lock()
        {
            cache.put(snap.seq, (round, root, as_of), body.into());
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.seq_tx.subscribe()
    }
}

/// Options of `govcheck serve`.
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Close connections silent for this long ([`idle::IDLE_LIMIT`] by default).
    pub idle: Duration,
    /// Close connections whose request head is not complete this long after its
    /// first byte ([`idle::HEAD_LIMIT`] by default).
    pub head: Duration,
    /// Longest an import's upload may take to arrive (`--upload-timeout`).
    pub upload: Duration,
    /// Peers whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: peer::TrustedProxies,
    /// Connections served at once, in all and from one address
    /// ([`gate::MAX_CONNECTIONS`], [`gate::MAX_PER_PEER`] by default).
    pub max_connections: usize,
    pub max_per_peer: usize,
}

/// The router with its layers: body limit, timeout, access log.
pub fn router(state: Arc<AppState>) -> Router {
    let timeout = |limit| {
        tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limit,
        )
    };
    // Imports are uploads of whole registry files: a larger body than any other
    // request, and a deadline on the upload alone (`upload_ms`), inside the handler.
    let uploads = Router::new()
        .route("/api/v1/import", axum::routing::post(import::import))
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(import::IMPORT_LIMIT));
    api::routes()
        .layer(timeout(REQUEST_TIMEOUT))
        .merge(uploads)
        .layer(axum::middleware::map_response(timeout_in_json))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access_log,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// The timeout layer answers 408 with an empty body; clients are promised the JSON
/// error body for every 4xx. (Whether a timed-out write was made is not known here, so
/// the message does not say.)
async fn timeout_in_json(resp: Response) -> Response {
    use axum::response::IntoResponse;
    if resp.status() == axum::http::StatusCode::REQUEST_TIMEOUT
        && !resp
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE)
    {
        return error::ApiError::new(
            govcheck_api::ErrorCode::Timeout,
            "the request took longer than the server allows (see docs/api.md)",
        )
        .into_response();
    }
    resp
}

/// One access-log event per request (target [`govcheck_logging::ACCESS`], written by
/// `serve`'s subscriber as one line on stderr): method, path, status, the token's name
/// (never the token), duration, and the client's address as the server established it
/// (with the proxy it came through, when it was forwarded). Also counts the request as in
/// progress on its connection while it is served, so the idle limit does not cut a
/// connection the server keeps waiting, and records the client's address in the
/// request ([`peer::ClientAddr`]) for the handlers. A client behind a trusted proxy
/// with its share of requests already in progress is answered 429.
async fn access_log(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let tcp_peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let _serving = tcp_peer.map(|p| state.in_flight.begin(p));
    let gate = state.gate.get();
    let client = tcp_peer.map(|p| match gate {
        Some(g) => g.trusted().client(
            p.ip(),
            req.headers()
                .get_all("x-forwarded-for")
                .iter()
                .map(|v| v.as_bytes()),
        ),
        None => peer::ClientAddr(p.ip().to_canonical()),
    });
    if let Some(c) = client {
        req.extensions_mut().insert(c);
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let who = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| state.tokens.verify(t))
        .map_or_else(|| "-".to_string(), |e| e.name.clone());
    let admitted = match (gate, tcp_peer, client) {
        (Some(g), Some(p), Some(c)) => g.begin_request(p.ip(), c),
        _ => Ok(None),
    };
    let resp = match admitted {
        Ok(_slot) => next.run(req).await,
        Err(share) => {
            use axum::response::IntoResponse as _;
            error::ApiError::new(
govcheck_api::ErrorCode::TooManyRequests,
                format!("{share} requests from this client are in progress already; retry when one is answered"),
            )
            .into_response()
        }
    };
    let from = match (client, tcp_peer) {
        (Some(c), Some(p)) if c.0 != p.ip().to_canonical() => format!("{c} via {}", p.ip()),
        (Some(c), _) => c.to_string(),
        _ => "-".to_string(),
    };
    tracing::info!(
        target: govcheck_logging::ACCESS,
        method = %method,
        path = %path,
        status = resp.status().as_u16(),
        who = %who,
        latency_ms = started.elapsed().as_millis() as u64,
        peer = %from,
    );
    resp
}

/// Watch the store for writes made outside the server (e.g. `govcheck verify` on the
/// same host, or another server over the same database) so change-feed clients hear of
/// them too: every second, and at once when the store tells of a change
/// ([`ServedStore::changes`]: PostgreSQL's notifications).
fn spawn_watcher(state: Arc<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut changes = state.store.changes();
        loop {
            match changes.as_mut() {
                Some(rx) => {
                    tokio::select! {
                        _ = tick.tick() => {}
                        changed = rx.changed() => {
                            if changed.is_err() {
                                changes = None;
                            }
                        }
                    }
                }
                None => {
                    tick.tick().await;
                }
            }
            let _ = state.current().await;
        }
    });
}

/// Run the server until SIGTERM or Ctrl-C; requests under way (writes included) finish.
pub async fn serve(state: Arc<AppState>, opts: ServeOptions) -> anyhow::Result<()> {
    // A certificate that cannot be used stops the start, before anything listens.
    let tls = match &opts.tls {
        Some((cert, key)) => Some(tls::load_config(cert, key)?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", opts.listen))?;
    let half_idle = (opts.idle / 2).min(MAX_WAIT);
    state
        .long_poll_ms
        .store(half_idle.as_millis() as u64, Ordering::Relaxed);
    state
        .upload_ms
        .store(opts.upload.as_millis() as u64, Ordering::Relaxed);
    spawn_watcher(state.clone());
    state.prewarm().await;
    let in_flight = state.in_flight.clone();
    let gate = gate::Gate::new(
        opts.max_connections,
        opts.max_per_peer,
        opts.trusted_proxies.clone(),
    );
    // Set once, here, before any request: a second `serve` of the same state keeps the
    // first gate, which holds the same options.
    let _ = state.gate.set(gate.clone());
    let limits = idle::Limits {
        idle: opts.idle,
        head: opts.head,
    };
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let addr = listener.local_addr()?;
    match tls {
        Some(config) => {
            tracing::info!("govcheck serve: listening on https://{addr}");
            // `tap_io` gives the TLS listener axum's peer-address plumbing.
            let listener =
                tls::TlsListener::new(listener, config, limits, gate, in_flight)?.tap_io(|_| {});
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await?;
        }
        None => {
            tracing::info!("govcheck serve: listening on http://{addr}");
            let listener = gate::PlainListener {
                tcp: listener,
                limits,
                gate,
                in_flight,
            }
            .tap_io(|_| {});
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await?;
        }
    }
    tracing::info!("govcheck serve: stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
