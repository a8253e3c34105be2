//! The findings a supervisor marked (Space) and the channel a reminder records: plain
//! state, kept apart from [`crate::chase`] (which reads the whole console state) so
//! the console's state can hold it.

use std::collections::BTreeSet;

use govcheck_domain::event::Channel;

/// The marked findings (ids), and the channel a reminder records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    pub ids: BTreeSet<String>,
    pub channel: Option<Channel>,
    /// The marked findings the open dialog records for (set when it opened with
    /// marks): confirming it sends one event per target.
    pub batch: Option<Vec<Target>>,
}

impl Marks {
    pub fn channel(&self) -> Channel {
        self.channel.unwrap_or(Channel::Phone)
    }

    /// The next channel (`Tab` in the reminder dialog).
    pub fn next_channel(&mut self) {
        let now = self.channel();
        let i = Channel::ALL.iter().position(|c| *c == now).unwrap_or(0);
        self.channel = Some(Channel::ALL[(i + 1) % Channel::ALL.len()]);
    }

    /// Mark or unmark; true when it is marked now.
    pub fn toggle(&mut self, id: &str) -> bool {
        if self.ids.remove(id) {
            false
        } else {
            self.ids.insert(id.to_string());
            true
        }
    }
}

/// One event of a batch: the finding, the version the supervisor saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub finding: String,
    pub version: u32,
}
