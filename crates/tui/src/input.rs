//! One text field's state: its text and a cursor, and the editing keys every field of
//! the console shares (the note of a dialog, the search query, the command line). The
//! cursor counts chars, never bytes, so a CJK character is one step and the text is
//! never cut inside a character; [`TextInput::cursor_col`] gives the display column
//! (CJK = 2) where the terminal's cursor goes.
//!
//! Kept free of the terminal and the key map: [`crate::update`] looks a key up in the
//! key map's `[input]` layer and hands the field an [`EditAction`] (or, for a key no
//! layer binds, the key to type), so a field behaves the same wherever it is shown and
//! a user's remap reaches every field.

use govcheck_domain::limits::MAX_NOTE_CHARS;
use govcheck_domain::text::width;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::EditAction;

/// Whether a field holds one line (search, command line) or several (a note).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lines {
    #[default]
    One,
    Many,
}

/// What an editing key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed (a search must run again).
    Changed,
    /// Only the cursor moved.
    Moved,
    /// An editing key with nothing to do (Backspace at the start).
    Nothing,
    /// Not an editing key: the field's owner decides (Enter, Esc, Up …).
    NotMine,
}

/// A text field: its text and the cursor's position in chars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    /// Chars before the cursor (0 ..= chars in `text`).
    cursor: usize,
    lines: Lines,
    /// Most chars the field holds: a paste of a whole file must not grow the state
    /// without bound (the store refuses longer notes anyway).
    max: usize,
}

impl Default for TextInput {
    fn default() -> TextInput {
        TextInput::one_line()
    }
}

impl TextInput {
    /// An empty one-line field.
    pub fn one_line() -> TextInput {
        TextInput {
            text: String::new(),
            cursor: 0,
            lines: Lines::One,
            max: MAX_NOTE_CHARS,
        }
    }

    /// An empty field that keeps line breaks (a note).
    pub fn multi_line() -> TextInput {
        TextInput {
            lines: Lines::Many,
            ..TextInput::one_line()
        }
    }

    /// A field holding `text`, the cursor at its end.
    pub fn with_text(mut self, text: &str) -> TextInput {
        self.clear();
        self.insert_str(text);
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The cursor, in chars from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Display columns before the cursor (CJK = 2), for drawing the terminal's cursor.
    pub fn cursor_col(&self) -> usize {
        width(self.before())
    }

    /// The text before the cursor.
    pub fn before(&self) -> &str {
        &self.text[..self.byte_at(self.cursor)]
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(b, _)| b)
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// Type one character at the cursor. Line breaks and tabs in a one-line field
    /// become spaces; other control characters are dropped (they would be drawn as
    /// placeholders and stored as typed).
    pub fn insert(&mut self, c: char) -> bool {
        let c = match c {
            '\n' if self.lines == Lines::Many => '\n',
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => return false,
            c => c,
        };
        if self.len() >= self.max {
            return false;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
        true
    }

    /// Insert a whole text at the cursor (a bracketed paste): `\r\n` and `\r` count
    /// as line breaks, kept in a note and made spaces in a one-line field. What does
    /// not fit the field's limit is left out. True when anything was inserted.
    pub fn insert_str(&mut self, text: &str) -> bool {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut any = false;
        for c in text.chars() {
            if self.len() >= self.max {
                break;
            }
            any |= self.insert(c);
        }
        any
    }

    pub fn left(&mut self) -> bool {
        let moved = self.cursor > 0;
        self.cursor = self.cursor.saturating_sub(1);
        moved
    }

    pub fn right(&mut self) -> bool {
        let moved = self.cursor < self.len();
        self.cursor = (self.cursor + 1).min(self.len());
        moved
    }

    pub fn home(&mut self) -> bool {
        let moved = self.cursor > 0;
        self.cursor = 0;
        moved
    }

    pub fn end(&mut self) -> bool {
        let moved = self.cursor < self.len();
        self.cursor = self.len();
        moved
    }

    /// Delete the char before the cursor.
    pub fn backspace(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.cursor -= 1;
        let at = self.byte_at(self.cursor);
        self.text.remove(at);
        true
    }

    /// Delete the char under the cursor.
    pub fn delete(&mut self) -> bool {
        if self.cursor >= self.len() {
            return false;
        }
        let at = self.byte_at(self.cursor);
        self.text.remove(at);
        true
    }

    /// Ctrl-u: delete from the start to the cursor.
    pub fn kill_to_start(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        let at = self.byte_at(self.cursor);
        self.text.replace_range(..at, "");
        self.cursor = 0;
        true
    }

    /// Ctrl-k: delete from the cursor to the end.
    pub fn kill_to_end(&mut self) -> bool {
        let at = self.byte_at(self.cursor);
        if at == self.text.len() {
            return false;
        }
        self.text.truncate(at);
        true
    }

    /// Ctrl-w: delete the word before the cursor (and the spaces after it), as shells do.
    pub fn delete_word(&mut self) -> bool {
        let chars: Vec<char> = self.before().chars().collect();
        let mut start = chars.len();
        while start > 0 && chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !chars[start - 1].is_whitespace() {
            start -= 1;
        }
        if start == chars.len() {
            return false;
        }
        let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
        self.text.replace_range(from..to, "");
        self.cursor = start;
        true
    }

    /// Apply an editing action (what the key map's `[input]` layer bound the key to).
    pub fn apply(&mut self, action: EditAction) -> Edit {
        let moved = |b: bool| if b { Edit::Moved } else { Edit::Nothing };
        let changed = |b: bool| if b { Edit::Changed } else { Edit::Nothing };
        match action {
            EditAction::Left => moved(self.left()),
            EditAction::Right => moved(self.right()),
            EditAction::Home => moved(self.home()),
            EditAction::End => moved(self.end()),
            EditAction::Backspace => changed(self.backspace()),
            EditAction::Delete => changed(self.delete()),
            EditAction::KillToStart => changed(self.kill_to_start()),
            EditAction::KillToEnd => changed(self.kill_to_end()),
            EditAction::DeleteWord => changed(self.delete_word()),
        }
    }

    /// A key no layer bound: a printable character (without Ctrl or Alt) types itself;
    /// anything else is [`Edit::NotMine`].
    pub fn type_key(&mut self, k: &KeyEvent) -> Edit {
        let held = k
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match k.code {
            KeyCode::Char(c) if !held => {
                if self.insert(c) {
                    Edit::Changed
                } else {
                    Edit::Nothing
                }
            }
            _ => Edit::NotMine,
        }
    }

    /// The part of the text to show in `cols` columns so that the cursor is visible,
    /// and the cursor's column within it. Line breaks show as `⏎` (or `|` in ASCII
    /// mode) so a pasted note reads as one line with its breaks marked.
    pub fn view(&self, cols: usize, ascii: bool) -> (String, usize) {
        let brk = if ascii { '|' } else { '⏎' };
        let shown: Vec<char> = self
            .text
            .chars()
            .map(|c| if c == '\n' { brk } else { c })
            .collect();
        let w = |cs: &[char]| cs.iter().map(|c| char_width(*c)).sum::<usize>();
        let cols = cols.max(1);
        // Start so that the text up to the cursor, plus one cell for the cursor,
        // fits; then show as much after it as fits.
        let mut start = 0;
        while start < self.cursor && w(&shown[start..self.cursor]) + 1 > cols {
            start += 1;
        }
        let mut out = String::new();
        let mut used = 0;
        for &c in &shown[start..] {
            let cw = char_width(c);
            if used + cw > cols {
                break;
            }
            out.push(c);
            used += cw;
        }
        (out, w(&shown[start..self.cursor.min(shown.len())]))
    }
}

fn char_width(c: char) -> usize {
    width(c.encode_utf8(&mut [0; 4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }
    /// What the console does with a key in a field: the default key map's `[input]`
    /// layer, else the key types itself.
    trait Keyed {
        fn key(&mut self, k: &KeyEvent) -> Edit;
    }
    impl Keyed for TextInput {
        fn key(&mut self, k: &KeyEvent) -> Edit {
            match crate::keymap::Keymap::defaults().edit(k) {
                Some(a) => self.apply(a),
                None => self.type_key(k),
            }
        }
    }
    fn typed(t: &mut TextInput, s: &str) {
        for c in s.chars() {
            t.key(&k(KeyCode::Char(c)));
        }
    }

    #[test]
    fn edits_in_the_middle_by_chars_with_cjk() {
        let mut t = TextInput::multi_line();
        typed(&mut t, "已恢复更新");
        assert_eq!(t.cursor(), 5);
        assert_eq!(t.cursor_col(), 10);
        t.key(&k(KeyCode::Left));
        t.key(&k(KeyCode::Left));
        typed(&mut t, "正常");
        assert_eq!(t.text(), "已恢复正常更新");
        assert_eq!(t.cursor(), 5);
        assert_eq!(t.cursor_col(), 10);
        t.key(&k(KeyCode::Home));
        typed(&mut t, "经核");
        assert_eq!(t.text(), "经核已恢复正常更新");
        t.key(&k(KeyCode::Delete));
        assert_eq!(t.text(), "经核恢复正常更新");
        t.key(&k(KeyCode::End));
        assert_eq!(t.key(&k(KeyCode::Right)), Edit::Nothing);
        t.key(&k(KeyCode::Backspace));
        assert_eq!(t.text(), "经核恢复正常更");
        t.key(&ctrl('a'));
        assert_eq!(t.cursor(), 0);
        assert_eq!(t.key(&k(KeyCode::Backspace)), Edit::Nothing);
        t.key(&ctrl('e'));
        assert_eq!(t.cursor(), 7);
    }

    #[test]
    fn kill_keys_and_word_delete() {
        let mut t = TextInput::one_line().with_text("round 2022Q1 extra");
        t.key(&ctrl('w'));
        assert_eq!(t.text(), "round 2022Q1 ");
        t.key(&ctrl('w'));
        assert_eq!(t.text(), "round ");
        typed(&mut t, "2023Q2");
        for _ in 0..3 {
            t.key(&k(KeyCode::Left));
        }
        t.key(&ctrl('k'));
        assert_eq!(t.text(), "round 202");
        t.key(&k(KeyCode::Left));
        t.key(&ctrl('u'));
        assert_eq!(t.text(), "2");
        assert_eq!(t.cursor(), 0);
        assert_eq!(t.key(&k(KeyCode::Enter)), Edit::NotMine);
        assert_eq!(t.key(&k(KeyCode::Up)), Edit::NotMine);
    }

    #[test]
    fn paste_keeps_breaks_in_a_note_and_makes_spaces_on_one_line() {
        let mut note = TextInput::multi_line().with_text("前");
        note.home();
        note.insert_str("第一行\r\n第二行\n");
        assert_eq!(note.text(), "第一行\n第二行\n前");
        assert_eq!(note.cursor(), 8);
        let mut line = TextInput::one_line();
        line.insert_str("舟山\n医保\tx\u{1b}[31m");
        assert_eq!(line.text(), "舟山 医保 x[31m");
        let (shown, col) = note.view(80, false);
        assert_eq!(shown, "第一行⏎第二行⏎前");
        assert_eq!(col, 14);
        assert_eq!(note.view(80, true).0, "第一行|第二行|前");
    }

    #[test]
    fn a_huge_paste_is_capped_and_the_view_keeps_the_cursor_in_sight() {
        let mut t = TextInput::multi_line();
        t.insert_str(&"很".repeat(MAX_NOTE_CHARS + 50));
        assert_eq!(t.text().chars().count(), MAX_NOTE_CHARS);
        let (shown, col) = t.view(9, false);
        assert!(width(&shown) <= 9, "{shown}");
        assert!(col < 9, "{col}");
        t.home();
        let (shown, col) = t.view(9, false);
        assert_eq!((shown.as_str(), col), ("很很很很", 0));
    }
}
