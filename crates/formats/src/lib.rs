//! File formats offices exchange with govcheck: import files (CSV in UTF-8 or GB18030,
//! headers in English or Chinese spellings), published notices' attachments (CSV and
//! XLSX as offices lay them out) and the attachments govcheck writes (CSV, Markdown,
//! XLSX). Bytes in, bytes out: nothing here opens a file, keeps time or talks to the
//! network; the store and the edges do that. Every reading error names the file, line
//! and field.

pub mod attachments;
pub mod chase;
pub mod decode;
pub mod docx;
pub mod error;
pub mod headers;
pub mod notice;
pub mod table;
pub mod text;
pub mod values;
pub mod zipped;

pub use error::{FormatError, InputError};
pub use table::{SourceFile, Table, read_table};
