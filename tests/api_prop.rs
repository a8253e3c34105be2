//! Property tests for every parser of outside input the registry server has: the
//! `POST /findings/{id}/events` body, the query strings of the GET endpoints, the
//! path segments and the `Authorization` header. The real router is driven in-process
//! (no socket, tests/common/router.rs) against a demo store, so a few hundred random
//! requests take seconds.
//!
//! What must hold whatever arrives: never a 5xx (a panic in a handler would be one),
//! every 4xx carries `{"error":{"code","message"}}`, and the journal changes only when
//! the answer is 201 — a refused request writes nothing.

mod common;

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, StatusCode, header};
use chrono::Datelike;
use govcheck::server::auth::{Role, Tokens};
use govcheck::server::router;
use govcheck::store::RegistrySource;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use tower::ServiceExt;

/// A served copy of the demo store, with tokens of each kind.
struct Fixture {
    _sandbox: common::Sandbox,
    store: PathBuf,
    app: common::router::App,
    supervisor: String,
    viewer: String,
    /// A supervisor bound to one city: findings elsewhere are refused.
    scoped: String,
    revoked: String,
    admin: String,
    findings: Vec<String>,
    rounds: Vec<String>,
    regions: Vec<String>,
}

impl Fixture {
    fn new() -> Fixture {
        let sandbox = common::Sandbox::new();
        sandbox.demo();
        let store = sandbox.store();
        let local = common::open_store(&store);
        let snap = local.load().expect("load");
        let reg = &snap.registry;
        let findings = reg.findings().iter().map(|f| f.id.clone()).collect();
        let rounds = reg.rounds().iter().map(|r| r.id.clone()).collect();
        let regions: Vec<String> = reg.regions().iter().map(|r| r.code.clone()).collect();
        let city = reg
            .regions()
            .iter()
            .find(|r| r.code == "330100")
            .map(|r| (r.name.clone(), r.code.clone()))
            .expect("demo has 杭州市");

        let tokens_path = sandbox.path("tokens.json");
        let now = chrono::Utc::now().fixed_offset();
        let mut tokens = Tokens::load(&tokens_path).expect("tokens");
        let supervisor = tokens
            .create("sup", Role::Supervisor, None, now)
            .expect("create");
        let viewer = tokens
            .create("view", Role::Viewer, None, now)
            .expect("create");
        let scoped = tokens
            .create("city", Role::Supervisor, Some(city), now)
            .expect("create");
        let revoked = tokens
            .create("gone", Role::Admin, None, now)
            .expect("create");
        tokens.revoke("gone", now).expect("revoke");
        let admin = tokens
            .create("adm", Role::Admin, None, now)
            .expect("create");

        drop(local);
        let app = common::router::App::over(&sandbox);
        // A long poll must not make a random `wait=` cost seconds.
        app.state
            .long_poll_ms
            .store(20, std::sync::atomic::Ordering::Relaxed);
        Fixture {
            _sandbox: sandbox,
            store,
            app,
            supervisor,
            viewer,
            scoped,
            revoked,
            admin,
            findings,
            rounds,
            regions,
        }
    }

    /// Send one request through the router as a client at 192.0.2.7 would.
    fn send(&self, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let (status, _, body) = self.send_full(req);
        (status, body)
    }

    /// [`Fixture::send`], with the response's headers.
    fn send_full(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        self.app.send(req)
    }

    /// How much the store records: batches, events and posts counted in the database
    /// (read only), so it grows with every write, posts included.
    fn journal_len(&self) -> u64 {
        let conn = rusqlite::Connection::open_with_flags(
            self.store.join("registry.sqlite"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open the database");
        let n: i64 = conn
            .query_row(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM batches) \
                 + (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM posts)",
                [],
                |r| r.get(0),
            )
            .expect("count");
        u64::try_from(n).expect("a count")
    }

    fn change_token(&self) -> u64 {
        self.app.state.store.change_token().expect("change token")
    }

    /// The finding's current version, if it exists.
    fn version(&self, id: &str) -> Option<u32> {
        let snap = self
            .app
            .rt
            .block_on(self.app.state.current())
            .expect("load");
        let idx = snap.registry.finding_index(id)?;
        Some(snap.registry.state(idx).version)
    }
}

/// Percent-encode everything but RFC 3986 unreserved characters.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Never a 5xx; a 4xx is the documented error body. Returns the parsed body if JSON.
fn check_answer(what: &str, status: StatusCode, body: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(
        !status.is_server_error(),
        "{what}: {status} {}",
        String::from_utf8_lossy(body)
    );
    if status.is_client_error() {
        let v: Value = serde_json::from_slice(body).map_err(|e| {
            TestCaseError::fail(format!(
                "{what}: {status} body is not JSON ({e}): {}",
                String::from_utf8_lossy(body)
            ))
        })?;
        prop_assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{what}: {status} body lacks error.code/message: {v}"
        );
    }
    Ok(())
}

/// Strings that upset parsers: control characters, escapes, bidi overrides, path
/// tricks, CJK, very long runs.
fn wild_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f\u{202e}\u{feff}a-z/.%\\\\]{0,40}",
        Just("../../journal.jsonl".to_string()),
        Just("..".to_string()),
        Just("\u{1b}[31mred\u{1b}[0m".to_string()),
        Just("=HYPERLINK(\"x\")".to_string()),
        Just("杭州市".to_string()),
        (1usize..80_000).prop_map(|n| "x".repeat(n)),
    ]
}

const KINDS: &[&str] = &[
    "rectification_reported",
    "verified",
    "rejected",
    "reopened",
    "deadline_extended",
    "waived",
];

/// The finding a request names.
#[derive(Debug, Clone)]
enum Target {
    /// One of the demo's findings, by index.
    Known(usize),
    /// Anything else, percent-encoded into the path.
    Other(String),
    /// Raw path text (may add segments or dots).
    Raw(&'static str),
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => (0usize..64).prop_map(Target::Known),
        2 => wild_text().prop_map(Target::Other),
        1 => prop::sample::select(vec![
            "..", ".", "%2e%2e", "a/b", "%2F", "%FF", "%", "%zz", "2022Q1-0001/../x",
            "%00", "%E6%9D%AD",
        ]).prop_map(Target::Raw),
    ]
}

/// How the request proves who it is.
#[derive(Debug, Clone)]
enum Auth {
    Supervisor,
    Viewer,
    Scoped,
    Revoked,
    None,
    Garbage(Vec<u8>),
}

fn auth() -> impl Strategy<Value = Auth> {
    prop_oneof![
        8 => Just(Auth::Supervisor),
        1 => Just(Auth::Viewer),
        2 => Just(Auth::Scoped),
        1 => Just(Auth::Revoked),
        1 => Just(Auth::None),
        1 => prop::collection::vec(any::<u8>(), 0..80).prop_map(Auth::Garbage),
    ]
}

/// The `based_on` member as sent.
#[derive(Debug, Clone)]
enum BasedOn {
    Current,
    Missing,
    Json(Value),
}

fn based_on() -> impl Strategy<Value = BasedOn> {
    prop_oneof![
        12 => Just(BasedOn::Current),
        1 => Just(BasedOn::Missing),
        3 => prop_oneof![
            any::<u32>().prop_map(|n| json!(n)),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|n| json!(n)),
            Just(json!("1")),
            Just(Value::Null),
            Just(json!([1])),
            Just(json!(u64::MAX)),
            Just(json!(-1)),
        ]
        .prop_map(BasedOn::Json),
    ]
}

fn date_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (1900i32..2100, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}"))),
        2 => prop::sample::select(vec![
            "+262143-12-31",
            "+262144-01-01",
            "-262144-01-01",
            "262143-12-31",
            "9999-12-31",
            "0000-01-01",
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-1-1",
            "",
            "today",
        ])
        .prop_map(|s| json!(s)),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => Just(Value::Null),
    ]
}

/// A well-typed-but-wild event request, or its near misses.
#[derive(Debug, Clone)]
struct EventCase {
    target: Target,
    auth: Auth,
    kind: Value,
    based_on: BasedOn,
    note: Option<Value>,
    to: Option<Value>,
    os_user: Option<Value>,
    ssh_client: Option<Value>,
    extra: Option<(String, Value)>,
    content_type: Option<&'static str>,
}

fn event_case() -> impl Strategy<Value = EventCase> {
    let kind = prop_oneof![
        8 => prop::sample::select(KINDS).prop_map(|k| json!(k)),
        1 => wild_text().prop_map(|s| json!(s)),
        1 => prop_oneof![Just(Value::Null), Just(json!(1)), Just(json!({"kind": "verified"}))],
    ];
    let text = prop_oneof![
        8 => wild_text().prop_map(|s| json!(s)),
        1 => Just(Value::Null),
        1 => Just(json!(42)),
    ];
    (
        target(),
        auth(),
        kind,
        based_on(),
        prop::option::of(text.clone()),
        prop::option::weighted(0.4, date_value()),
        prop::option::of(text.clone()),
        prop::option::of(text),
        prop::option::weighted(
            0.05,
            (
                prop::sample::select(vec!["by", "at", "seq", "finding", "peer", "claimed", "x"]),
                wild_text(),
            )
                .prop_map(|(k, v)| (k.to_string(), json!(v))),
        ),
        prop_oneof![
            8 => Just(Some("application/json")),
            1 => Just(Some("application/json; charset=utf-8")),
            1 => Just(Some("text/plain")),
            1 => Just(None),
        ],
    )
        .prop_map(
            |(target, auth, kind, based_on, note, to, os_user, ssh_client, extra, content_type)| {
                EventCase {
                    target,
                    auth,
                    kind,
                    based_on,
                    note,
                    to,
                    os_user,
                    ssh_client,
                    extra,
                    content_type,
                }
            },
        )
}

impl Fixture {
    fn authorize(&self, b: axum::http::request::Builder, a: &Auth) -> axum::http::request::Builder {
        let bearer = |t: &str| format!("Bearer {t}");
        match a {
            Auth::Supervisor => b.header(header::AUTHORIZATION, bearer(&self.supervisor)),
            Auth::Viewer => b.header(header::AUTHORIZATION, bearer(&self.viewer)),
            Auth::Scoped => b.header(header::AUTHORIZATION, bearer(&self.scoped)),
            Auth::Revoked => b.header(header::AUTHORIZATION, bearer(&self.revoked)),
            Auth::None => b,
            Auth::Garbage(bytes) => match HeaderValue::from_bytes(bytes) {
                Ok(v) => b.header(header::AUTHORIZATION, v),
                Err(_) => b,
            },
        }
    }

    fn finding_path(&self, t: &Target) -> (String, Option<String>) {
        match t {
            Target::Known(i) => {
                let id = &self.findings[i % self.findings.len()];
                (enc(id), Some(id.clone()))
            }
            Target::Other(s) => (enc(s), Some(s.clone())),
            Target::Raw(s) => (s.to_string(), None),
        }
    }
}

/// Send a body to the events endpoint; check the answer and that only a 201 wrote.
/// Returns the status.
fn post_event(
    fx: &Fixture,
    what: &str,
    target: &Target,
    auth: &Auth,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Result<StatusCode, TestCaseError> {
    let (path, _) = fx.finding_path(target);
    let mut b = Request::post(format!("/api/v1/findings/{path}/events"));
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    let b = fx.authorize(b, auth);
    let Ok(req) = b.body(Body::from(body)) else {
        // Not a request a client could send (an invalid URI): nothing to test.
        return Ok(StatusCode::BAD_REQUEST);
    };
    let (len0, tok0) = (fx.journal_len(), fx.change_token());
    let (status, resp) = fx.send(req);
    check_answer(what, status, &resp)?;
    let (len1, tok1) = (fx.journal_len(), fx.change_token());
    if status == StatusCode::CREATED {
        prop_assert!(len1 > len0, "{what}: 201 but the journal did not grow");
        let v: Value = serde_json::from_slice(&resp)
            .map_err(|e| TestCaseError::fail(format!("{what}: 201 body not JSON: {e}")))?;
        prop_assert!(v["seq"].is_u64(), "{what}: 201 without seq: {v}");
        // The history records the address the server saw and the token's name as seen;
        // what the client said about itself only as claimed, and as plain text.
        let by = &v["finding"]["events"]
            .as_array()
            .and_then(|e| e.last())
            .ok_or_else(|| TestCaseError::fail(format!("{what}: 201 without events: {v}")))?["by"];
        prop_assert_eq!(&by["peer"], "192.0.2.7", "{}: {}", what, by);
        prop_assert!(by["name"] == "sup" || by["name"] == "city", "{what}: {by}");
        prop_assert!(
            by["os_user"].is_null() && by["ssh_client"].is_null(),
            "{what}: {by}"
        );
        for claim in ["os_user", "ssh_client"] {
            if let Some(text) = by["claimed"][claim].as_str() {
                prop_assert!(
                    !text.is_empty() && text == govcheck::domain::text::sanitize(text),
                    "{what}: claimed {claim} {text:?} not clean text"
                );
            }
        }
    } else {
        prop_assert_eq!(len0, len1, "{}: {} but the journal changed", what, status);
        prop_assert_eq!(tok0, tok1, "{}: {} but the store changed", what, status);
    }
    Ok(status)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // Failures are reported with their input; no files left in the tree.
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn event_bodies_of_arbitrary_bytes_are_refused_without_writing() {
    let fx = Fixture::new();
    let mut r = runner(256);
    r.run(
        &(
            target(),
            auth(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..600),
                // Bytes that start like JSON get further into the parser.
                prop::collection::vec(any::<u8>(), 0..200).prop_map(|mut v| {
                    v.splice(
                        0..0,
                        b"{\"kind\":\"verified\",\"based_on\":".iter().copied(),
                    );
                    v
                }),
            ],
        ),
        |(t, a, body)| {
            let status = post_event(&fx, "bytes", &t, &a, Some("application/json"), body)?;
            prop_assert_ne!(status, StatusCode::CREATED, "random bytes were accepted");
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn event_bodies_of_arbitrary_json_are_refused_without_writing() {
    let fx = Fixture::new();
    let json_value = any::<u32>()
        .prop_map(|n| json!(n))
        .prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        prop::sample::select(vec!["kind", "based_on", "note", "to", "os_user"])
                            .prop_map(str::to_string),
                        any::<String>(),
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
                any::<String>().prop_map(Value::String),
                any::<f64>().prop_map(|f| json!(f)),
                any::<bool>().prop_map(Value::Bool),
                Just(Value::Null),
            ]
        });
    let mut r = runner(256);
    r.run(&(target(), auth(), json_value), |(t, a, v)| {
        let body = serde_json::to_vec(&v).expect("json");
        let status = post_event(&fx, "json", &t, &a, Some("application/json"), body)?;
        // Acceptable only if it happens to be a whole event request.
        if status == StatusCode::CREATED {
            prop_assert!(v["kind"].is_string() && v["based_on"].is_u64(), "{v}");
        }
        Ok(())
    })
    .unwrap();
}

#[test]
fn wild_event_requests_write_only_when_valid() {
    let fx = Fixture::new();
    let mut r = runner(300);
    let created = std::cell::Cell::new(0);
    r.run(&event_case(), |c| {
        let (_, id) = fx.finding_path(&c.target);
        let version = id.as_deref().and_then(|id| fx.version(id));
        let mut body = serde_json::Map::new();
        body.insert("kind".into(), c.kind.clone());
        match &c.based_on {
            BasedOn::Current => {
                body.insert("based_on".into(), json!(version.unwrap_or(0)));
            }
            BasedOn::Missing => {}
            BasedOn::Json(v) => {
                body.insert("based_on".into(), v.clone());
            }
        }
        for (k, v) in [
            ("note", &c.note),
            ("to", &c.to),
            ("os_user", &c.os_user),
            ("ssh_client", &c.ssh_client),
        ] {
            if let Some(v) = v {
                body.insert(k.into(), v.clone());
            }
        }
        if let Some((k, v)) = &c.extra {
            body.insert(k.clone(), v.clone());
        }
        let sent = Value::Object(body);
        let bytes = serde_json::to_vec(&sent).expect("json");
        let status = post_event(&fx, "event", &c.target, &c.auth, c.content_type, bytes)?;
        if status == StatusCode::CREATED {
            created.set(created.get() + 1);
            // A 201 only for a request that is valid in every part.
            let kind = sent["kind"].as_str().unwrap_or("");
            prop_assert!(KINDS.contains(&kind), "201 for kind {kind:?}");
            prop_assert!(version.is_some(), "201 for unknown finding {id:?}");
            prop_assert_eq!(sent["based_on"].as_u64(), version.map(u64::from));
            prop_assert!(matches!(c.auth, Auth::Supervisor | Auth::Scoped));
            prop_assert!(c.extra.is_none(), "201 despite unknown field");
            prop_assert!(
                c.content_type
                    .is_some_and(|t| t.starts_with("application/json"))
            );
            if kind == "deadline_extended" {
                prop_assert!(sent["to"].is_string());
            }
            prop_assert_eq!(
                fx.version(id.as_deref().unwrap_or("")),
                version.map(|v| v + 1)
            );
        }
        Ok(())
    })
    .unwrap();
    // The generator is useful only if valid requests do come through.
    assert!(created.get() > 0, "no request of {} was accepted", 300);
}

/// The GET endpoints, as path templates: `{round}`, `{finding}` filled per case.
const GETS: &[&str] = &[
    "/api/v1/health",
    "/api/v1/me",
    "/api/v1/regions",
    "/api/v1/accounts",
    "/api/v1/rounds",
    "/api/v1/rounds/{round}/summary",
    "/api/v1/findings",
    "/api/v1/findings/{finding}",
    "/api/v1/changes",
    "/api/v1/posts",
    "/api/v1/checkpoint",
];

const PARAMS: &[&str] = &[
    "page",
    "per_page",
    "region",
    "round",
    "as_of",
    "since",
    "wait",
    "crc",
    "q",
    "search",
    "platform",
    "status",
    "indicator",
    "unknown",
];

fn param_value(fx_regions: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "0",
            "1",
            "1000",
            "1001",
            "18446744073709551615",
            "18446744073709551616",
            "-1",
            "1e3",
            "",
            "2022Q1",
            "open",
            "verified",
            "OPEN",
            "+262143-12-31",
            "-262144-01-01",
            "262143-12-31",
            "9999-12-31",
            "0001-01-01",
            "2024-02-30",
            "2022-03-31",
            "deadbeef",
            "DEADBEEF",
            "0000000g",
            "00000000",
        ])
        .prop_map(str::to_string),
        prop::sample::select(fx_regions),
        wild_text().prop_map(|s| s.chars().take(300).collect()),
        (1900i32..2200, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
    ]
}

#[test]
fn query_strings_never_make_a_server_error() {
    let fx = Fixture::new();
    let mut regions = fx.regions.clone();
    regions.extend(["浙江省", "杭州市", "330100", "省本级"].map(str::to_string));
    let pairs = prop::collection::vec(
        (
            prop_oneof![
                4 => prop::sample::select(PARAMS).prop_map(str::to_string),
                1 => wild_text().prop_map(|s| s.chars().take(20).collect()),
            ],
            param_value(regions),
            any::<bool>(),
        ),
        0..5,
    );
    let query = prop_oneof![
        // Structured: known names, interesting values, percent-encoded or raw.
        4 => pairs.prop_map(|ps| ps
            .iter()
            .map(|(k, v, raw)| if *raw { format!("{k}={v}") } else { format!("{}={}", enc(k), enc(v)) })
            .collect::<Vec<_>>()
            .join("&")),
        // Anything a URI may hold.
        1 => "[a-z0-9=&%+;._~!$'()*,:@/?-]{0,60}",
    ];
    let mut r = runner(300);
    r.run(
        &(
            prop::sample::select(GETS),
            query,
            0usize..64,
            prop_oneof![4 => Just(Auth::Supervisor), 1 => Just(Auth::Scoped)],
        ),
        |(path, q, pick, a)| {
            let round = &fx.rounds[pick % fx.rounds.len()];
            let finding = &fx.findings[pick % fx.findings.len()];
            let path = path.replace("{round}", round).replace("{finding}", finding);
            let b = fx.authorize(Request::get(format!("{path}?{q}")), &a);
            let Ok(req) = b.body(Body::empty()) else {
                return Ok(());
            };
            let (len0, tok0) = (fx.journal_len(), fx.change_token());
            let (status, body) = fx.send(req);
            check_answer(&format!("GET {path}?{q}"), status, &body)?;
            prop_assert_eq!(len0, fx.journal_len(), "a GET wrote");
            prop_assert_eq!(tok0, fx.change_token(), "a GET wrote");
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn path_segments_never_make_a_server_error() {
    let fx = Fixture::new();
    let mut r = runner(200);
    r.run(
        &(
            prop::sample::select(vec![
                "/api/v1/findings/{}",
                "/api/v1/rounds/{}/summary",
                "/api/v1/{}",
                "/{}",
            ]),
            prop_oneof![
                wild_text().prop_map(|s| enc(&s)),
                prop::sample::select(vec![
                    "..",
                    ".",
                    "%2e%2e",
                    "a/b",
                    "%2F",
                    "%FF",
                    "%",
                    "%zz",
                    "%00",
                    "%C0%AF",
                    "%E6%9D%AD",
                    "2022Q1",
                    "findings",
                    "",
                ])
                .prop_map(str::to_string),
            ],
        ),
        |(tpl, seg)| {
            let path = tpl.replace("{}", &seg);
            let b = fx.authorize(Request::get(&path), &Auth::Supervisor);
            let Ok(req) = b.body(Body::empty()) else {
                return Ok(());
            };
            let (status, body) = fx.send(req);
            check_answer(&format!("GET {path}"), status, &body)?;
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn authorization_garbage_is_refused_with_401() {
    let fx = Fixture::new();
    let header_value = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..120),
        "[ -~]{0,80}".prop_map(String::into_bytes),
        (
            prop::sample::select(vec![
                "Bearer ", "bearer ", "Bearer  ", "Basic ", "Bearer", ""
            ]),
            "[ -~]{0,70}"
        )
            .prop_map(|(p, t)| format!("{p}{t}").into_bytes()),
        // The real token, bent: it must not pass.
        (prop::sample::select(vec![0usize, 1, 2, 3]), "[ -~]{1,8}").prop_map({
            let sup = fx.supervisor.clone();
            let rev = fx.revoked.clone();
            move |(how, extra)| {
                match how {
                    0 => format!("Bearer {sup}{extra}"),
                    1 => format!("Bearer {extra}{sup}"),
                    2 => format!("Bearer {}", &sup[..sup.len() - 1]),
                    _ => format!("Bearer {rev}"),
                }
                .into_bytes()
            }
        }),
    ];
    let mut r = runner(300);
    r.run(
        &(
            header_value,
            prop::sample::select(vec![
                "/api/v1/me",
                "/api/v1/regions",
                "/api/v1/findings?round=2022Q1",
                "/api/v1/changes?since=0",
                "/api/v1/checkpoint",
                "/api/v1/findings/2022Q1-0001/events",
            ]),
        ),
        |(h, path)| {
            let Ok(v) = HeaderValue::from_bytes(&h) else {
                return Ok(());
            };
            let post = path.ends_with("/events");
            let b = if post {
                Request::post(path).header(header::CONTENT_TYPE, "application/json")
            } else {
                Request::get(path)
            };
            let body = if post {
                Body::from(r#"{"kind":"verified","based_on":0}"#)
            } else {
                Body::empty()
            };
            let Ok(req) = b.header(header::AUTHORIZATION, v).body(body) else {
                return Ok(());
            };
            let (len0, tok0) = (fx.journal_len(), fx.change_token());
            let (status, resp) = fx.send(req);
            check_answer(&format!("{path} with {h:?}"), status, &resp)?;
            prop_assert_eq!(status, StatusCode::UNAUTHORIZED, "{} with {:?}", path, h);
            let v: Value = serde_json::from_slice(&resp).expect("checked above");
            prop_assert_eq!(&v["error"]["code"], "unauthorized");
            prop_assert_eq!(len0, fx.journal_len());
            prop_assert_eq!(tok0, fx.change_token());
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn any_method_on_any_route_gets_an_answer_in_json() {
    let fx = Fixture::new();
    let mut r = runner(150);
    r.run(
        &(
            prop::sample::select(vec![
                "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PURGE",
            ]),
            prop::sample::select(
                govcheck::server::api::ROUTES
                    .iter()
                    .map(|(_, p)| *p)
                    .collect::<Vec<_>>(),
            ),
        ),
        |(method, path)| {
            let id = if path.starts_with("/api/v1/rounds/") {
                &fx.rounds[0]
            } else {
                &fx.findings[0]
            };
            let path = path.replace("{id}", id);
            let b = fx.authorize(
                Request::builder().method(method).uri(&path),
                &Auth::Supervisor,
            );
            let req = b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .expect("request");
            let (len0, tok0) = (fx.journal_len(), fx.change_token());
            let (status, body) = fx.send(req);
            check_answer(&format!("{method} {path}"), status, &body)?;
            prop_assert_eq!(len0, fx.journal_len());
            prop_assert_eq!(tok0, fx.change_token());
            Ok(())
        },
    )
    .unwrap();
}

/// The error code of a JSON error body (empty when the body is not one).
fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Found by the properties above: a path id that is not UTF-8 (`%FF`) got axum's
/// plain-text 400 instead of the JSON error body clients parse.
#[test]
fn a_path_id_that_is_not_utf8_gets_the_json_error_body() {
    let fx = Fixture::new();
    let len0 = fx.journal_len();
    for (method, path) in [
        ("GET", "/api/v1/findings/%FF"),
        ("GET", "/api/v1/rounds/%FF/summary"),
        ("POST", "/api/v1/findings/%FF/events"),
        ("POST", "/api/v1/findings/%C0%AF/events"),
    ] {
        let req = fx
            .authorize(
                Request::builder().method(method).uri(path),
                &Auth::Supervisor,
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"kind":"verified","based_on":0}"#))
            .expect("request");
        let (status, body) = fx.send(req);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}");
        assert_eq!(
            error_code(&body),
            "bad_request",
            "{method} {path}: {body:?}"
        );
    }
    assert_eq!(fx.journal_len(), len0);
}

/// Found by the properties above: a route asked with a method it lacks got axum's 405
/// with an empty body; now the JSON error body, and still the `Allow` header.
#[test]
fn a_method_a_route_lacks_gets_405_with_the_json_error_body() {
    let fx = Fixture::new();
    let id = fx.findings[0].clone();
    for (method, path, allow) in [
        ("DELETE", format!("/api/v1/findings/{id}"), "GET"),
        ("GET", format!("/api/v1/findings/{id}/events"), "POST"),
        ("PUT", "/api/v1/me".to_string(), "GET"),
        ("GET", "/api/v1/import".to_string(), "POST"),
    ] {
        let req = fx
            .authorize(
                Request::builder().method(method).uri(&path),
                &Auth::Supervisor,
            )
            .body(Body::empty())
            .expect("request");
        let (status, headers, body) = fx.send_full(req);
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(
            error_code(&body),
            "method_not_allowed",
            "{method} {path}: {body:?}"
        );
        let allowed = headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            allowed.contains(allow),
            "{method} {path}: Allow {allowed:?}"
        );
    }
}

/// One part of a multipart upload, as a client might (mis)build it.
#[derive(Debug, Clone)]
struct Part {
    name: Option<&'static str>,
    file_name: Option<String>,
    content: Vec<u8>,
}

fn part() -> impl Strategy<Value = Part> {
    let csvish = (
        prop::sample::select(vec![
            "",
            "region,name\n",
            "地区,账号名称,平台\n",
            "code,name,parent\n",
            "\u{feff}round,indicator\n",
        ]),
        prop::collection::vec("[^\\r]{0,40}", 0..6),
    )
        .prop_map(|(head, lines)| format!("{head}{}", lines.join("\n")).into_bytes());
    (
        prop::option::weighted(
            0.9,
            prop::sample::select(vec!["file", "file", "file", "files", "", "x\"y"]),
        ),
        prop::option::of(
            wild_text().prop_map(|s| s.chars().filter(|c| *c != '"').take(60).collect()),
        ),
        prop_oneof![csvish, prop::collection::vec(any::<u8>(), 0..300)],
    )
        .prop_map(|(name, file_name, content)| Part {
            name,
            file_name,
            content,
        })
}

/// A multipart body with boundary `XyZ`, its parts as given (one may lack its end).
fn multipart(parts: &[Part], truncated: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data");
        if let Some(n) = p.name {
            body.extend_from_slice(format!("; name=\"{n}\"").as_bytes());
        }
        if let Some(f) = &p.file_name {
            body.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
        }
        body.extend_from_slice(b"\r\nContent-Type: text/csv\r\n\r\n");
        body.extend_from_slice(&p.content);
        body.extend_from_slice(b"\r\n");
    }
    if !truncated {
        body.extend_from_slice(b"--XyZ--\r\n");
    }
    body
}

#[test]
fn import_uploads_of_anything_are_answered_in_json_and_refusals_write_nothing() {
    let fx = Fixture::new();
    let mut r = runner(120);
    r.run(
        &(
            prop_oneof![
                3 => (prop::collection::vec(part(), 0..4), any::<bool>())
                    .prop_map(|(ps, t)| multipart(&ps, t)),
                1 => prop::collection::vec(any::<u8>(), 0..400),
            ],
            prop::sample::select(vec![
                Some("multipart/form-data; boundary=XyZ"),
                Some("multipart/form-data; boundary=XyZ"),
                Some("multipart/form-data; boundary=XyZ"),
                Some("multipart/form-data"),
                Some("multipart/form-data; boundary=other"),
                Some("application/json"),
                None,
            ]),
            prop_oneof![4 => Just(true), 1 => Just(false)],
        ),
        |(body, content_type, admin)| {
            let token = if admin { &fx.admin } else { &fx.supervisor };
            let mut b = Request::post("/api/v1/import")
                .header(header::AUTHORIZATION, format!("Bearer {token}"));
            if let Some(ct) = content_type {
                b = b.header(header::CONTENT_TYPE, ct);
            }
            let req = b.body(Body::from(body)).expect("request");
            let (len0, tok0) = (fx.journal_len(), fx.change_token());
            let (status, resp) = fx.send(req);
            check_answer("import", status, &resp)?;
            if !status.is_success() {
                prop_assert_eq!(len0, fx.journal_len(), "refused import {} wrote", status);
                prop_assert_eq!(tok0, fx.change_token(), "refused import {} wrote", status);
            }
            if !admin {
                prop_assert_eq!(status, StatusCode::FORBIDDEN);
            }
            Ok(())
        },
    )
    .unwrap();
}

/// A request body that never arrives: the client stalls after the headers.
struct Stalled;

impl http_body::Body for Stalled {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Pending
    }
}

/// Found by looking for every 4xx the stack makes itself: the request timeout (408)
/// came with an empty body. Time is paused, so the 30 s pass at once.
#[test]
fn a_request_that_outlasts_the_timeout_gets_408_with_the_json_error_body() {
    let fx = Fixture::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    let len0 = fx.journal_len();
    for path in [
        format!("/api/v1/findings/{}/events", fx.findings[0]),
        "/api/v1/import".to_string(),
    ] {
        let token = if path.ends_with("import") {
            &fx.admin
        } else {
            &fx.supervisor
        };
        let content_type = if path.ends_with("import") {
            "multipart/form-data; boundary=XyZ"
        } else {
            "application/json"
        };
        let mut req = Request::post(&path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::new(Stalled))
            .expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(common::router::PEER));
        let app = router(fx.app.state.clone());
        let (status, body) = rt.block_on(async {
            let resp = app.oneshot(req).await.expect("infallible");
            let status = resp.status();
            let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
                .await
                .expect("body");
            (status, body.to_vec())
        });
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{path}");
        assert_eq!(error_code(&body), "timeout", "{path}: {body:?}");
    }
    assert_eq!(fx.journal_len(), len0);
}

/// Any calendar day chrono can hold, from its first to its last.
fn any_day() -> impl Strategy<Value = chrono::NaiveDate> {
    let first = chrono::NaiveDate::MIN.num_days_from_ce();
    let last = chrono::NaiveDate::MAX.num_days_from_ce();
    prop_oneof![
        (first..=last).prop_map(chrono::NaiveDate::from_num_days_from_ce_opt),
        (-3650i32..3650).prop_map(|d| chrono::NaiveDate::from_ymd_opt(2022, 3, 31)
            .and_then(|b| b.checked_add_signed(chrono::Duration::days(d.into())))),
        Just(Some(chrono::NaiveDate::MIN)),
        Just(Some(chrono::NaiveDate::MAX)),
    ]
    .prop_filter_map("a day", |d| d)
}

/// Deadlines and as-of days at the ends of the calendar: the figures that count days
/// (overdue, days left) must not overflow into a panic, whatever was stored.
#[test]
fn deadlines_and_as_of_days_at_the_ends_of_the_calendar_never_make_a_server_error() {
    let fx = Fixture::new();
    let mut r = runner(80);
    r.run(
        &(
            0usize..64,
            any_day(),
            any_day(),
            prop::sample::select(KINDS),
        ),
        |(pick, to, as_of, kind)| {
            let id = fx.findings[pick % fx.findings.len()].clone();
            let round = fx.rounds[pick % fx.rounds.len()].clone();
            let version = fx.version(&id).unwrap_or(0);
            let body = json!({"kind": kind, "to": to, "based_on": version, "note": "edge"});
            post_event(
                &fx,
                "edge event",
                &Target::Known(pick),
                &Auth::Supervisor,
                Some("application/json"),
                serde_json::to_vec(&body).expect("json"),
            )?;
            let day = enc(&as_of.to_string());
            for path in [
                format!("/api/v1/findings?round={round}&as_of={day}"),
                format!("/api/v1/findings?round={round}&as_of={day}&status=open"),
                format!("/api/v1/rounds/{round}/summary?as_of={day}"),
                format!("/api/v1/findings/{}", enc(&id)),
                "/api/v1/checkpoint".to_string(),
            ] {
                let req = fx
                    .authorize(Request::get(&path), &Auth::Supervisor)
                    .body(Body::empty())
                    .expect("request");
                let (status, body) = fx.send(req);
                check_answer(&format!("GET {path}"), status, &body)?;
                prop_assert!(status.is_success(), "GET {path}: {status}");
            }
            Ok(())
        },
    )
    .unwrap();
}
