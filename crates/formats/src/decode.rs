//! Text decoding of imported files: UTF-8 (with or without BOM) or GB18030/GBK as Excel
//! on Chinese Windows saves CSV. Bytes valid in neither are an error, never replaced.

use std::borrow::Cow;
use std::path::Path;

use crate::error::InputError;

/// Decode `bytes` to text, or say where the first undecodable byte is. UTF-8 is
/// borrowed, not copied: an upload of hundreds of MB is not held twice.
pub fn decode<'b>(path: &Path, bytes: &'b [u8]) -> Result<Cow<'b, str>, InputError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(utf8_err) => {
            if bytes.len() != body.len() {
                // A UTF-8 BOM promises UTF-8: do not fall back.
                return Err(bad_bytes(path, body, utf8_err.valid_up_to(), "UTF-8"));
            }
            let (text, had_errors) = encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(body)
                .map_or((None, true), |t| (Some(t), false));
            match (text, had_errors) {
                (Some(t), false) => Ok(Cow::Owned(t.into_owned())),
                _ => Err(bad_bytes(
                    path,
                    body,
                    utf8_err.valid_up_to(),
                    "UTF-8 or GB18030",
                )),
            }
        }
    }
}

fn bad_bytes(path: &Path, body: &[u8], at: usize, what: &str) -> InputError {
    let before = &body[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&body[line_start..at])
        .chars()
        .count()
        + 1;
    InputError::new(
        path,
        format!(
            "column {column}: byte 0x{:02X} is not valid {what}; save the file as UTF-8 or GB18030",
            body.get(at).copied().unwrap_or(0)
        ),
    )
    .at(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let p = Path::new("a.csv");
        assert_eq!(decode(p, "名称,1".as_bytes()).expect("utf8"), "名称,1");
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice("名称".as_bytes());
        assert_eq!(decode(p, &b).expect("bom"), "名称");
    }

    #[test]
    fn gbk_as_excel_saves_it() {
        let (bytes, _, _) = encoding_rs::GBK.encode("账号名称,舟山商务\n");
        let text = decode(Path::new("a.csv"), &bytes).expect("gbk");
        assert_eq!(text, "账号名称,舟山商务\n");
    }

    #[test]
    fn invalid_in_both_is_an_error_with_place() {
        let bytes = b"id,name\nx,\xFF\xFF\n";
        let err = decode(Path::new("a.csv"), bytes).expect_err("invalid");
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("column 3"), "{}", err.message);
    }
}
