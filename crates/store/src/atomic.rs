//! Durable file replacement: write a temporary file beside the target, fsync it,
//! rename it over the target, fsync the directory. A crash at any point leaves either
//! the old file or the new one, never a mix.
//!
//! The new file has its final mode from the moment it exists (see [`crate::perm`]):
//! private, or shared with the group in a shared store, never first readable by
//! everyone and narrowed afterwards.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::StoreError;
use crate::perm;

static NEXT_TMP: AtomicU64 = AtomicU64::new(0);

/// Replace `path` with `bytes` atomically and durably. The file is private (0600), or
/// 0660 in a shared (setgid) directory ([`perm::file_mode`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_atomic_mode(path, bytes, perm::file_mode(perm::parent(path)))
}

/// [`write_atomic`] for a secret (the server's tokens): 0600 in any directory, shared
/// or not, from its creation on.
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_atomic_mode(path, bytes, perm::PRIVATE_FILE)
}

fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), StoreError> {
    let dir = perm::parent(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    // One temporary name per call, not per process: two threads of one process (a
    // reload overlapping an earlier fetch) must never write into the same file. A
    // leftover of a crashed process that had this pid is simply overwritten.
    let n = NEXT_TMP.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp.{}.{n}", std::process::id()));
    let result = (|| {
        let mut f = create_tmp(&tmp, mode).map_err(|e| StoreError::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| StoreError::io(&tmp, e))?;
        f.sync_all().map_err(|e| StoreError::io(&tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| StoreError::io(path, e))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The temporary file, created with `mode` (and given it exactly, whatever the umask).
fn create_tmp(tmp: &Path, mode: u32) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(mode);
    }
    let f = o.open(tmp)?;
    perm::set_mode(&f, mode)?;
    Ok(f)
}

/// fsync a directory so that a rename or a new file in it survives a power cut.
pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).expect("meta").permissions().mode() & 0o7777
    }

    #[test]
    fn written_files_are_private() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = tmp.path().join("journal.jsonl");
        write_atomic(&p, b"x").expect("write");
        assert_eq!(mode(&p), 0o600);
        assert_eq!(fs::read(&p).expect("read"), b"x");
    }

    #[test]
    fn a_secret_is_private_from_its_creation_even_in_a_shared_directory() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path();
        fs::set_permissions(dir, fs::Permissions::from_mode(0o2770)).expect("setgid");
        // The temporary file, before anything is written or renamed, already 0600.
        let t = dir.join(".tokens.tmp");
        let f = create_tmp(&t, perm::PRIVATE_FILE).expect("tmp file");
        assert_eq!(mode(&t), 0o600);
        drop(f);
        let p = dir.join("tokens.json");
        write_atomic_private(&p, b"{}").expect("write");
        assert_eq!(mode(&p), 0o600);
        if perm::is_shared(dir) {
            let shared = dir.join("journal.jsonl");
            write_atomic(&shared, b"x").expect("write");
            assert_eq!(mode(&shared), 0o660);
        }
    }
}
