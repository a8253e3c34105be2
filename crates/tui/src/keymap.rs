//! The key map: the defaults in `config/keymap.toml`, overridden by the user's `[keys]`
//! table. A user's map names only the actions it changes; an empty list unbinds one.
//! Unknown actions and unparseable keys are refused with the file, line and key, so a
//! typo never leaves the console half-configured.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;

/// The defaults, compiled in.
pub const DEFAULT_KEYMAP: &str = include_str!("../../../config/keymap.toml");

/// A key as written in a key map: a code plus whether Ctrl is held. Shift is part of
/// the character itself (`G`), so it is not tracked separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    /// Parse `j`, `G`, `?`, `Enter`, `PgDn`, `Ctrl-r`, `F5` …
    pub fn parse(text: &str) -> Option<Key> {
        let (ctrl, rest) = match text
            .strip_prefix("Ctrl-")
            .or_else(|| text.strip_prefix("ctrl-"))
            .or_else(|| text.strip_prefix("C-"))
        {
            Some(r) if !r.is_empty() => (true, r),
            _ => (false, text),
        };
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "backspace" => KeyCode::Backspace,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                f if f.starts_with('f') => {
                    let n: u8 = f[1..].parse().ok()?;
                    if !(1..=12).contains(&n) {
                        return None;
                    }
                    KeyCode::F(n)
                }
                _ => return None,
            },
        };
        Some(Key { code, ctrl })
    }

    /// The key a terminal event stands for.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let code = match ev.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            c => c,
        };
        Key { code, ctrl }
    }

    /// How the help overlay writes the key (ASCII only: arrows are ambiguous-width).
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Delete => "Delete".into(),
            KeyCode::Insert => "Insert".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// A key map that cannot be used, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}, line {line}: [keys] {key}: {message}", path.display())]
pub struct KeymapError {
    pub path: PathBuf,
    pub line: usize,
    pub key: String,
    pub message: String,
}

/// Actions by key, and keys by action (for the help overlay).
#[derive(Debug, Clone)]
pub struct Keymap {
    by_action: BTreeMap<Action, Vec<Key>>,
}

impl Keymap {
    /// The compiled-in defaults.
    pub fn defaults() -> Keymap {
        let table: toml::Table = match toml::from_str(DEFAULT_KEYMAP) {
            Ok(t) => t,
            Err(_) => toml::Table::new(),
        };
        let mut map = Keymap {
            by_action: BTreeMap::new(),
        };
        // The built-in file is checked by a unit test; a broken one would show as an
        // empty map there rather than crash a supervisor's console here.
        let _ = map.apply(Path::new("config/keymap.toml"), DEFAULT_KEYMAP, &table);
        map
    }

    /// Defaults overridden by the user's `[keys]` table. `path` and `text` are the
    /// user's configuration file, for locating errors.
    pub fn with_overrides(
        path: &Path,
        text: &str,
        overrides: &toml::Table,
    ) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::defaults();
        map.apply(path, text, overrides)?;
        Ok(map)
    }

    fn apply(&mut self, path: &Path, text: &str, table: &toml::Table) -> Result<(), KeymapError> {
        let err = |key: &str, message: String| KeymapError {
            path: path.to_path_buf(),
            line: locate_key(text, key),
            key: key.to_string(),
            message,
        };
        let mut staged: Vec<(Action, Vec<Key>)> = Vec::new();
        for (name, value) in table {
            let action = Action::from_name(name).ok_or_else(|| {
                err(
                    name,
                    format!(
                        "unknown action; known actions: {}",
                        Action::ALL.map(Action::name).join(", ")
                    ),
                )
            })?;
            let list = match value {
                toml::Value::Array(a) => a.clone(),
                toml::Value::String(s) => vec![toml::Value::String(s.clone())],
                _ => return Err(err(name, "expected a list of key names".into())),
            };
            let mut keys = Vec::with_capacity(list.len());
            for v in list {
                let s = v
                    .as_str()
                    .ok_or_else(|| err(name, format!("{v} is not a key name (a string)")))?;
                let k = Key::parse(s).ok_or_else(|| err(name, format!("unknown key {s:?}")))?;
                keys.push(k);
            }
            staged.push((action, keys));
        }
        for (action, keys) in staged {
            // A key moves to its new action: take it away from any other one.
            for list in self.by_action.values_mut() {
                list.retain(|k| !keys.contains(k));
            }
            self.by_action.insert(action, keys);
        }
        Ok(())
    }

    /// The action bound to a key press, if any.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        self.by_action
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(a, _)| *a)
    }

    /// The keys bound to an action (empty when unbound).
    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    /// `Up/k` for the help overlay and hints.
    pub fn label(&self, action: Action) -> String {
        self.keys(action)
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Line of `key = ` inside the `[keys]` table of a config text (1 when not found).
fn locate_key(text: &str, key: &str) -> usize {
    let mut in_keys = !text.contains("[keys]");
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_keys = t == "[keys]";
            continue;
        }
        if in_keys {
            let name = t.split('=').next().unwrap_or("").trim().trim_matches('"');
            if name == key {
                return i + 1;
            }
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn defaults_bind_every_action() {
        let map = Keymap::defaults();
        for a in Action::ALL {
            assert!(!map.keys(a).is_empty(), "{} unbound", a.name());
        }
        assert_eq!(
            map.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            map.action(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Action::Reload)
        );
        assert_eq!(
            map.action(&ev(KeyCode::Char('r'), KeyModifiers::NONE)),
            Some(Action::Rectified)
        );
    }

    #[test]
    fn overrides_replace_and_unbind() {
        let text = "name = \"x\"\n[keys]\ndown = [\"n\"]\nquit = []\n";
        let cfg: toml::Table = toml::from_str(text).expect("toml");
        let keys = cfg["keys"].as_table().expect("keys").clone();
        let map = Keymap::with_overrides(Path::new("c.toml"), text, &keys).expect("valid");
        assert_eq!(
            map.action(&ev(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            map.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            map.action(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(map.label(Action::Up), "Up/k");
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let text = "[display]\nascii = true\n[keys]\ndown = [\"j\"]\nfly = [\"z\"]\n";
        let cfg: toml::Table = toml::from_str(text).expect("toml");
        let keys = cfg["keys"].as_table().expect("keys").clone();
        let e = Keymap::with_overrides(Path::new("c.toml"), text, &keys).expect_err("bad");
        let msg = e.to_string();
        assert!(msg.starts_with("c.toml, line 5: [keys] fly"), "{msg}");
        let text = "[keys]\nup = [\"Hyper-k\"]\n";
        let cfg: toml::Table = toml::from_str(text).expect("toml");
        let keys = cfg["keys"].as_table().expect("keys").clone();
        let e = Keymap::with_overrides(Path::new("c.toml"), text, &keys).expect_err("bad");
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(e.to_string().contains("Hyper-k"), "{e}");
    }
}
