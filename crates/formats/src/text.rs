//! A notice's text as paragraphs, for `notice lint`: plain text (.txt), Markdown (.md)
//! and Word (.docx), the three forms a draft is passed around in. Offices save text as
//! UTF-8 or GB18030, so it is decoded like an import file ([`crate::decode`]).

use std::path::Path;

use crate::decode::decode;
use crate::error::InputError;
use crate::zipped::check_inflated;

/// The most a notice's file may hold: a notice is tens of kilobytes, a .docx with its
/// images a few megabytes. Larger input is refused before it is held in memory.
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// The non-empty paragraphs of a notice, trimmed, in order; the file's extension says
/// its form (.txt, .md or .docx). A .txt holds one paragraph per line (as Chinese
/// documents are saved as text); in .md consecutive lines form one paragraph and
/// heading, quote and list marks are dropped; in .docx each paragraph, and each
/// paragraph of a table cell, is one.
pub fn paragraphs(path: &Path, bytes: &[u8]) -> Result<Vec<String>, InputError> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(InputError::new(
            path,
            format!(
                "{} bytes; a notice's text is at most {} MiB",
                bytes.len(),
                MAX_BYTES / 1024 / 1024
            ),
        ));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "text" => Ok(text_paragraphs(&decode(path, bytes)?)),
        "md" | "markdown" => Ok(markdown_paragraphs(&decode(path, bytes)?)),
        "docx" => docx_paragraphs(path, bytes),
        _ => Err(InputError::new(
            path,
            "not a notice's text: give a .txt, .md or .docx file",
        )),
    }
}

fn text_paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim().trim_start_matches('\u{3000}').trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn markdown_paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let block_start = t.starts_with('#') || t.starts_with('|') || list_mark(t).is_some();
        let body = t
            .trim_start_matches('#')
            .trim_start_matches('>')
            .trim_start();
        let body = list_mark(body).map_or(body, |rest| rest).trim();
        // A heading, a list item or a table row is a paragraph of its own.
        if block_start && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push_str(body);
        if block_start {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.retain(|p| !p.is_empty());
    out
}

/// The rest of a Markdown list item (`- x`, `* x`, `1. x`), or `None`.
fn list_mark(t: &str) -> Option<&str> {
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Some(rest);
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        return t[digits..].strip_prefix(". ");
    }
    None
}

/// A .docx's paragraphs in reading order, table cells included: the text of every
/// `w:t` of a `w:p`, read from `word/document.xml` with the zip and XML readers the
/// XLSX reader already uses (a whole Word object model is not needed to read text).
fn docx_paragraphs(path: &Path, bytes: &[u8]) -> Result<Vec<String>, InputError> {
    check_inflated(path, bytes, "Word document", "notice's document")?;
    let bad = |e: &dyn std::fmt::Display| {
        InputError::new(path, format!("not a readable Word document: {e}"))
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let mut xml = String::new();
    {
        use std::io::Read as _;
        let mut entry = zip.by_name("word/document.xml").map_err(|e| bad(&e))?;
        entry.read_to_string(&mut xml).map_err(|e| bad(&e))?;
    }
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = Vec::new();
    let mut para: Option<String> = None;
    let mut in_text = false;
    loop {
        use quick_xml::events::Event;
        match reader.read_event().map_err(|e| bad(&e))? {
            Event::Start(e) => match e.name().as_ref() {
                b"w:p" => para = Some(String::new()),
                b"w:t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => {
                if let (b"w:tab", Some(p)) = (e.name().as_ref(), para.as_mut()) {
                    p.push(' ');
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"w:p" => {
                    if let Some(p) = para.take() {
                        push(&mut out, p);
                    }
                }
                b"w:t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => {
                if let Some(p) = para.as_mut() {
                    p.push_str(&t.xml_content().map_err(|e| bad(&e))?);
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let Some(p) = para.as_mut() {
                    let c = match r.resolve_char_ref().map_err(|e| bad(&e))? {
                        Some(c) => Some(c),
                        None => {
                            let name = r.decode().map_err(|e| bad(&e))?;
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .and_then(|s| s.chars().next())
                        }
                    };
                    p.extend(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

fn push(out: &mut Vec<String>, text: String) {
    let t = text.trim().trim_matches('\u{3000}').trim();
    if !t.is_empty() {
        out.push(t.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_are_paragraphs() {
        let p = paragraphs(
            Path::new("a.txt"),
            "一、总体情况\n\n\u{3000}\u{3000}共检查120个。\r\n".as_bytes(),
        )
        .expect("txt");
        assert_eq!(p, vec!["一、总体情况", "共检查120个。"]);
    }

    #[test]
    fn markdown_joins_wrapped_lines() {
        let md = "# 通报\n\n共检查\n120个。\n\n- 第一\n- 第二\n";
        let p = paragraphs(Path::new("a.md"), md.as_bytes()).expect("md");
        assert_eq!(p, vec!["通报", "共检查120个。", "第一", "第二"]);
    }

    #[test]
    fn gb18030_text_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("合格率99.5%\n");
        let p = paragraphs(Path::new("a.txt"), &bytes).expect("gbk");
        assert_eq!(p, vec!["合格率99.5%"]);
    }

    #[test]
    fn other_forms_and_broken_files_name_the_file() {
        let e = paragraphs(Path::new("a.pdf"), b"x").expect_err("pdf");
        assert!(e.to_string().starts_with("a.pdf"), "{e}");
        let e = paragraphs(Path::new("b.docx"), b"not a zip").expect_err("docx");
        assert!(e.to_string().starts_with("b.docx"), "{e}");
        assert!(e.message.contains("Word"), "{e}");
    }
}
