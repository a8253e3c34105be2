//! The console's log: a file under the user's state directory, never the screen (a
//! stray line on a full-screen UI corrupts it).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct Log {
    file: Option<Mutex<File>>,
    pub path: PathBuf,
    /// The office's time zone (compiled in, never the host's /etc/localtime).
    tz: chrono_tz::Tz,
}

impl Log {
    /// Open (append) `dir/console.log`, stamping lines in `tz`; without a writable
    /// directory, logging is off.
    pub fn open(dir: &Path, tz: chrono_tz::Tz) -> Log {
        let path = dir.join("console.log");
        // Private (0600 in a 0700 directory): the log names findings and servers.
        let file = govcheck_store::perm::create_dir_all(dir)
            .ok()
            .and_then(|_| govcheck_store::perm::open(OpenOptions::new().append(true), &path).ok())
            .map(Mutex::new);
        Log { file, path, tz }
    }

    pub fn line(&self, msg: &str) {
        if let Some(f) = &self.file
            && let Ok(mut f) = f.lock()
        {
            let now = chrono::Utc::now()
                .with_timezone(&self.tz)
                .format("%Y-%m-%dT%H:%M:%S%.3f%z");
            let _ = writeln!(f, "{now} {}", govcheck_domain::text::sanitize(msg));
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_log_is_private() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("state/govcheck");
        let log = Log::open(&dir, chrono_tz::Asia::Shanghai);
        log.line("opened 2022Q1-0006");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o7777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join("state")), 0o700);
        assert_eq!(mode(&log.path), 0o600);
        let text = std::fs::read_to_string(&log.path).expect("log");
        assert!(text.contains("opened 2022Q1-0006"), "{text}");
    }
}
