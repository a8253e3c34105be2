//! The console's log: `console.log` under the user's state directory, never the screen
//! (a stray line on a full-screen UI corrupts it). The console logs through `tracing`;
//! this is where those events go: a worker thread appends them to the file, so the UI
//! thread never waits on the disk. The file is not rotated (one session appends a few
//! lines: start, failures, exit).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use tracing::Dispatch;

use govcheck_logging::{EnvFilter, WorkerGuard};

pub struct Log {
    pub path: PathBuf,
    /// Where events go; none without a writable state directory (logging is off).
    dispatch: Option<Dispatch>,
    /// Writes what is still queued when the log is dropped (at the console's exit).
    _flush: Option<WorkerGuard>,
}

impl Log {
    /// Open (append) `dir/console.log` for events passing `filter`, stamping lines in
    /// the office's time zone `tz` (never the host's /etc/localtime).
    pub fn open(dir: &Path, tz: chrono_tz::Tz, filter: EnvFilter) -> Log {
        let path = dir.join("console.log");
        // Private (0600 in a 0700 directory): the log names findings and servers.
        let file = govcheck_store::perm::create_dir_all(dir)
            .ok()
            .and_then(|_| govcheck_store::perm::open(OpenOptions::new().append(true), &path).ok());
        let Some(file) = file else {
            return Log {
                path,
                dispatch: None,
                _flush: None,
            };
        };
        let (writer, flush) = govcheck_logging::non_blocking(file);
        let subscriber = govcheck_logging::subscriber(writer, tz, govcheck_logging::MILLIS, filter);
        Log {
            path,
            dispatch: Some(Dispatch::new(subscriber)),
            _flush: Some(flush),
        }
    }

    /// Make this the log of every thread of the process (the console's runtime workers
    /// included). Once per process: a second call leaves the first log in place.
    pub fn install(&self) {
        if let Some(d) = &self.dispatch {
            let _ = tracing::dispatcher::set_global_default(d.clone());
        }
    }

    /// Where events go, for running code under this log without installing it.
    pub fn dispatch(&self) -> Option<&Dispatch> {
        self.dispatch.as_ref()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_log_is_private_and_written_through_tracing() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("state/govcheck");
        let filter = govcheck_logging::filter("").expect("filter");
        let log = Log::open(&dir, chrono_tz::Asia::Shanghai, filter);
        let dispatch = log.dispatch().expect("opened").clone();
        tracing::dispatcher::with_default(&dispatch, || {
            tracing::info!("opened {}", "2022Q1-0006");
            tracing::debug!("below the default filter");
        });
        let path = log.path.clone();
        drop(dispatch);
        // Dropping the log writes what the worker still holds.
        drop(log);
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o7777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join("state")), 0o700);
        assert_eq!(mode(&path), 0o600);
        let text = std::fs::read_to_string(&path).expect("log");
        let line = text.lines().next().expect("a line");
        assert!(line.ends_with("+0800 opened 2022Q1-0006"), "{text}");
        assert!(!text.contains("below the default filter"), "{text}");
    }
}
