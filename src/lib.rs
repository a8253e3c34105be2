//! govcheck: supervision of government websites and government new-media accounts
//! (政务新媒体) against the national indicators of 国办秘函〔2019〕19号.
//!
//! Layers point inward only:
//! - [`domain`]: pure types and rules (regions, accounts, rounds, findings, events,
//!   figures, deadlines, search), the crate `govcheck-domain` (crates/domain): no
//!   I/O, no clock, no runtime, and the compiler holds it to that.
//! - [`store`]: the one registry interface and its implementations (local files with a
//!   checkpoint cache, the registry server as a client), import, notices, the demo.
//! - [`cli`], [`tui`], [`server`]: the edges that people, scripts and other hosts use.
//!
//! [`settings`] reads the user's configuration; it sits beside `store` and is used by
//! the edges only.

pub mod cli;
pub mod server;
pub mod settings;
pub mod store;
pub mod tui;

/// The domain crate, under the name the other layers have always used for it.
pub use govcheck_domain as domain;
