//! Published notices: reading the attachments offices publish, storing them as a
//! round's published record, and writing them out for a new notice.

pub mod as_round;
pub mod export;
pub mod read;
