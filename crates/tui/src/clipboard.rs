//! What `y` does with the text it copies. A pure decision (tested without a terminal):
//! the task runner only carries it out.
//!
//! OSC 52 asks the terminal to set the clipboard of the machine the user sits at, which
//! is the only way through SSH. Locally it is sent too (kitty, WezTerm, foot, iTerm2,
//! Windows Terminal honour it), but the console cannot ask whether it worked without
//! querying the terminal, so the status line always shows the copied text, ready to be
//! selected by hand.

use govcheck_domain::text::sanitize;
use govcheck_settings::CopyMode;

/// How one copy is carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyPlan {
    /// The text, with control characters and escape sequences neutralised: it goes into
    /// an escape sequence and onto the user's clipboard.
    pub text: String,
    /// Send the text as OSC 52.
    pub osc52: bool,
    /// The i18n key of the status line's label (the text follows it).
    pub label: &'static str,
}

/// Whether this session came in over SSH (the variables sshd sets), read once at start.
pub fn over_ssh() -> bool {
    ["SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

/// Decide how to copy `text` under `mode`, over SSH or not.
pub fn plan(mode: CopyMode, ssh: bool, text: &str) -> CopyPlan {
    let text = sanitize(text);
    let (osc52, label) = match (mode, ssh) {
        (CopyMode::Status, _) => (false, "status.copy_select"),
        (CopyMode::Osc52, _) | (CopyMode::Auto, true) => (true, "status.copied"),
        (CopyMode::Auto, false) => (true, "status.copied_or_select"),
    };
    CopyPlan { text, osc52, label }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_ssh_auto_sends_osc52() {
        let p = plan(CopyMode::Auto, true, "舟山医疗保障 F1");
        assert!(p.osc52);
        assert_eq!(p.label, "status.copied");
        assert_eq!(p.text, "舟山医疗保障 F1");
    }

    #[test]
    fn locally_auto_sends_osc52_and_invites_selection() {
        let p = plan(CopyMode::Auto, false, "a");
        assert!(p.osc52);
        assert_eq!(p.label, "status.copied_or_select");
    }

    #[test]
    fn forced_modes_ignore_ssh() {
        for ssh in [false, true] {
            assert!(plan(CopyMode::Osc52, ssh, "a").osc52);
            assert_eq!(plan(CopyMode::Osc52, ssh, "a").label, "status.copied");
            assert!(!plan(CopyMode::Status, ssh, "a").osc52);
            assert_eq!(plan(CopyMode::Status, ssh, "a").label, "status.copy_select");
        }
    }

    #[test]
    fn copied_text_has_no_control_characters() {
        let p = plan(CopyMode::Auto, true, "舟山\u{1b}]52;c;ZXZpbA==\u{7}\n局");
        assert!(!p.text.chars().any(char::is_control), "{:?}", p.text);
        assert!(p.text.starts_with("舟山"));
        assert!(p.text.ends_with('局'));
    }
}
