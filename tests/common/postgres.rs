//! A PostgreSQL server for the tests, when there is one: `GOVCHECK_TEST_POSTGRES`
//! names it (`postgres://govcheck:govcheck@localhost/govcheck`, a role that may create
//! databases). Each test gets a database of its own, so tests run in parallel. Without
//! the variable, or with a server that does not answer, the PostgreSQL half of a suite
//! is skipped and says so in one line.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const VAR: &str = "GOVCHECK_TEST_POSTGRES";

/// Run `sql` (one or more statements) at `url`, plain TCP; panics on failure.
pub fn exec(url: &str, sql: &str) {
    try_exec(url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Run `sql` at `url`; the database's error as text.
pub fn try_exec(url: &str, sql: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        let driver = tokio::spawn(conn);
        let out = client.batch_execute(sql).await.map_err(|e| {
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string())
        });
        drop(client);
        let _ = driver.await;
        out
    })
}

/// The server's URL, when one is configured and answers; the first caller without one
/// prints the skip line.
pub fn server() -> Option<&'static str> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        let url = std::env::var(VAR).ok().filter(|u| !u.trim().is_empty());
        let Some(url) = url else {
            say(&format!("PostgreSQL half skipped: {VAR} not set"));
            return None;
        };
        match try_exec(&url, "SELECT 1") {
            Ok(()) => Some(url),
            Err(e) => {
                say(&format!(
                    "PostgreSQL half skipped: {VAR} does not answer ({e})"
                ));
                None
            }
        }
    })
    .as_deref()
}

/// One line on stderr that the test harness does not capture: `cargo test` shows it.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A new, empty database on the test server, and its URL.
pub fn fresh_database() -> Option<String> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let server = server()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "gct_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    exec(server, &format!("CREATE DATABASE {name}"));
    Some(with_database(server, &name))
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}
