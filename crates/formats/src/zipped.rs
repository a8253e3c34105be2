//! Zip containers (XLSX workbooks, Word documents) are measured before anything
//! inflates them: a 3 MB file may inflate to gigabytes.

use std::io::{Cursor, Read};
use std::path::Path;

use crate::error::InputError;

/// The most a container's entries may inflate to, summed: a notice's workbook or
/// document is a few hundred kilobytes inflated.
pub const MAX_INFLATED: u64 = 64 * 1024 * 1024;

/// Refuse a container whose entries inflate past [`MAX_INFLATED`], by their declared
/// sizes and by what they really inflate to (declared sizes can lie): each entry is
/// inflated into nothing, through a reader that stops at the remaining budget.
/// `readable` names the format for a damaged file ("XLSX workbook"), `what` the
/// document for one too large ("notice workbook").
pub fn check_inflated(
    path: &Path,
    bytes: &[u8],
    readable: &str,
    what: &str,
) -> Result<(), InputError> {
    let bad = |m: String| InputError::new(path, m);
    let too_big = || {
        bad(format!(
            "not a {what}: it inflates to more than {} MiB",
            MAX_INFLATED / 1024 / 1024
        ))
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable {readable}: {e}")))?;
    let mut budget = MAX_INFLATED;
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| bad(format!("not a readable {readable}: {e}")))?;
        if entry.size() > budget {
            return Err(too_big());
        }
        let name = entry.name().to_string();
        let n = std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink())
            .map_err(|e| bad(format!("not a readable {readable}: {name}: {e}")))?;
        budget = budget.checked_sub(n).ok_or_else(too_big)?;
    }
    Ok(())
}
