//! Store errors. Every one names where the problem is (file, line, column, field), so
//! a supervisor can fix the input without reading code.

use std::path::PathBuf;

use govcheck_domain::registry::ApplyError;
pub use govcheck_formats::error::{FormatError, InputError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a govcheck store; create one with `govcheck init --data {}`", .0.display(), .0.display())]
    NotAStore(PathBuf),
    #[error("{} exists and is not empty; refusing to create a store over it", .0.display())]
    NotEmpty(PathBuf),
    #[error("{}: written by a newer govcheck (store format {found}); this version reads format {supported}. Upgrade govcheck; nothing was read or changed", path.display())]
    NewerFormat {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{}, line {line}: {message}", path.display())]
    Corrupt {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error(transparent)]
    Rejected(#[from] ApplyError),
    #[error(
        "finding {finding} changed meanwhile (you saw version {expected}, it is now at {actual}); reload and try again"
    )]
    Conflict {
        finding: String,
        expected: u32,
        actual: u32,
        /// Who changed the finding, when and to what, when the store could say.
        last: Option<Box<govcheck_domain::event::LastChange>>,
    },
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A notice that cannot become a round (an unknown region or problem, a round that
    /// exists): nothing was written.
    #[error(transparent)]
    Notice(#[from] govcheck_domain::notice::NoticeError),
    /// Another writer (an import, as a rule) held the store longer than this writer
    /// may wait; nothing was written.
    #[error("{}: another writer (an import?) has held the store for over {} s; nothing was written, try again shortly", path.display(), waited.as_secs())]
    Busy {
        path: PathBuf,
        waited: std::time::Duration,
    },
    #[error("{0}")]
    Other(String),
    /// A text over its length limit (a note on an event): refused, nothing written.
    #[error(transparent)]
    TooLong(#[from] govcheck_domain::limits::TooLong),
    /// A write failed after part of it reached the disk and undoing that part failed
    /// too: the store holds either the whole change or none of it (readers and the next
    /// writer see one consistent state), but which one cannot be told from here. Every
    /// other error from a write means nothing was written.
    #[error("{}: {source}; the change may or may not have been stored (undoing it failed too): reload to see which", path.display())]
    Unsettled {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The registry database (SQLite) failed or refused a statement; nothing of the
    /// transaction it was part of was written.
    #[error("{}: {source}", path.display())]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The PostgreSQL registry failed or refused a statement; nothing of the transaction
    /// it was part of was written. `database` names it without its password.
    #[error("{database}: {source}")]
    Postgres {
        database: String,
        #[source]
        source: tokio_postgres::Error,
    },
    /// The registry database holds something the registry cannot be built from (or its
    /// schema could not be brought up to date): names the table and the row.
    #[error("{}: {table}, {row}: {message}", path.display())]
    Schema {
        path: PathBuf,
        table: &'static str,
        row: String,
        message: String,
    },
    /// An https:// registry, and no CA certificate to verify it with.
    #[error(
        "cannot verify {url}: no CA certificates on this host (tried {tried}). Give the registry's CA with --ca-file FILE or put it in ca.pem in the config directory (`govcheck paths`), or use an http:// registry URL on a trusted intranet"
    )]
    NoTrustedRoots { url: String, tried: String },
    /// The registry server could not be reached.
    #[error("registry {url} unreachable: {message}")]
    Unreachable { url: String, message: String },
    /// The registry server could not be reached; the action was saved in the outbox
    /// and will be sent when the link returns.
    #[error("registry unreachable: the action is saved in the outbox ({}) and will be sent when the link returns", path.display())]
    Queued { path: PathBuf },
    /// The registry server refused the request.
    #[error("registry refused ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
}

impl StoreError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}
