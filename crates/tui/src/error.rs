//! Why a store task did not simply succeed, as the console must tell it apart. The
//! task runner turns a [`StoreError`] into a [`TaskError`] at the task boundary and the
//! update decides from the variant what to show and what to offer: an action queued
//! in the outbox is not a failure (it will be sent), a conflict offers a reload, and
//! only the rest is shown as "not saved" with its cause. Flattening to a `String` there
//! lost that, and a queued action read as "未保存 … saved in the outbox".
//!
//! Cloneable (unlike [`StoreError`], which holds an `io::Error`) because the dialog
//! keeps it in the state the view renders from.

use std::path::PathBuf;

use govcheck_domain::event::{LastChange, TransitionError};
use govcheck_domain::registry::ApplyError;
use govcheck_store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The registry could not be reached and the action was stored in the outbox, to
    /// be sent when the link returns: done as far as the supervisor is concerned.
    #[error("queued in the outbox ({}) and sent when the registry is reachable", path.display())]
    Queued { path: PathBuf },
    /// Another supervisor changed the finding first; nothing was written.
    #[error(
        "finding {finding} changed meanwhile (you saw version {expected}, it is now at {actual})"
    )]
    Conflict {
        finding: String,
        expected: u32,
        actual: u32,
        /// Who changed it, when and to what, when the store could say.
        last: Option<Box<LastChange>>,
    },
    /// The registry could not be reached (and nothing was queued: a read).
    #[error("registry {url} unreachable: {message}")]
    Unreachable { url: String, message: String },
    /// The registry refused the request (a role, a scope, a bad value).
    #[error("registry refused ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The action does not fit the finding's state (the domain's transition rule):
    /// typed, so the console says it in the interface language.
    #[error(transparent)]
    Transition(TransitionError),
    /// A file could not be read or written (an export, the store): the path, what
    /// kind of failure (so it can be said in the interface language) and the system's
    /// own words.
    #[error("{}: {message}", path.display())]
    Io {
        path: PathBuf,
        kind: std::io::ErrorKind,
        message: String,
    },
    /// The file to write exists and overwriting it was not confirmed: nothing written.
    #[error("{} exists", path.display())]
    Exists { path: PathBuf },
    /// Anything else, in the store's words (they name the file, line or field).
    #[error("{0}")]
    Store(String),
    /// The task itself ended without an answer (it panicked or was cancelled).
    #[error("the task ended without an answer: {0}")]
    Task(String),
}

impl From<StoreError> for TaskError {
    fn from(e: StoreError) -> TaskError {
        match e {
            StoreError::Queued { path } => TaskError::Queued { path },
            StoreError::Conflict {
                finding,
                expected,
                actual,
                last,
            } => TaskError::Conflict {
                finding,
                expected,
                actual,
                last,
            },
            StoreError::Unreachable { url, message } => TaskError::Unreachable { url, message },
            StoreError::Refused {
                status,
                code,
                message,
            } => TaskError::Refused {
                status,
                code,
                message,
            },
            StoreError::Rejected(ApplyError::Transition(t)) => TaskError::Transition(t),
            StoreError::Io { path, source } => TaskError::Io {
                path,
                kind: source.kind(),
                message: source.to_string(),
            },
            other => TaskError::Store(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for TaskError {
    fn from(e: tokio::task::JoinError) -> TaskError {
        TaskError::Task(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_the_console_treats_apart_keep_their_type() {
        let q = TaskError::from(StoreError::Queued {
            path: "/c/outbox.jsonl".into(),
        });
        assert_eq!(
            q,
            TaskError::Queued {
                path: "/c/outbox.jsonl".into()
            }
        );
        let c = TaskError::from(StoreError::Conflict {
            finding: "F1".into(),
            expected: 1,
            actual: 3,
            last: None,
        });
        assert!(matches!(
            c,
            TaskError::Conflict {
                expected: 1,
                actual: 3,
                ..
            }
        ));
        let o = TaskError::from(StoreError::Other("disk on fire".into()));
        assert_eq!(o, TaskError::Store("disk on fire".into()));
        let t = TaskError::from(StoreError::Rejected(ApplyError::Transition(
            TransitionError::ReasonRequired { event: "rejected" },
        )));
        assert_eq!(
            t,
            TaskError::Transition(TransitionError::ReasonRequired { event: "rejected" })
        );
        let io = TaskError::from(StoreError::io(
            "/srv/out/.x.tmp",
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        ));
        assert!(matches!(
            io,
            TaskError::Io {
                kind: std::io::ErrorKind::PermissionDenied,
                ..
            }
        ));
    }
}
