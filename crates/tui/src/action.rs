//! What a key press means, independent of which key it was: the key map turns input
//! into an [`Action`], and only [`crate::update`] decides what an action does. Keeping
//! the two apart is what lets users remap keys and lets the help overlay be generated.

/// Everything a bound key can ask for. The snake_case name is the one used in
/// `config/keymap.toml` and in the user's `[keys]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Overview,
    Problems,
    Deadlines,
    Warnings,
    NextView,
    /// The view before this one (Shift-Tab).
    PrevView,
    PrevRound,
    NextRound,
    Search,
    Filter,
    Sort,
    /// Reverse the current sort column's order.
    ReverseSort,
    ProblemsOnly,
    Verify,
    Reject,
    Rectified,
    Extend,
    Reopen,
    Help,
    Command,
    Copy,
    /// Write the notice attachments (附件1, 附件2) of the overview's scope.
    Export,
    /// Write the whole notice (body, 附件1, 附件2) of the overview's scope as .docx.
    ExportDocx,
    Reload,
    Quit,
}

impl Action {
    /// All actions, in the order the help overlay lists them.
    pub const ALL: [Action; 33] = [
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Back,
        Action::Overview,
        Action::Problems,
        Action::Deadlines,
        Action::Warnings,
        Action::NextView,
        Action::PrevView,
        Action::PrevRound,
        Action::NextRound,
        Action::Search,
        Action::Filter,
        Action::Sort,
        Action::ReverseSort,
        Action::ProblemsOnly,
        Action::Verify,
        Action::Reject,
        Action::Rectified,
        Action::Extend,
        Action::Reopen,
        Action::Help,
        Action::Command,
        Action::Copy,
        Action::Export,
        Action::ExportDocx,
        Action::Reload,
        Action::Quit,
    ];

    /// The name in key map files.
    pub fn name(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Open => "open",
            Action::Back => "back",
            Action::Overview => "overview",
            Action::Problems => "problems",
            Action::Deadlines => "deadlines",
            Action::Warnings => "warnings",
            Action::NextView => "next_view",
            Action::PrevView => "prev_view",
            Action::PrevRound => "prev_round",
            Action::NextRound => "next_round",
            Action::Search => "search",
            Action::Filter => "filter",
            Action::Sort => "sort",
            Action::ReverseSort => "reverse_sort",
            Action::ProblemsOnly => "problems_only",
            Action::Verify => "verify",
            Action::Reject => "reject",
            Action::Rectified => "rectified",
            Action::Extend => "extend",
            Action::Reopen => "reopen",
            Action::Help => "help",
            Action::Command => "command",
            Action::Copy => "copy",
            Action::Export => "export",
            Action::ExportDocx => "export_docx",
            Action::Reload => "reload",
            Action::Quit => "quit",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Key of the action's description in the interface catalogue (`help.<name>`).
    pub fn help_key(self) -> String {
        format!("help.{}", self.name())
    }
}
