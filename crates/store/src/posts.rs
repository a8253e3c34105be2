//! Post timestamps, kept apart from the journal: there are millions of them, only the
//! automatic rules read them, and loading the registry must not pay for them.
//!
//! `posts.tsv`: a header line `# govcheck posts v1`, then one line per account:
//! `<account id>\t<unix seconds>:<utc offset minutes>,…` sorted by time, no duplicates.
//! The file is rewritten whole on each import: beside the journal batch it belongs to
//! (`posts.tsv.pending-<seq>`), put in place once that batch is committed (see
//! [`crate::local`]).

use std::collections::BTreeMap;
use std::path::Path;

use crate::atomic::write_atomic;
use crate::error::StoreError;
use govcheck_domain::rules::Posts;

pub const HEADER: &str = "# govcheck posts v1";

/// One post time with the offset it was written with.
pub type Stamp = (i64, i32);

/// All posts with their offsets, per account, for merging.
pub type RawPosts = BTreeMap<String, Vec<Stamp>>;

/// Read the posts file; a missing file is no posts.
pub fn read_raw(path: &Path) -> Result<RawPosts, StoreError> {
    let mut out = RawPosts::new();
    parse(path, |id, stamps| {
        out.insert(id.to_string(), stamps);
    })?;
    Ok(out)
}

/// Read only the instants, grouped by account: what the rules need, fast.
pub fn read(path: &Path) -> Result<Posts, StoreError> {
    let mut posts = Posts::default();
    parse(path, |id, stamps| {
        posts
            .by_account
            .insert(id.to_string(), stamps.into_iter().map(|(t, _)| t).collect());
    })?;
    Ok(posts)
}

fn parse(path: &Path, each: impl FnMut(&str, Vec<Stamp>)) -> Result<(), StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    parse_text(path, &text, each)
}

/// Parse posts in the file format (as the registry server sends them); `path` names
/// the source in messages.
pub fn parse_posts(path: &Path, text: &str) -> Result<Posts, StoreError> {
    let mut posts = Posts::default();
    parse_text(path, text, |id, stamps| {
        posts
            .by_account
            .insert(id.to_string(), stamps.into_iter().map(|(t, _)| t).collect());
    })?;
    Ok(posts)
}

/// Parse posts in the file format keeping each post's offset (what `govcheck migrate`
/// moves between engines); `path` names the source in messages.
pub fn parse_raw_posts(path: &Path, text: &str) -> Result<RawPosts, StoreError> {
    let mut out = RawPosts::new();
    parse_text(path, text, |id, stamps| {
        out.insert(id.to_string(), stamps);
    })?;
    Ok(out)
}

fn parse_text(
    path: &Path,
    text: &str,
    mut each: impl FnMut(&str, Vec<Stamp>),
) -> Result<(), StoreError> {
    let corrupt = |line: usize, message: &str| StoreError::Corrupt {
        path: path.to_path_buf(),
        line: line as u64,
        message: message.to_string(),
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, HEADER)) => {}
        Some((_, h)) if h.starts_with("# govcheck posts v") => {
            return Err(corrupt(1, &format!("unsupported posts format {h:?}")));
        }
        None => return Ok(()),
        Some(_) => return Err(corrupt(1, "missing header `# govcheck posts v1`")),
    }
    for (i, line) in lines {
        let (id, rest) = line
            .split_once('\t')
            .ok_or_else(|| corrupt(i + 1, "expected `<account>\\t<stamps>`"))?;
        let mut stamps = Vec::with_capacity(rest.len() / 15 + 1);
        for item in rest.split(',').filter(|s| !s.is_empty()) {
            let (t, off) = item
                .split_once(':')
                .ok_or_else(|| corrupt(i + 1, "expected `<seconds>:<offset>`"))?;
            let t: i64 = t.parse().map_err(|_| corrupt(i + 1, "bad seconds"))?;
            let off: i32 = off.parse().map_err(|_| corrupt(i + 1, "bad offset"))?;
            stamps.push((t, off));
        }
        each(id, stamps);
    }
    Ok(())
}

/// Merge `new` into `existing`; returns how many posts were new.
pub fn merge(existing: &mut RawPosts, new: RawPosts) -> usize {
    let mut added = 0;
    for (id, stamps) in new {
        let v = existing.entry(id).or_default();
        let before = v.len();
        v.extend(stamps);
        v.sort_unstable();
        v.dedup_by_key(|s| s.0);
        added += v.len() - before;
    }
    added
}

/// The whole file's bytes.
pub fn render(posts: &RawPosts) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(posts.len() * 64);
    out.push_str(HEADER);
    out.push('\n');
    for (id, stamps) in posts {
        out.push_str(id);
        out.push('\t');
        for (k, (t, off)) in stamps.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            let _ = write!(out, "{t}:{off}");
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Write the whole file atomically.
pub fn write(path: &Path, posts: &RawPosts) -> Result<(), StoreError> {
    write_atomic(path, &render(posts))
}
