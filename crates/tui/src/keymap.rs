//! The key map: the defaults in `config/keymap.toml`, overridden by the user's `[keys]`
//! table. A user's map names only the actions it changes; an empty list unbinds one.
//! Unknown actions and unparseable keys are refused with the file, line and key, so a
//! typo never leaves the console half-configured.
//!
//! The map has layers ([`Layer`]): the main one (the top-level actions) and one table
//! per input layer (`[dialog]`, `[search_box]`, `[filter_box]`, `[command_line]`,
//! `[text_field]`, `[viewer]` in the defaults; `[keys.dialog]` … in a user's
//! config.toml). A key is
//! looked up only in the layer that has the focus, so `r` can reload in a conflicted
//! dialog and mark a rectification on a list.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::{
    Action, CommandAction, DialogAction, EditAction, FilterAction, Layer, SearchAction,
    ViewerAction,
};

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
    /// The input layers' bindings: keys by action name, per layer.
    layers: BTreeMap<Layer, BTreeMap<&'static str, Vec<Key>>>,
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
            layers: BTreeMap::new(),
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
        let mut staged: Vec<(Action, Vec<Key>)> = Vec::new();
        let mut staged_layers: Vec<(Layer, &'static str, Vec<Key>)> = Vec::new();
        for (name, value) in table {
            if let toml::Value::Table(section) = value {
                let layer = Layer::from_name(name).ok_or_else(|| KeymapError {
                    path: path.to_path_buf(),
                    line: locate_key(text, None, name),
                    key: name.clone(),
                    message: format!(
                        "unknown key map section; sections: {}",
                        Layer::ALL.map(Layer::name).join(", ")
                    ),
                })?;
                for (action, value) in section {
                    let err = |message: String| KeymapError {
                        path: path.to_path_buf(),
                        line: locate_key(text, Some(layer.name()), action),
                        key: format!("{name}.{action}"),
                        message,
                    };
                    let known = layer.actions();
                    let Some(&action_name) = known.iter().find(|a| **a == action.as_str()) else {
                        return Err(err(format!(
                            "unknown action; known actions in [{name}]: {}",
                            known.join(", ")
                        )));
                    };
                    let keys = key_list(value).map_err(err)?;
                    match layer {
                        Layer::Main => match Action::from_name(action_name) {
                            Some(a) => staged.push((a, keys)),
                            None => return Err(err("unknown action".into())),
                        },
                        other => staged_layers.push((other, action_name, keys)),
                    }
                }
                continue;
            }
            let err = |message: String| KeymapError {
                path: path.to_path_buf(),
                line: locate_key(text, None, name),
                key: name.clone(),
                message,
            };
            let action = Action::from_name(name).ok_or_else(|| {
                err(format!(
                    "unknown action; known actions: {}; sections: {}",
                    Action::ALL.map(Action::name).join(", "),
                    Layer::ALL.map(Layer::name).join(", ")
                ))
            })?;
            staged.push((action, key_list(value).map_err(err)?));
        }
        for (action, keys) in staged {
            // A key moves to its new action: take it away from any other one.
            for list in self.by_action.values_mut() {
                list.retain(|k| !keys.contains(k));
            }
            self.by_action.insert(action, keys);
        }
        for (layer, action, keys) in staged_layers {
            // The same within a layer; other layers keep their own use of the key.
            let bindings = self.layers.entry(layer).or_default();
            for list in bindings.values_mut() {
                list.retain(|k| !keys.contains(k));
            }
            bindings.insert(action, keys);
        }
        Ok(())
    }

    /// The action of input layer `layer` bound to a key press, by name.
    fn layer_action(&self, layer: Layer, ev: &KeyEvent) -> Option<&'static str> {
        let key = Key::from_event(ev);
        self.layers
            .get(&layer)?
            .iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(a, _)| *a)
    }

    pub fn dialog(&self, ev: &KeyEvent) -> Option<DialogAction> {
        self.layer_action(Layer::Dialog, ev)
            .and_then(DialogAction::from_name)
    }

    pub fn search(&self, ev: &KeyEvent) -> Option<SearchAction> {
        self.layer_action(Layer::Search, ev)
            .and_then(SearchAction::from_name)
    }

    pub fn filter(&self, ev: &KeyEvent) -> Option<FilterAction> {
        self.layer_action(Layer::Filter, ev)
            .and_then(FilterAction::from_name)
    }

    pub fn command(&self, ev: &KeyEvent) -> Option<CommandAction> {
        self.layer_action(Layer::Command, ev)
            .and_then(CommandAction::from_name)
    }

    pub fn edit(&self, ev: &KeyEvent) -> Option<EditAction> {
        self.layer_action(Layer::Input, ev)
            .and_then(EditAction::from_name)
    }

    pub fn viewer(&self, ev: &KeyEvent) -> Option<ViewerAction> {
        self.layer_action(Layer::Viewer, ev)
            .and_then(ViewerAction::from_name)
    }

    /// `Enter/r` for an input layer's action, for the help and the hints (empty when
    /// unbound). The main layer's are [`Keymap::label`].
    pub fn layer_label(&self, layer: Layer, action: &str) -> String {
        if layer == Layer::Main {
            return Action::from_name(action).map_or_else(String::new, |a| self.label(a));
        }
        self.layers
            .get(&layer)
            .and_then(|b| b.get(action))
            .map_or_else(String::new, |keys| {
                keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
            })
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

/// The keys of one binding: a list of key names (or one name).
fn key_list(value: &toml::Value) -> Result<Vec<Key>, String> {
    let list = match value {
        toml::Value::Array(a) => a.clone(),
        toml::Value::String(s) => vec![toml::Value::String(s.clone())],
        _ => return Err("expected a list of key names".into()),
    };
    let mut keys = Vec::with_capacity(list.len());
    for v in list {
        let s = v
            .as_str()
            .ok_or_else(|| format!("{v} is not a key name (a string)"))?;
        keys.push(Key::parse(s).ok_or_else(|| format!("unknown key {s:?}"))?);
    }
    Ok(keys)
}

/// Line of `key = ` inside the `[keys]` table of a config text, or inside its
/// `[keys.<layer>]` table (`[<layer>]` in the defaults file); 1 when not found.
fn locate_key(text: &str, layer: Option<&str>, key: &str) -> usize {
    let has_keys = text.contains("[keys");
    let wanted: Vec<String> = match layer {
        Some(l) => vec![format!("[keys.{l}]"), format!("[{l}]")],
        None => vec!["[keys]".to_string()],
    };
    let mut in_keys = layer.is_none() && !has_keys;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_keys = wanted.iter().any(|w| w == t);
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

    #[test]
    fn every_layer_binds_every_action_by_default_and_keeps_its_own_keys() {
        let map = Keymap::defaults();
        for layer in Layer::ALL {
            for a in layer.actions() {
                assert!(
                    !map.layer_label(layer, a).is_empty(),
                    "{}.{a} unbound",
                    layer.name()
                );
            }
        }
        let enter = ev(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(map.dialog(&enter), Some(DialogAction::Confirm));
        assert_eq!(map.search(&enter), Some(SearchAction::Open));
        assert_eq!(map.command(&enter), Some(CommandAction::Run));
        assert_eq!(map.filter(&enter), Some(FilterAction::Done));
        // `r` reloads in a dialog and reports a rectification on a list.
        let r = ev(KeyCode::Char('r'), KeyModifiers::NONE);
        assert_eq!(map.dialog(&r), Some(DialogAction::Reload));
        assert_eq!(map.action(&r), Some(Action::Rectified));
        assert_eq!(
            map.edit(&ev(KeyCode::Char('w'), KeyModifiers::CONTROL)),
            Some(EditAction::DeleteWord)
        );
        assert_eq!(
            map.viewer(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(ViewerAction::Down)
        );
    }

    #[test]
    fn a_layer_remap_moves_the_key_within_its_layer_only() {
        let text =
            "[keys]\ndown = [\"j\"]\n[keys.dialog]\nconfirm = [\"Ctrl-s\"]\ncancel = [\"Enter\"]\n";
        let cfg: toml::Table = toml::from_str(text).expect("toml");
        let keys = cfg["keys"].as_table().expect("keys").clone();
        let map = Keymap::with_overrides(Path::new("c.toml"), text, &keys).expect("valid");
        let cs = ev(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(map.dialog(&cs), Some(DialogAction::Confirm));
        assert_eq!(
            map.dialog(&ev(KeyCode::Enter, KeyModifiers::NONE)),
            Some(DialogAction::Cancel)
        );
        assert_eq!(map.dialog(&ev(KeyCode::Esc, KeyModifiers::NONE)), None);
        assert_eq!(map.layer_label(Layer::Dialog, "cancel"), "Enter");
        // The search keeps its Enter.
        assert_eq!(
            map.search(&ev(KeyCode::Enter, KeyModifiers::NONE)),
            Some(SearchAction::Open)
        );
    }

    #[test]
    fn layer_errors_name_the_line_the_section_and_the_action() {
        let text = "[keys]
down = [\"j\"]
\n[keys.dialog]
confirm = [\"Ctrl-s\"]
save = [\"s\"]
";
        let cfg: toml::Table = toml::from_str(text).expect("toml");
        let keys = cfg["keys"].as_table().expect("keys").clone();
        let e = Keymap::with_overrides(Path::new("c.toml"), text, &keys).expect_err("bad");
        let msg = e.to_string();
        assert!(
            msg.starts_with("c.toml, line 6: [keys] dialog.save"),
            "{msg}"
        );
        assert!(msg.contains("confirm, cancel, reload"), "{msg}");
        let text = "[keys.dialgo]
confirm = [\"Ctrl-s\"]
";
        let cfg: toml::Table = toml::from_str(text).expect("toml");
        let keys = cfg["keys"].as_table().expect("keys").clone();
        let e = Keymap::with_overrides(Path::new("c.toml"), text, &keys).expect_err("bad");
        assert!(e.to_string().contains("dialgo"), "{e}");
        assert!(e.to_string().contains("unknown key map section"), "{e}");
    }
}
