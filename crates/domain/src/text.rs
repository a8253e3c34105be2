//! Text rules shared by every edge: display width for CJK tables, neutralising control
//! characters from data before they reach a terminal or a spreadsheet formula before it
//! reaches a spreadsheet, and the normal form used to match the many spellings found in
//! notices.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Replace control characters (C0, DEL, C1) and the escape character with visible
/// placeholders, so a registry entry or a note can never move the cursor, change
/// colours or set the window title. Tabs and newlines become spaces.
pub fn sanitize(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if is_unsafe(c) => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// A cell of text taken from data, made safe for a CSV file that will be opened in a
/// spreadsheet: [`sanitize`]d, and prefixed with `'` when it could be read as a formula
/// (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return, as OWASP lists them),
/// so `=HYPERLINK(…)` or `+cmd|' /C calc'!A0` from an imported name shows as text
/// instead of running. The check looks at the text both before and after sanitising:
/// sanitising turns a leading tab into a space, and a spreadsheet that trims it would
/// see `=1+2` again, so leading whitespace is looked through too.
///
/// Only for text from data: figures govcheck computes (counts, rates, days) must stay
/// numbers and are written as they are.
pub fn spreadsheet_text(text: &str) -> String {
    let clean = sanitize(text);
    if could_be_formula(text) || could_be_formula(&clean) {
        format!("'{clean}")
    } else {
        clean
    }
}

fn could_be_formula(text: &str) -> bool {
    const TRIGGERS: [char; 4] = ['=', '+', '-', '@'];
    text.starts_with(['\t', '\r'])
        || text.starts_with(TRIGGERS)
        || text.trim_start().starts_with(TRIGGERS)
}

/// [`sanitize`] each line, keeping the line breaks (for multi-line messages).
pub fn sanitize_lines(text: &str) -> String {
    text.split('\n')
        .map(sanitize)
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Columns the text takes on a terminal (CJK = 2).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Cut `text` to at most `max` columns, ending with `…` when cut. Never splits a wide
/// character: if only one column is left before a CJK char, it is padded instead.
pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    while used < max - 1 {
        out.push(' ');
        used += 1;
    }
    out.push('…');
    out
}

/// Pad (or cut) to exactly `cols` columns, left-aligned.
pub fn pad_right(text: &str, cols: usize) -> String {
    let t = truncate(text, cols);
    let w = width(&t);
    format!("{t}{}", " ".repeat(cols.saturating_sub(w)))
}

/// Pad (or cut) to exactly `cols` columns, right-aligned (numbers).
pub fn pad_left(text: &str, cols: usize) -> String {
    let t = truncate(text, cols);
    let w = width(&t);
    format!("{}{t}", " ".repeat(cols.saturating_sub(w)))
}

/// The key under which spellings are compared: whitespace removed, full-width ASCII
/// folded to half-width, Chinese punctuation folded to its ASCII twin.
pub fn normalize_key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}' && *c != '\u{FEFF}')
        .map(fold_width)
        .collect()
}

/// Full-width forms (ＡＢＣ１２３（）) to ASCII; leaves CJK alone.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '、' => ',',
        '“' | '”' => '"',
        '‘' | '’' => '\'',
        c => c,
    }
}

/// 1-based line and column (in characters) of a byte offset, for error messages.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_neutralised() {
        let s = sanitize("舟山\x1b]0;pwned\x07商务\x1b[2J");
        assert!(!s.contains('\x1b'));
        assert!(!s.contains('\x07'));
        assert!(s.starts_with("舟山"));
        assert_eq!(sanitize("a\tb\nc"), "a b c");
        assert_eq!(sanitize("\u{9b}31m"), "\u{FFFD}31m");
        assert_eq!(sanitize("普通文本"), "普通文本");
    }

    #[test]
    fn formulas_from_data_become_text() {
        assert_eq!(
            spreadsheet_text("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        assert_eq!(
            spreadsheet_text("+cmd|' /C calc'!A0"),
            "'+cmd|' /C calc'!A0"
        );
        assert_eq!(spreadsheet_text("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_text("@SUM(1+1)"), "'@SUM(1+1)");
        // The tab is checked before it is neutralised: never a bare `=1+2`.
        assert_eq!(spreadsheet_text("\t=1+2"), "' =1+2");
        assert_eq!(spreadsheet_text("\r=1+2"), "' =1+2");
        assert_eq!(spreadsheet_text("\tplain"), "' plain");
        assert_eq!(spreadsheet_text(" =1+2"), "' =1+2");
        // Ordinary text and text with a sign inside is left alone.
        assert_eq!(spreadsheet_text("舟山医疗保障"), "舟山医疗保障");
        assert_eq!(spreadsheet_text("a=b-c"), "a=b-c");
        assert_eq!(spreadsheet_text(""), "");
        assert!(!spreadsheet_text("=\x1b[2J").contains('\x1b'));
    }

    #[test]
    fn truncation_respects_wide_chars() {
        assert_eq!(truncate("舟山医疗保障", 6), "舟山 …");
        assert_eq!(width(&truncate("舟山医疗保障", 6)), 6);
        assert_eq!(truncate("舟山医疗保障", 7), "舟山医…");
        assert_eq!(truncate("舟山", 4), "舟山");
        assert_eq!(pad_right("舟山", 6), "舟山  ");
        assert_eq!(pad_left("12", 4), "  12");
    }

    #[test]
    fn keys_fold_spellings() {
        assert_eq!(
            normalize_key(" 监测点 前两周（无）更新 "),
            "监测点前两周(无)更新"
        );
        assert_eq!(normalize_key("ＡＰＰ"), "APP");
    }

    #[test]
    fn line_col_counts_chars() {
        let t = "ab\n舟山x";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 9), (2, 3));
    }
}
