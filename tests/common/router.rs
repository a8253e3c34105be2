//! The registry server's router driven in-process: each request goes through the same
//! layers (body limit, timeouts, access log, auth) and handlers as over a socket, but
//! with `tower::ServiceExt::oneshot` instead of a listener, a process and a client.
//!
//! For server behaviour that does not depend on the network. What does — signals, TLS,
//! connection limits and timeouts, slow clients, the peer address a real connection
//! shows, the access log a process writes, and the remote client — keeps its tests
//! against the real binary ([`super::server`]).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use govcheck::server::auth::Tokens;
use govcheck::server::{AppState, router};
use serde_json::Value;
use tower::ServiceExt;

use super::Sandbox;

/// Where requests seem to come from (TEST-NET-1, never a real host).
pub const PEER: SocketAddr = SocketAddr::new(
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7)),
    40000,
);

/// The server's state over a sandbox's store and tokens file, and a runtime to serve
/// requests on.
pub struct App {
    pub state: Arc<AppState>,
    pub rt: tokio::runtime::Runtime,
}

impl App {
    /// Serve `s.store()` with the tokens of `s.path("tokens.json")`, as `govcheck serve
    /// --data <store> --tokens <file>` would (the file is read again at each request,
    /// so tokens created or revoked meanwhile count at once).
    pub fn over(s: &Sandbox) -> App {
        App::build(s, current_thread())
    }

    /// [`App::over`] on a runtime of two worker threads, for requests that must really
    /// run at once (the one-thread runtime interleaves them only at their awaits).
    pub fn threaded(s: &Sandbox) -> App {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        App::build(s, rt)
    }

    fn build(s: &Sandbox, rt: tokio::runtime::Runtime) -> App {
        let store = super::open_store(&s.store());
        let tokens = Tokens::load(&s.path("tokens.json")).expect("tokens");
        let state = AppState::new(
            Arc::new(store),
            govcheck::domain::indicator::Catalogue::builtin(),
            chrono_tz::Asia::Shanghai,
            tokens,
        )
        .expect("state");
        App { state, rt }
    }

    /// Send one request as a client at [`PEER`] would: status, headers and body.
    pub fn send(&self, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        self.rt.block_on(self.serve(req))
    }

    /// [`App::send`] as a future, for requests sent together.
    pub fn serve(
        &self,
        mut req: Request<Body>,
    ) -> impl Future<Output = (StatusCode, HeaderMap, Vec<u8>)> + use<> {
        req.extensions_mut().insert(ConnectInfo(PEER));
        let app = router(self.state.clone());
        async move {
            let resp = app.oneshot(req).await.expect("infallible");
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
                .await
                .expect("body");
            (status, headers, body.to_vec())
        }
    }

    /// GET `path` with a bearer token (none when empty): the status and the JSON body
    /// (`Null` when the body is not JSON).
    pub fn get(&self, path: &str, tok: &str) -> (u16, Value) {
        json_answer(self.send(request("GET", path, tok, None)))
    }

    /// POST a JSON body to `path` with a bearer token.
    pub fn post(&self, path: &str, tok: &str, body: &str) -> (u16, Value) {
        json_answer(self.send(request("POST", path, tok, Some(body))))
    }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A request as the CLI's client would make it: a bearer token unless `tok` is empty,
/// and a JSON body when there is one.
pub fn request(method: &str, path: &str, tok: &str, body: Option<&str>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    if !tok.is_empty() {
        b = b.header(header::AUTHORIZATION, format!("Bearer {tok}"));
    }
    let body = match body {
        Some(text) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(text.to_string())
        }
        None => Body::empty(),
    };
    b.body(body).expect("request")
}

/// The status and the body parsed as JSON (`Null` when it is not).
pub fn json_answer((status, _, body): (StatusCode, HeaderMap, Vec<u8>)) -> (u16, Value) {
    (
        status.as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}
