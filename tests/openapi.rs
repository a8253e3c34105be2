//! docs/openapi.json is generated from the API's wire types (crates/api): the committed
//! file must be what the code generates, the error codes are the enum's, and what the
//! server really sends fits the description (checked in-process against the router).
//!
//! After changing the wire types: `UPDATE_OPENAPI=1 cargo test -p govcheck --test
//! openapi` rewrites docs/openapi.json (then review the diff and commit it).

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use govcheck::api::ErrorCode;
use govcheck::server::auth::{Role, Tokens};
use govcheck::server::{AppState, router};
use govcheck::store::RegistrySource;
use serde_json::{Value, json};
use tower::ServiceExt;

fn committed_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json")
}

fn spec() -> Value {
    serde_json::from_str(&govcheck::api::openapi::to_json()).expect("the description is JSON")
}

#[test]
fn the_committed_description_is_the_generated_one() {
    let generated = govcheck::api::openapi::to_json();
    let path = committed_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).expect("docs/openapi.json");
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(generated.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "docs/openapi.json is not what the wire types generate (first difference at line {line}).\n\
             Regenerate it with: UPDATE_OPENAPI=1 cargo test -p govcheck --test openapi\n\
             then review and commit the diff."
        );
    }
}

#[test]
fn every_error_code_is_in_the_description_and_the_server_uses_only_those() {
    let spec = spec();
    let documented: Vec<String> = spec["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("the error code enum")
        .iter()
        .map(|c| c.as_str().expect("a code").to_string())
        .collect();
    let codes: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| {
            // What is sent is what the description and `as_str` say.
            let sent = serde_json::to_value(c).expect("code");
            assert_eq!(sent, json!(c.as_str()));
            c.as_str().to_string()
        })
        .collect();
    assert_eq!(documented, codes);
    // Today's codes are all still there (clients switch on them).
    for kept in [
        "bad_request",
        "bad_input",
        "unauthorized",
        "forbidden",
        "not_found",
        "method_not_allowed",
        "conflict",
        "diverged",
        "not_allowed",
        "payload_too_large",
        "timeout",
        "too_many_requests",
        "busy",
        "tokens_unavailable",
        "internal",
    ] {
        assert!(documented.iter().any(|c| c == kept), "{kept} is gone");
    }
    // The error envelope points at the enum.
    assert_eq!(
        spec["components"]["schemas"]["ErrorObject"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode"
    );
    // The server builds every error through the typed code: no code as a string, no
    // error body by hand.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/server/src");
    let mut calls = 0;
    for entry in std::fs::read_dir(&dir).expect("crates/server/src") {
        let file = entry.expect("entry").path();
        if file.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source");
        for (at, _) in text.match_indices("ApiError::new(") {
            let arg = text[at + "ApiError::new(".len()..].trim_start();
            let typed_here = file.ends_with("error.rs")
                && (arg.starts_with("code: ErrorCode") || arg.starts_with("code,"));
            if typed_here {
                continue; // the definition, and the mapping of store errors
            }
            calls += 1;
            assert!(
                arg.starts_with("ErrorCode::") || arg.starts_with("govcheck_api::ErrorCode::"),
                "{}: ApiError::new without a typed code: {}",
                file.display(),
                &arg[..arg.len().min(60)]
            );
        }
        assert!(
            !text.contains("\"error\":") && !text.contains("[\"error\"]"),
            "{}: an error body built by hand",
            file.display()
        );
    }
    assert!(calls >= 5, "the scan found {calls} calls");
}

/// A served demo store, driven in-process.
struct Served {
    _sandbox: common::Sandbox,
    state: Arc<AppState>,
    rt: tokio::runtime::Runtime,
    supervisor: String,
    finding: String,
}

impl Served {
    fn new() -> Served {
        let sandbox = common::Sandbox::new();
        sandbox.demo();
        let local = common::open_store(&sandbox.store());
        let snap = local.load().expect("load");
        let finding = snap.registry.findings()[0].id.clone();
        let tokens_path = sandbox.path("tokens.json");
        let now = chrono::Utc::now().fixed_offset();
        let mut tokens = Tokens::load(&tokens_path).expect("tokens");
        let supervisor = tokens
            .create("王芳", Role::Supervisor, None, now)
            .expect("create");
        let state = AppState::new(
            Arc::new(local),
            govcheck::domain::indicator::Catalogue::builtin(),
            chrono_tz::Asia::Shanghai,
            Tokens::load(&tokens_path).expect("tokens"),
        )
        .expect("state");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Served {
            _sandbox: sandbox,
            state,
            rt,
            supervisor,
            finding,
        }
    }

    fn send(&self, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {}", self.supervisor));
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let mut req = req
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 40000))));
        let app = router(self.state.clone());
        self.rt.block_on(async {
            let resp = app.oneshot(req).await.expect("infallible");
            let status = resp.status().as_u16();
            let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
                .await
                .expect("body");
            (status, serde_json::from_slice(&bytes).expect("a JSON body"))
        })
    }
}

/// The schema of the JSON answer of `method path` with `status`.
fn response_schema<'a>(spec: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let mut resp = &spec["paths"][path][method]["responses"][status.to_string()];
    if let Some(r) = resp["$ref"].as_str() {
        resp = resolve(spec, r);
    }
    let schema = &resp["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} {status}: not in the description"
    );
    schema
}

fn resolve<'a>(spec: &'a Value, reference: &str) -> &'a Value {
    let mut at = spec;
    for part in reference.trim_start_matches("#/").split('/') {
        at = &at[part];
    }
    assert!(!at.is_null(), "{reference} does not resolve");
    at
}

/// The properties a schema lists, through `$ref` and `allOf`; `None` when it leaves
/// the object open (no properties, or additionalProperties: true).
fn listed(spec: &Value, schema: &Value) -> Option<Vec<String>> {
    if let Some(r) = schema["$ref"].as_str() {
        return listed(spec, resolve(spec, r));
    }
    if let Some(all) = schema["allOf"].as_array() {
        let mut keys = Vec::new();
        for s in all {
            keys.extend(listed(spec, s)?);
        }
        return Some(keys);
    }
    if schema["additionalProperties"] == json!(true) {
        return None;
    }
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
}

/// Whether `v` fits `schema`: types, enums, required fields, minimum, and no field the
/// description does not list (a field the code added and the description forgot).
fn check(spec: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        return check(spec, resolve(spec, r), v, at, errors);
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let fits = one
            .iter()
            .filter(|s| {
                let mut e = Vec::new();
                check(spec, s, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if fits != 1 {
            errors.push(format!("{at}: fits {fits} of the oneOf variants: {v}"));
        }
        return;
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            // The fields are checked against all the parts together, below.
            let mut part = s.clone();
            if let Some(r) = s["$ref"].as_str() {
                part = resolve(spec, r).clone();
            }
            part["additionalProperties"] = json!(true);
            check(spec, &part, v, at, errors);
        }
        check_fields(spec, schema, v, at, errors);
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    if !types.is_empty() && !types.contains(&kind) {
        errors.push(format!("{at}: a {kind}, described as {types:?}"));
        return;
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(v)
    {
        errors.push(format!("{at}: {v} is not one of {options:?}"));
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), v.as_f64())
        && n < min
    {
        errors.push(format!("{at}: {n} is under the minimum {min}"));
    }
    match v {
        Value::Array(items) if schema["items"].is_object() => {
            for (i, item) in items.iter().enumerate() {
                check(spec, &schema["items"], item, &format!("{at}[{i}]"), errors);
            }
        }
        Value::Object(_) => check_fields(spec, schema, v, at, errors),
        _ => {}
    }
}

fn check_fields(spec: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(fields) = v.as_object() else {
        return;
    };
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().unwrap_or_default();
        if !fields.contains_key(r) {
            errors.push(format!("{at}: no {r}, which is required"));
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        for (k, s) in props {
            if let Some(field) = fields.get(k) {
                check(spec, s, field, &format!("{at}.{k}"), errors);
            }
        }
    }
    if let Some(keys) = listed(spec, schema) {
        for k in fields.keys().filter(|k| !keys.contains(k)) {
            errors.push(format!("{at}: {k} is sent but not described"));
        }
    }
}

fn assert_fits(spec: &Value, path: &str, method: &str, status: u16, body: &Value) {
    let mut errors = Vec::new();
    let schema = response_schema(spec, path, method, status);
    check(
        spec,
        schema,
        body,
        &format!("{method} {path} {status}"),
        &mut errors,
    );
    assert!(errors.is_empty(), "{errors:#?}");
}

/// What the server sends, read back from the router, fits the generated description:
/// every read, an event recorded, a conflict with its typed detail, a refusal.
#[test]
fn what_the_server_sends_fits_the_description() {
    let spec = spec();
    let s = Served::new();
    let id = s.finding.clone();
    let reads = [
        ("/api/v1/health", "/api/v1/health".to_string()),
        ("/api/v1/me", "/api/v1/me".to_string()),
        ("/api/v1/regions", "/api/v1/regions".to_string()),
        (
            "/api/v1/accounts",
            "/api/v1/accounts?per_page=50".to_string(),
        ),
        ("/api/v1/rounds", "/api/v1/rounds".to_string()),
        (
            "/api/v1/rounds/{id}/summary",
            "/api/v1/rounds/2022Q1/summary?as_of=2022-05-01".to_string(),
        ),
        (
            "/api/v1/findings",
            "/api/v1/findings?round=2022Q1&per_page=200&as_of=2022-05-01".to_string(),
        ),
        ("/api/v1/findings/{id}", format!("/api/v1/findings/{id}")),
    ];
    for (path, uri) in &reads {
        let (status, body) = s.send("GET", uri, None);
        assert_eq!(status, 200, "{uri}: {body}");
        assert_fits(&spec, path, "get", 200, &body);
    }
    let (_, before) = s.send("GET", &format!("/api/v1/findings/{id}"), None);
    let version = before["version"].as_u64().expect("version");
    let event = json!({"kind": "rectification_reported", "note": "已整改", "based_on": version});
    let events = format!("/api/v1/findings/{id}/events");
    let (status, created) = s.send("POST", &events, Some(event.clone()));
    assert_eq!(status, 201, "{created}");
    assert_fits(&spec, "/api/v1/findings/{id}/events", "post", 201, &created);
    // The same again: a conflict, whose detail is typed and described.
    let (status, conflict) = s.send("POST", &events, Some(event));
    assert_eq!(status, 409, "{conflict}");
    assert_fits(
        &spec,
        "/api/v1/findings/{id}/events",
        "post",
        409,
        &conflict,
    );
    let last = &conflict["error"]["detail"]["last_change"];
    assert_eq!(last["version"], json!(version + 1), "{conflict}");
    assert_eq!(last["kind"], "rectification_reported", "{conflict}");
    assert_eq!(last["status"], "rectified", "{conflict}");
    assert_eq!(last["by"], "王芳", "{conflict}");
    assert!(last["at"].is_string(), "{conflict}");
    // The change feed since the write before it.
    let seq = created["seq"].as_u64().expect("seq");
    let (status, feed) = s.send("GET", &format!("/api/v1/changes?since={}", seq - 1), None);
    assert_eq!(status, 200, "{feed}");
    assert_fits(&spec, "/api/v1/changes", "get", 200, &feed);
    assert_eq!(feed["batches"].as_array().map(Vec::len), Some(1), "{feed}");
    // Refusals: the envelope with a code of the enum.
    for (path, method, uri, want) in [
        (
            "/api/v1/findings/{id}",
            "get",
            "/api/v1/findings/nope".to_string(),
            404,
        ),
        (
            "/api/v1/findings",
            "get",
            "/api/v1/findings?round=2022Q1&per_page=0".to_string(),
            400,
        ),
        (
            "/api/v1/changes",
            "get",
            "/api/v1/changes?crc=xyz".to_string(),
            400,
        ),
    ] {
        let (status, body) = s.send(&method.to_uppercase(), &uri, None);
        assert_eq!(status, want, "{uri}: {body}");
        assert_fits(&spec, path, method, status, &body);
    }
}
