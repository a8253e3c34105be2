//! How long a piece of text from outside may be. A 20 MB account name or note would be
//! carried in every journal replay, every checkpoint and every screen forever; a limit
//! refused at the door, with the field named, costs nobody anything.

/// Identifiers: account ids, region codes, round ids.
pub const MAX_ID_CHARS: usize = 128;
/// Names: accounts, regions, host and supervisor units, platforms, round titles.
pub const MAX_NAME_CHARS: usize = 256;
/// Notes on findings and events, and problem wordings.
pub const MAX_NOTE_CHARS: usize = 4000;
/// A reminder's request key (see [`crate::event::EventKind::Reminded`]): a random
/// token a client makes, never text a person types.
pub const MAX_REQUEST_CHARS: usize = 64;

/// Whether `key` is a request key as clients make them: 1 to 64 letters, digits, `-`
/// and `_`, so it can be logged and compared as it stands.
pub fn is_request_key(key: &str) -> bool {
    (1..=MAX_REQUEST_CHARS).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Columns in an import file's header: the widest real file has a few dozen; a million
/// would make recognising the header slow for nothing.
pub const MAX_COLUMNS: usize = 256;
/// Bytes in one line (record) of an import file: room for every field at its limit.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The limit for an import column, by its canonical name.
pub fn column_limit(column: &str) -> usize {
    match column {
        "id" | "code" | "parent_code" | "round" | "account" => MAX_ID_CHARS,
        "note" | "problem" => MAX_NOTE_CHARS,
        _ => MAX_NAME_CHARS,
    }
}

/// A text longer than its field allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} is {chars} characters long; at most {max} are allowed")]
pub struct TooLong {
    pub field: String,
    pub chars: usize,
    pub max: usize,
}

/// Check that `text` has at most `max` characters. Counts without walking past the
/// limit, so a huge text costs no more than a short one.
pub fn check_len(field: &str, text: &str, max: usize) -> Result<(), TooLong> {
    // A char is at most 4 bytes: short byte lengths need no counting at all.
    if text.len() <= max {
        return Ok(());
    }
    if text.chars().nth(max).is_none() {
        return Ok(());
    }
    Err(TooLong {
        field: field.to_string(),
        chars: text.chars().count(),
        max,
    })
}

/// The one check every event passes before it is appended, whichever edge (the CLI,
/// the console, the registry server) it came from.
pub fn check_event(event: &crate::event::Event) -> Result<(), TooLong> {
    if let Some(note) = &event.note {
        check_len("note", note, MAX_NOTE_CHARS)?;
    }
    if let Some(key) = event.kind.request() {
        check_len("request", key, MAX_REQUEST_CHARS)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(check_len("note", &"问".repeat(MAX_NOTE_CHARS), MAX_NOTE_CHARS).is_ok());
        let e = check_len("note", &"问".repeat(MAX_NOTE_CHARS + 1), MAX_NOTE_CHARS)
            .expect_err("one over");
        assert_eq!((e.chars, e.max), (MAX_NOTE_CHARS + 1, MAX_NOTE_CHARS));
        assert!(e.to_string().contains("note"), "{e}");
    }
}
