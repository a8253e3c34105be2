//! Where the registry lives. One interface ([`RegistrySource`]) with implementations
//! for local files and for the registry server (the HTTP client with its cache and
//! outbox); the edges never know which.

pub mod atomic;
pub mod checkpoint;
pub mod commit;
pub mod demo;
pub mod error;
pub mod export;
pub mod import;
pub mod journal;
pub mod local;
pub mod perm;
pub mod postgres;
pub mod posts;
pub mod remote;
pub mod rng;
pub mod sqlite;

pub use error::{InputError, StoreError};
pub use local::{Feed, LocalStore};

use govcheck_domain::event::Event;
use govcheck_domain::registry::Registry;
use govcheck_domain::rules::Posts;

/// The registry as of a journal position.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub registry: Registry,
    /// Sequence number of the last batch applied (0 for an empty store).
    pub seq: u64,
    /// Set when the registry could not be reached and this came from the local cache:
    /// when the cached copy was fetched. Screens show it as stale with its age.
    pub stale_since: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// The one registry interface the console, the CLI and the server are written against.
pub trait RegistrySource: Send + Sync {
    /// Where the data comes from, for the status line (`local: /path`, `https://…`).
    fn describe(&self) -> String;
    /// Read everything, current as of now.
    fn load(&self) -> Result<Snapshot, StoreError>;
    /// An opaque number that changes whenever the data does, cheap to ask for: lets a
    /// viewer notice another supervisor's change without reloading.
    fn change_token(&self) -> Result<u64, StoreError>;
    /// Append events to findings' histories. Each may name the finding version it was
    /// based on; a different current version is a conflict and nothing is written.
    /// Durable before it returns; returns the new sequence number.
    fn append_events(&self, events: Vec<(Event, Option<u32>)>) -> Result<u64, StoreError>;
    /// Post timestamps for the automatic rules.
    fn posts(&self) -> Result<Posts, StoreError>;
    /// The registry as far as a point command needs it: every round, and each of
    /// `findings` with its account, the account's regions and its history (a finding
    /// that does not exist is left out). A source that can read parts (a database)
    /// reads only these; the default loads everything.
    fn load_part(&self, findings: &[&str]) -> Result<Snapshot, StoreError> {
        let _ = findings;
        self.load()
    }
    /// Who the source says we are (a registry's token holder), for the status line;
    /// `None` for a local store, where the configured name is what is recorded.
    fn identity(&self) -> Option<String> {
        None
    }
    /// Actions taken offline that the registry refused when they were sent, not yet
    /// dismissed (`govcheck outbox`): screens keep saying so until someone has looked.
    fn refused_offline(&self) -> usize {
        0
    }
    /// The findings with an action waiting in the outbox (taken offline, not yet sent):
    /// screens show them as pending and do not offer the action again, which would
    /// queue a second copy. Empty for a source that writes at once.
    fn pending_findings(&self) -> std::collections::BTreeSet<String> {
        std::collections::BTreeSet::new()
    }
}

/// What the registry server needs of its storage beyond [`RegistrySource`]: the change
/// feed, the raw posts file and imports. The server's handlers are written against this
/// alone, so a database backend for a larger deployment implements it and no handler
/// changes. [`LocalStore`] is the implementation today.
pub trait ServedStore: RegistrySource {
    /// The batches after `since`, with the checksums clients prove their copy with.
    fn feed(&self, since: u64) -> Result<Feed, StoreError>;
    /// The posts file as stored (`posts.tsv`), empty when there is none.
    fn posts_bytes(&self) -> Result<Vec<u8>, StoreError>;
    /// Import registry files, all or nothing.
    fn import(
        &self,
        files: &[import::SourceFile],
        ctx: &import::ImportContext<'_>,
    ) -> Result<import::ImportReport, StoreError>;
    /// The store's last sequence number, changing as soon as anyone writes (a database
    /// shared by several servers tells each of them at once): a server's change feed
    /// wakes on it. `None` where the server must look for itself (it does every
    /// second).
    fn changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }
}

impl ServedStore for LocalStore {
    fn feed(&self, since: u64) -> Result<Feed, StoreError> {
        LocalStore::feed(self, since)
    }
    fn posts_bytes(&self) -> Result<Vec<u8>, StoreError> {
        LocalStore::posts_bytes(self)
    }
    fn import(
        &self,
        files: &[import::SourceFile],
        ctx: &import::ImportContext<'_>,
    ) -> Result<import::ImportReport, StoreError> {
        import::import(self, files, ctx)
    }
}
