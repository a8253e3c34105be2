//! What the server and the console log, through `tracing`: the server's access log is
//! one event per request, read here from a subscriber in memory with the real router
//! driven in-process (no socket); the process tests in `server_net.rs` read the same
//! lines from a real server's stderr.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use govcheck::server::auth::{Role, Tokens};
use govcheck::server::{AppState, router};
use tower::ServiceExt;

/// Requests through the router, as a client at 192.0.2.7; returns the log's lines.
fn access_log(requests: Vec<Request<Body>>) -> (Vec<String>, Vec<u16>) {
    let sandbox = common::Sandbox::new();
    sandbox.demo();
    let local = common::open_store(&sandbox.store());
    let tokens_path = sandbox.path("tokens.json");
    let now = chrono::Utc::now().fixed_offset();
    let mut tokens = Tokens::load(&tokens_path).expect("tokens");
    let viewer = tokens
        .create("王五", Role::Viewer, None, now)
        .expect("create");
    let state = AppState::new(
        Arc::new(local),
        govcheck::domain::indicator::Catalogue::builtin(),
        chrono_tz::Asia::Shanghai,
        Tokens::load(&tokens_path).expect("tokens"),
    )
    .expect("state");
    let out = govcheck::logging::Memory::default();
    let subscriber = govcheck::logging::subscriber(
        out.clone(),
        chrono_tz::Asia::Shanghai,
        govcheck::logging::SECONDS,
        govcheck::logging::filter("").expect("filter"),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut statuses = Vec::new();
    {
        // This thread's events only: the runtime runs the router here.
        let _log = tracing::subscriber::set_default(subscriber);
        for mut req in requests {
            if req
                .headers()
                .get(header::AUTHORIZATION)
                .map(|v| v.as_bytes())
                == Some(VIEWER)
            {
                let bearer = format!("Bearer {viewer}");
                req.headers_mut()
                    .insert(header::AUTHORIZATION, bearer.parse().expect("header"));
            }
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 40000))));
            let app = router(state.clone());
            let status = rt.block_on(async {
                let resp = app.oneshot(req).await.expect("infallible");
                resp.status().as_u16()
            });
            statuses.push(status);
        }
    }
    let text = out.text();
    (text.lines().map(String::from).collect(), statuses)
}

/// Stands for the viewer's token in a request given to [`access_log`].
const VIEWER: &[u8] = b"Bearer VIEWER";

fn get(path: &str, with_token: bool) -> Request<Body> {
    let mut b = Request::get(path);
    if with_token {
        // Replaced by the viewer's token in `access_log`.
        b = b.header(header::AUTHORIZATION, VIEWER);
    }
    b.body(Body::empty()).expect("request")
}

#[test]
fn the_server_logs_one_access_line_per_request_with_status_and_token_name() {
    let (lines, statuses) = access_log(vec![
        get("/api/v1/health", true),
        get("/api/v1/regions", false),
        get("/api/v1/findings/NO-SUCH", true),
    ]);
    assert_eq!(statuses, [200, 401, 404]);
    assert_eq!(lines.len(), 3, "{lines:?}");
    // `<time> <method> <path> <status> <who> <latency>ms <peer>`, the time in the
    // office's zone; who is the name the server verified, `-` without a valid token.
    let fields =
        |line: &str| -> Vec<String> { line.split(' ').map(String::from).collect::<Vec<_>>() };
    let expected = [
        ("GET", "/api/v1/health", "200", "王五"),
        ("GET", "/api/v1/regions", "401", "-"),
        ("GET", "/api/v1/findings/NO-SUCH", "404", "王五"),
    ];
    for (line, (method, path, status, who)) in lines.iter().zip(expected) {
        let f = fields(line);
        assert_eq!(f.len(), 7, "{line}");
        assert!(f[0].ends_with("+08:00"), "{line}");
        assert_eq!(
            (f[1].as_str(), f[2].as_str(), f[3].as_str(), f[4].as_str()),
            (method, path, status, who),
            "{line}"
        );
        assert!(f[5].ends_with("ms"), "{line}");
        assert_eq!(f[6], "192.0.2.7", "{line}");
    }
}

/// What a client claims is never recorded as what was seen: a token the server does not
/// know is logged as no one, and an `X-Forwarded-For` from a peer that is not a trusted
/// proxy is not logged as the client.
#[test]
fn a_clients_claims_are_not_logged_as_seen() {
    let req = Request::get("/api/v1/regions")
        .header(header::AUTHORIZATION, "Bearer gc_王五")
        .header("x-forwarded-for", "203.0.113.9")
        .body(Body::empty())
        .expect("request");
    let (lines, statuses) = access_log(vec![req]);
    assert_eq!(statuses, [401]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let f: Vec<&str> = lines[0].split(' ').collect();
    assert_eq!((f[3], f[4], f[6]), ("401", "-", "192.0.2.7"), "{lines:?}");
    assert!(
        !lines[0].contains("王五") && !lines[0].contains("203.0.113.9"),
        "{lines:?}"
    );
}

/// The commands stay as quiet as they were: only the console and `serve` install a
/// log, so even the most talkative filter adds nothing to a command's stderr.
#[test]
fn commands_stay_quiet_whatever_govcheck_log_says() {
    let s = common::Sandbox::new();
    s.demo();
    let out = s
        .cmd()
        .env("GOVCHECK_LOG", "trace")
        .arg("--data")
        .arg(s.store())
        .args(["rounds"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A filter that does not parse stops `serve` before it listens, naming the variable.
#[test]
fn a_bad_govcheck_log_stops_serve_naming_it() {
    let s = common::Sandbox::new();
    s.demo();
    let out = s
        .cmd()
        .env("GOVCHECK_LOG", "info,[")
        .arg("--data")
        .arg(s.store())
        .args(["serve", "--listen", "127.0.0.1:0", "--tokens"])
        .arg(s.path("tokens.json"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("govcheck: GOVCHECK_LOG=\"info,[\""),
        "{err}"
    );
    assert!(!err.contains("listening"), "{err}");
}
