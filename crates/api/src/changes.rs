//! `GET /api/v1/changes`: the journal's batches after a sequence number.

use serde::{Deserialize, Serialize};

/// The change feed. `B` is the journal batch (the store's type: the server sends its
/// batches, the client reads them back into the same type); documented as `Changes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes<B> {
    /// the last batch's sequence number
    pub seq: u64,
    /// the checksum field of batch seq's journal line (null for an empty journal): send
    /// it back as ?crc=
    pub crc: Option<String>,
    pub batches: Vec<B>,
}
