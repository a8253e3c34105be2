//! The formats' one error: a problem with an input file, located as precisely as the
//! format allows (file, line, field), so a supervisor can fix the input without
//! reading code.

use std::path::PathBuf;

/// A problem with an input file, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{}: {message}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default(), field.as_ref().map(|f| format!(", field {f}")).unwrap_or_default())]
pub struct InputError {
    pub path: PathBuf,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> InputError {
        InputError {
            path: path.into(),
            line: None,
            field: None,
            message: message.into(),
        }
    }
    pub fn at(mut self, line: u64) -> InputError {
        self.line = Some(line);
        self
    }
    pub fn field(mut self, field: impl Into<String>) -> InputError {
        self.field = Some(field.into());
        self
    }
}

/// A file could not be written in a format: the writer library's own complaint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("writing CSV: {0}")]
    Csv(String),
    #[error("writing XLSX: {0}")]
    Xlsx(String),
    #[error("writing DOCX: {0}")]
    Docx(String),
}
