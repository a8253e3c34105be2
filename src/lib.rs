//! govcheck: supervision of government websites and government new-media accounts
//! (政务新媒体) against the national indicators of 国办秘函〔2019〕19号.
//!
//! The work is in the workspace's crates, one per layer, dependencies pointing inward
//! only (docs/architecture.md):
//! - [`domain`] (`govcheck-domain`): pure types and rules; no I/O, no clock, no runtime.
//! - [`formats`] (`govcheck-formats`): CSV and XLSX readers and writers, bytes in and out.
//! - [`store`] (`govcheck-store`): the registry interface and its backends.
//! - [`settings`] (`govcheck-settings`): the user's configuration and directories.
//! - [`logging`] (`govcheck-logging`): how the console's and the server's logs are written.
//! - [`api`] (`govcheck-api`): the registry API's wire types.
//! - [`server`], [`tui`], [`cli`]: the edges that people, scripts and other hosts use.
//! - [`synthetic`]: the benchmark dataset behind `govcheck demo --accounts N`.
//!
//! This package is the `govcheck` binary; its library only gathers the layers under one
//! name for the integration tests and benchmarks.

pub use govcheck_api as api;
pub use govcheck_cli as cli;
pub use govcheck_domain as domain;
pub use govcheck_formats as formats;
pub use govcheck_logging as logging;
pub use govcheck_server as server;
pub use govcheck_settings as settings;
pub use govcheck_store as store;
pub use govcheck_synthetic as synthetic;
pub use govcheck_tui as tui;
