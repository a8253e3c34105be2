//! Helpers for the tests that run the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_govcheck");

/// A sandbox: its own config and data dirs, so no test touches the user's.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn store(&self) -> PathBuf {
        self.path("store")
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env("GOVCHECK_CONFIG_DIR", self.path("config"))
            .env("GOVCHECK_DATA_DIR", self.path("default-store"))
            .env("GOVCHECK_CACHE_DIR", self.path("cache"))
            .env("GOVCHECK_STATE_DIR", self.path("state"))
            .env("USER", "tester")
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION")
            .env("NO_COLOR", "1");
        c
    }

    /// Run with `--data <store>` and the given args.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd()
            .arg("--data")
            .arg(self.store())
            .args(args)
            .output()
            .expect("run govcheck")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "govcheck {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8 stdout")
    }

    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "govcheck {args:?} should fail with 1; stdout {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).expect("utf8 stderr")
    }

    pub fn demo(&self) {
        self.ok(&["init", "--demo"]);
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// Everything the store records, whichever engine holds it: what a test compares
    /// to say "nothing was written" (see [`contents`]).
    pub fn contents(&self) -> Vec<u8> {
        contents(&self.store())
    }
}

/// The SQLite registry in the data directory `data` (what `govcheck init` creates).
pub fn open_store(data: &Path) -> govcheck::store::sqlite::SqliteStore {
    let db = govcheck::store::sqlite::locate(data).expect("an SQLite registry");
    govcheck::store::sqlite::SqliteStore::open(&db).expect("open the database")
}

/// Everything a store records: every batch as the journal encodes it (sequence number,
/// who, when, changes), then the posts as the posts file holds them. The same for a
/// journal directory and an SQLite registry with the same history, and unchanged by
/// anything that writes nothing (a reader opening the database, a checkpoint).
pub fn contents(data: &Path) -> Vec<u8> {
    use govcheck::store::sqlite::{SqliteStore, locate};
    match locate(data) {
        Some(db) => {
            let store = SqliteStore::open(&db).expect("open the database");
            let mut out = Vec::new();
            for b in store.batches_since(0).expect("batches") {
                out.extend(govcheck::store::journal::encode(&b).expect("encode"));
            }
            out.extend(govcheck::store::posts::render(
                &store.raw_posts().expect("posts"),
            ));
            out
        }
        None => {
            let mut out = std::fs::read(data.join("journal.jsonl")).expect("journal");
            out.extend(std::fs::read(data.join("posts.tsv")).unwrap_or_default());
            out
        }
    }
}

pub mod console;
pub mod postgres;
pub mod router;
pub mod server;

pub fn exists(p: &Path) -> bool {
    p.exists()
}
