//! How govcheck's logs are written, in one place for the console and the server: every
//! log line is a `tracing` event, written as one line stamped in the office's time zone
//! (never the host's `/etc/localtime`), with every control character from data made
//! visible ([`govcheck_domain::text::sanitize`]) so a registry entry or a client's path
//! cannot move a terminal's cursor when an operator `tail`s the log.
//!
//! Which events are written is chosen with `GOVCHECK_LOG` ([`ENV`]), in `RUST_LOG`'s
//! syntax (`warn`, `info,govcheck_server=debug`); unset, everything at `info` and above.
//! Only the console and `govcheck serve` install a subscriber: the other commands stay
//! as quiet as they always were.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use chrono_tz::Tz;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder};

/// Hold it while logging: dropping it writes the lines still queued.
pub use tracing_appender::non_blocking::WorkerGuard;
/// What [`filter`] returns: which events are written.
pub use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

/// The environment variable that filters the log (`RUST_LOG` syntax).
pub const ENV: &str = "GOVCHECK_LOG";

/// The target of the server's access-log events: one per request, with the fields
/// `method`, `path`, `status`, `who` (the token's name as the server verified it, `-`
/// for none), `latency_ms` and `peer` (the client's address as the server established
/// it). They are written in the order offices' scripts read:
/// `<time> <method> <path> <status> <who> <latency>ms <peer>`.
pub const ACCESS: &str = "govcheck::access";

/// The server's stamp: seconds are enough for an access log.
pub const SECONDS: &str = "%Y-%m-%dT%H:%M:%S%:z";
/// The console's stamp: its start-up milestones are read to the millisecond.
pub const MILLIS: &str = "%Y-%m-%dT%H:%M:%S%.3f%z";

/// A `GOVCHECK_LOG` that does not parse: refused before anything starts, naming it.
#[derive(Debug, thiserror::Error)]
#[error("{ENV}={value:?}: {reason} (e.g. {ENV}=info or {ENV}=warn,govcheck::access=info)")]
pub struct FilterError {
    pub value: String,
    pub reason: String,
}

/// The filter from `GOVCHECK_LOG`, or `info` when it is unset or empty.
pub fn filter_from_env() -> Result<EnvFilter, FilterError> {
    let value = std::env::var(ENV).unwrap_or_default();
    filter(&value)
}

/// The filter `value` describes (`RUST_LOG` syntax; empty means `info`).
pub fn filter(value: &str) -> Result<EnvFilter, FilterError> {
    EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .parse(value)
        .map_err(|e| FilterError {
            value: value.to_string(),
            reason: e.to_string(),
        })
}

/// The line format: `<stamp> <message>[ key=value…]`, or the access-log line for
/// [`ACCESS`] events. No level and no target: the lines read as they did before they
/// went through `tracing`, and scripts that grep them keep working.
#[derive(Debug, Clone, Copy)]
pub struct Lines {
    pub tz: Tz,
    /// A chrono format ([`SECONDS`] or [`MILLIS`]).
    pub stamp: &'static str,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let now = chrono::Utc::now().with_timezone(&self.tz);
        let mut fields = Fields::default();
        event.record(&mut fields);
        writeln!(
            writer,
            "{} {}",
            now.format(self.stamp),
            fields.line(event.metadata().target() == ACCESS)
        )
    }
}

/// An event's message and fields, as text.
#[derive(Default)]
struct Fields {
    message: String,
    others: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = value;
        } else {
            self.others.push((field.name(), value));
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.others
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The line after the stamp, made safe to print (one line, no control character).
    fn line(&self, access: bool) -> String {
        let text = match self.access_line() {
            Some(line) if access => line,
            _ => {
                let mut text = self.message.clone();
                for (name, value) in &self.others {
                    let _ = write!(text, " {name}={value}");
                }
                text
            }
        };
        govcheck_domain::text::sanitize(text.trim_start())
    }

    fn access_line(&self) -> Option<String> {
        let f = |name| self.get(name).unwrap_or("-");
        self.get("status")?;
        Some(format!(
            "{} {} {} {} {}ms {}",
            f("method"),
            f("path"),
            f("status"),
            f("who"),
            f("latency_ms"),
            f("peer")
        ))
    }
}

/// A subscriber writing [`Lines`] through `writer`, filtered by `filter`.
pub fn subscriber<W>(
    writer: W,
    tz: Tz,
    stamp: &'static str,
    filter: EnvFilter,
) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .event_format(Lines { tz, stamp })
        .finish()
}

/// Why a process's log could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Filter(#[from] FilterError),
    #[error("the process's log was already set up")]
    Twice,
}

/// The server's log, as `govcheck serve` runs it: [`Lines`] stamped to the second on
/// stderr, filtered by `GOVCHECK_LOG`, written by a worker thread so a slow reader of
/// stderr never stalls a request. For the whole process; hold the guard until it ends.
pub fn to_stderr(tz: Tz) -> Result<WorkerGuard, InstallError> {
    let filter = filter_from_env()?;
    let (writer, guard) = non_blocking(std::io::stderr());
    tracing::subscriber::set_global_default(subscriber(writer, tz, SECONDS, filter))
        .map_err(|_| InstallError::Twice)?;
    Ok(guard)
}

/// `out` behind a worker thread: the caller never waits on the disk or on a pipe's
/// reader. Lines are queued, never dropped (a full queue, 128 000 lines behind, makes
/// the caller wait rather than lose one); they are all written by the time the guard
/// is dropped, so hold it until the process ends.
pub fn non_blocking<W: std::io::Write + Send + 'static>(out: W) -> (NonBlocking, WorkerGuard) {
    NonBlockingBuilder::default().lossy(false).finish(out)
}

/// Lines kept in memory, to read back what was logged (the tests of what the console
/// and the server log).
#[derive(Clone, Default)]
pub struct Memory(Arc<Mutex<Vec<u8>>>);

impl Memory {
    /// Everything written so far (not valid UTF-8 is shown replaced, never refused).
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

impl std::io::Write for Memory {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("a writer panicked"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Memory {
    type Writer = Memory;
    fn make_writer(&'a self) -> Memory {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(filter_text: &str, emit: impl FnOnce()) -> String {
        let out = Memory::default();
        let sub = subscriber(
            out.clone(),
            chrono_tz::Asia::Shanghai,
            SECONDS,
            filter(filter_text).expect("filter"),
        );
        tracing::subscriber::with_default(sub, emit);
        out.text()
    }

    #[test]
    fn an_access_event_is_the_access_line() {
        let text = logged("", || {
            tracing::info!(
                target: ACCESS,
                method = "GET",
                path = "/api/v1/health",
                status = 200u16,
                who = "张三",
                latency_ms = 3u64,
                peer = "127.0.0.1"
            );
        });
        let line = text.strip_suffix('\n').expect("one line");
        let (stamp, rest) = line.split_once(' ').expect("stamped");
        assert!(stamp.ends_with("+08:00"), "{line}");
        assert_eq!(rest, "GET /api/v1/health 200 张三 3ms 127.0.0.1");
    }

    #[test]
    fn control_characters_from_data_never_reach_the_log() {
        let text = logged("", || {
            tracing::info!(
                target: ACCESS,
                method = "GET",
                path = "/x\u{1b}]0;owned\u{7}\n",
                status = 404u16,
                who = "-",
                latency_ms = 0u64,
                peer = "::1"
            );
            tracing::warn!(note = "a\u{1b}[2Jb", "console start on {}", "/tmp/\u{9b}x");
        });
        assert_eq!(text.lines().count(), 2, "{text:?}");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("console start on /tmp/"), "{text}");
    }

    #[test]
    fn the_filter_is_govcheck_log_syntax() {
        let text = logged("warn", || {
            tracing::info!("quiet");
            tracing::warn!("heard");
        });
        assert!(!text.contains("quiet") && text.contains("heard"), "{text}");
        let err = filter("info,[").expect_err("bad");
        assert!(
            err.to_string().starts_with("GOVCHECK_LOG=\"info,[\""),
            "{err}"
        );
    }
}
