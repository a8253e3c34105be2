//! The server keeps the contract of docs/openapi.json where schemathesis
//! (scripts/schemathesis.sh) found it did not: every error is the JSON error object.
//! Driven through the router in-process (tests/common/router.rs).

mod common;

use common::router::{App, request};
use common::server::setup;
use serde_json::Value;

/// A path segment that is not UTF-8 once percent-decoded (`%FF`) was answered by
/// axum's own rejection, `text/plain` "Invalid URL", not the JSON error every client
/// parses: now 400 `bad_request` in the documented shape, on each route with an id.
#[test]
fn an_id_that_is_not_utf8_is_a_json_bad_request() {
    let (s, _sup, _viewer, admin) = setup();
    let app = App::over(&s);
    for (method, path) in [
        ("GET", "/api/v1/findings/%FF"),
        ("GET", "/api/v1/rounds/%FF/summary"),
        ("POST", "/api/v1/findings/%FF/events"),
    ] {
        let body = (method == "POST").then_some(r#"{"kind":"verified","based_on":1}"#);
        let (status, headers, body) = app.send(request(method, path, &admin, body));
        assert_eq!(status.as_u16(), 400, "{method} {path}");
        let ctype = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            ctype.starts_with("application/json"),
            "{method} {path}: {ctype}"
        );
        let v: Value = serde_json::from_slice(&body).expect("a JSON body");
        assert_eq!(v["error"]["code"], "bad_request", "{method} {path}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("id")),
            "{method} {path}: {v}"
        );
    }
}
