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
    /// Read a finding's whole history, every note unabridged, in a scrollable panel.
    Notes,
    /// Write the whole notice (body, 附件1, 附件2) of the overview's scope as .docx.
    ExportDocx,
    Reload,
    Quit,
    /// Mark or unmark the selected finding (Space): `v` and the remind key then act on
    /// every marked finding.
    Mark,
    /// Record a reminder (催办) of the selected or marked findings.
    Remind,
}

impl Action {
    /// All actions, in the order the help overlay lists them.
    pub const ALL: [Action; 36] = [
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
        Action::Notes,
        Action::ExportDocx,
        Action::Reload,
        Action::Quit,
        Action::Mark,
        Action::Remind,
    ];

    /// The name in key map files.
    pub const fn name(self) -> &'static str {
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
            Action::Notes => "notes",
            Action::ExportDocx => "export_docx",
            Action::Reload => "reload",
            Action::Quit => "quit",
            Action::Mark => "mark",
            Action::Remind => "remind",
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

/// The key map's sections: the main layer (pages and lists, the [`Action`]s) and one
/// section per place where keys mean something else (a dialog, the search, the
/// filters, the command line, the editing keys of every text field, the scrollable
/// panels). Each is a table of `config/keymap.toml` and of the user's `[keys]`, as
/// yazi's `[manager]` / `[input]` are, so a remap reaches every layer and the help lists
/// them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Main,
    Dialog,
    Search,
    Filter,
    Command,
    Input,
    Viewer,
}

impl Layer {
    /// In the order the help lists them.
    pub const ALL: [Layer; 7] = [
        Layer::Main,
        Layer::Dialog,
        Layer::Search,
        Layer::Filter,
        Layer::Command,
        Layer::Input,
        Layer::Viewer,
    ];

    /// The table's name (`[keys.dialog]`); the main layer's actions sit at the top
    /// level, where user key maps written before the layers put them, so a layer's
    /// name must differ from every main action's (`search` is one: its layer is
    /// `search_box`).
    pub fn name(self) -> &'static str {
        match self {
            Layer::Main => "main",
            Layer::Dialog => "dialog",
            Layer::Search => "search_box",
            Layer::Filter => "filter_box",
            Layer::Command => "command_line",
            Layer::Input => "text_field",
            Layer::Viewer => "viewer",
        }
    }

    pub fn from_name(name: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The names of the layer's actions, in help order.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            Layer::Main => &MAIN_NAMES,
            Layer::Dialog => DialogAction::NAMES,
            Layer::Search => SearchAction::NAMES,
            Layer::Filter => FilterAction::NAMES,
            Layer::Command => CommandAction::NAMES,
            Layer::Input => EditAction::NAMES,
            Layer::Viewer => ViewerAction::NAMES,
        }
    }

    /// Catalogue key of the layer's heading in the help (`layer.dialog`).
    pub fn title_key(self) -> String {
        format!("layer.{}", self.name())
    }

    /// Catalogue key of an action's description: `help.<name>` for the main layer,
    /// `keys.<layer>.<name>` for the others.
    pub fn help_key(self, action: &str) -> String {
        match self {
            Layer::Main => format!("help.{action}"),
            other => format!("keys.{}.{action}", other.name()),
        }
    }
}

const MAIN_NAMES: [&str; Action::ALL.len()] = {
    let mut out = [""; Action::ALL.len()];
    let mut i = 0;
    while i < Action::ALL.len() {
        out[i] = Action::ALL[i].name();
        i += 1;
    }
    out
};

/// An input layer's actions: a plain enum whose variants are named in the key map.
macro_rules! layer_actions {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $key:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($key),+];

            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $key),+
                }
            }

            pub fn from_name(name: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|a| a.name() == name)
            }
        }
    };
}

layer_actions! {
    /// Keys of a remediation dialog (`[dialog]`); everything else types into the note.
    DialogAction {
        /// Record the action with the note.
        Confirm = "confirm",
        /// Close without recording.
        Cancel = "cancel",
        /// After a conflict: read the registry again and select the finding.
        Reload = "reload",
        /// In a reminder (催办) dialog: the next channel (phone, document, message).
        Channel = "channel",
    }
}

layer_actions! {
    /// Keys of the search (`[search_box]`); everything else types into the query.
    SearchAction {
        /// Open the selected result.
        Open = "open",
        /// Clear the query; on an empty one, close the search.
        Clear = "clear",
        Up = "up",
        Down = "down",
        PageUp = "page_up",
        PageDown = "page_down",
    }
}

layer_actions! {
    /// Keys of the filter chooser (`[filter_box]`).
    FilterAction {
        Done = "done",
        PrevField = "prev_field",
        NextField = "next_field",
        PrevValue = "prev_value",
        NextValue = "next_value",
    }
}

layer_actions! {
    /// Keys of the command line after `:` (`[command_line]`); everything else types.
    CommandAction {
        Run = "run",
        Cancel = "cancel",
        /// Complete the command name.
        Complete = "complete",
    }
}

layer_actions! {
    /// The editing keys every text field shares (`[text_field]`): the note of a dialog, the
    /// search query, the command line.
    EditAction {
        Left = "left",
        Right = "right",
        Home = "home",
        End = "end",
        Backspace = "backspace",
        Delete = "delete",
        KillToStart = "kill_to_start",
        KillToEnd = "kill_to_end",
        DeleteWord = "delete_word",
    }
}

layer_actions! {
    /// Keys of the scrollable panels (`[viewer]`): the help and the note viewer.
    ViewerAction {
        Up = "up",
        Down = "down",
        PageUp = "page_up",
        PageDown = "page_down",
        Top = "top",
        Bottom = "bottom",
        Close = "close",
    }
}
