//! Published notices' attachments as offices publish them.

pub mod columns;
pub mod read;
