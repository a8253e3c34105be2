//! The journal: an append-only file with one committed batch of changes per line.
//!
//! Line format: `<crc32 of the JSON, 8 lowercase hex digits> <JSON batch>\n`. A batch is
//! applied whole or not at all: a line is only complete once its newline and checksum
//! are there. A crash mid-append leaves at most an incomplete last line, which readers
//! ignore and the next writer cuts off before it appends.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use govcheck_domain::event::Actor;
use govcheck_domain::registry::{Change, Registry};

/// One committed batch: who made it, when, and what changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    pub by: Actor,
    pub changes: Vec<Change>,
}

/// Serialise a batch as one journal line.
pub fn encode(batch: &Batch) -> Result<Vec<u8>, StoreError> {
    let json = serde_json::to_vec(batch).map_err(|e| StoreError::Other(e.to_string()))?;
    let crc = crc32fast::hash(&json);
    let mut line = Vec::with_capacity(json.len() + 10);
    line.extend_from_slice(format!("{crc:08x} ").as_bytes());
    line.extend_from_slice(&json);
    line.push(b'\n');
    Ok(line)
}

/// Where batch `seq` starts in `bytes` (a whole journal, or a part starting at a line),
/// with the number of lines before it, found by reading only each line's sequence
/// number (`<crc> {"seq":N,…`): a reader asking for the last few batches of a large
/// journal does not decode all the others. `None` when no complete line with that
/// sequence number is there.
pub fn find_seq(bytes: &[u8], seq: u64) -> Option<(usize, u64)> {
    let mut pos = 0;
    let mut lines = 0;
    while pos < bytes.len() {
        let nl = pos + bytes[pos..].iter().position(|&b| b == b'\n')?;
        let n = seq_of_line(&bytes[pos..nl])?;
        if n == seq {
            return Some((pos, lines));
        }
        if n > seq {
            return None;
        }
        pos = nl + 1;
        lines += 1;
    }
    None
}

/// The sequence number at the start of a journal line (`<crc> {"seq":N,…`), without
/// decoding or checking the rest.
pub fn seq_of_line(line: &[u8]) -> Option<u64> {
    const PREFIX: &[u8] = b"{\"seq\":";
    let digits = line.get(9..)?.strip_prefix(PREFIX)?;
    let end = digits.iter().position(|b| !b.is_ascii_digit())?;
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

/// What a scan of the journal found.
#[derive(Debug, Default)]
pub struct Scan {
    pub batches: Vec<Batch>,
    /// Bytes up to the end of the last complete, valid line.
    pub valid_len: u64,
    /// Sequence number of the last valid batch.
    pub last_seq: u64,
    /// An incomplete or damaged last line was found (a crashed append).
    pub torn_tail: bool,
    /// Byte offset (in the scanned bytes) where each batch's line starts.
    pub starts: Vec<u64>,
}

/// Read and check every line. A damaged line that is not the last one means the file
/// was altered, which is refused rather than guessed around.
pub fn scan(path: &Path, bytes: &[u8]) -> Result<Scan, StoreError> {
    scan_from(path, bytes, 0, 0, 0)
}

/// [`scan`] from byte offset `start`, which ends line `lines_before`, after batch
/// `prev_seq`: reading only what follows a checkpoint.
pub fn scan_from(
    path: &Path,
    bytes: &[u8],
    start: usize,
    prev_seq: u64,
    lines_before: u64,
) -> Result<Scan, StoreError> {
    let mut scan = Scan {
        valid_len: start as u64,
        last_seq: prev_seq,
        ..Scan::default()
    };
    let mut pos = start;
    let mut line_no = lines_before;
    while pos < bytes.len() {
        line_no += 1;
        let Some(nl) = bytes[pos..].iter().position(|&b| b == b'\n') else {
            scan.torn_tail = true;
            break;
        };
        let line = &bytes[pos..pos + nl];
        let is_last = pos + nl + 1 >= bytes.len();
        match decode(line) {
            Ok(batch) => {
                if batch.seq != scan.last_seq + 1 {
                    return Err(StoreError::Corrupt {
                        path: path.to_path_buf(),
                        line: line_no,
                        message: format!(
                            "batch sequence {} follows {}; the journal was edited or spliced",
                            batch.seq, scan.last_seq
                        ),
                    });
                }
                scan.last_seq = batch.seq;
                scan.batches.push(batch);
                scan.starts.push(pos as u64);
                pos += nl + 1;
                scan.valid_len = pos as u64;
            }
            Err(_) if is_last => {
                scan.torn_tail = true;
                break;
            }
            Err(message) => {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    line: line_no,
                    message,
                });
            }
        }
    }
    Ok(scan)
}

fn decode(line: &[u8]) -> Result<Batch, String> {
    if line.len() < 10 || line[8] != b' ' {
        return Err("not a journal line (expected `<crc32> <json>`)".into());
    }
    let crc_text = std::str::from_utf8(&line[..8]).map_err(|_| "bad checksum field")?;
    let crc = u32::from_str_radix(crc_text, 16).map_err(|_| "bad checksum field")?;
    let json = &line[9..];
    if crc32fast::hash(json) != crc {
        return Err("checksum mismatch".into());
    }
    serde_json::from_slice(json).map_err(|e| format!("column {}: {e}", e.column() + 9))
}

/// Apply batches in order to `reg`. `lines_before` is the journal line before the first
/// batch, so a batch that does not apply is reported with its line in `path`.
pub fn replay_into(
    reg: &mut Registry,
    batches: Vec<Batch>,
    path: &Path,
    lines_before: u64,
) -> Result<(), StoreError> {
    for (i, batch) in batches.into_iter().enumerate() {
        let seq = batch.seq;
        for change in batch.changes {
            reg.apply(change).map_err(|e| StoreError::Corrupt {
                path: path.to_path_buf(),
                line: lines_before + i as u64 + 1,
                message: format!("batch {seq} does not apply: {e}"),
            })?;
        }
        reg.reindex();
    }
    Ok(())
}
