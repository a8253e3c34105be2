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
        let file = crate::store::perm::create_dir_all(dir)
            .ok()
            .and_then(|_| crate::store::perm::open(OpenOptions::new().append(true), &path).ok())
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
            let _ = writeln!(f, "{now} {}", crate::domain::text::sanitize(msg));
        }
    }
}
