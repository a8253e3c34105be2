//! Published notices' attachments as offices publish them.

pub mod read;
