//! Writing a notice's attachments to disk: the bytes come from the formats crate, and
//! each file is written atomically (a crash leaves the old file or the new, never half).

use std::path::{Path, PathBuf};

use govcheck_domain::notice::attachments::Attachments;
use govcheck_domain::notice::document::NoticeDocument;
use govcheck_formats::{attachments, docx};

use crate::atomic::write_atomic;
use crate::error::StoreError;

/// CSV: `DIR/附件1.csv`, `DIR/附件2.csv`, `DIR/总体情况.txt`; the paths written.
pub fn write_csv(a: &Attachments, dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
    let mut written = Vec::new();
    for (name, bytes) in attachments::csv_files(a)? {
        let p = dir.join(name);
        write_atomic(&p, &bytes)?;
        written.push(p);
    }
    Ok(written)
}

/// Markdown: the paragraph and both tables in one file.
pub fn write_md(a: &Attachments, path: &Path) -> Result<(), StoreError> {
    write_atomic(path, attachments::markdown(a).as_bytes())
}

/// A chasing list (催办清单) as CSV (with a BOM, for Excel) or XLSX, by `xlsx`.
pub fn write_chase(
    rows: &[govcheck_domain::chase::ChaseRow],
    path: &Path,
    xlsx: bool,
) -> Result<(), StoreError> {
    let bytes = if xlsx {
        govcheck_formats::chase::xlsx(rows)?
    } else {
        govcheck_formats::chase::csv_file(rows)?
    };
    write_atomic(path, &bytes)
}

/// XLSX: sheets 附件1, 附件2 and 总体情况.
pub fn write_xlsx(a: &Attachments, path: &Path) -> Result<(), StoreError> {
    write_atomic(path, &attachments::xlsx(a)?)
}

/// DOCX: the whole notice (body, 附件1 and 附件2) as a Word document.
pub fn write_docx(d: &NoticeDocument, path: &Path) -> Result<(), StoreError> {
    write_atomic(path, &docx::docx(d)?)
}
