//! Who may read what govcheck writes: the store, the cache and the console log hold a
//! region's whole registry and its supervisors' notes, so they are private to the user
//! who made them (directories 0700, files 0600) instead of readable by every account on
//! the host. When several OS users share one store (an inspection week on one jump
//! host), the store directory is setgid to their group (`govcheck init --group NAME`,
//! mode 2770); in such a directory new files are 0660 and new directories 2770, so the
//! group can read and write them. The modes are set explicitly, never left to the umask
//! (a umask of 022 would otherwise make the shared files read-only for the group).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// A file only its owner reads and writes.
pub const PRIVATE_FILE: u32 = 0o600;
/// A directory only its owner enters.
pub const PRIVATE_DIR: u32 = 0o700;
/// A file of a shared (setgid) directory: its group reads and writes it too.
pub const GROUP_FILE: u32 = 0o660;
/// A shared directory: setgid, so what is created in it takes its group.
pub const GROUP_DIR: u32 = 0o2770;

#[cfg(unix)]
const SETGID: u32 = 0o2000;

/// Whether `dir` is a shared directory (its setgid bit is set).
pub fn is_shared(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & SETGID != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        false
    }
}

/// The mode of a new file in `dir`: [`GROUP_FILE`] in a shared directory, else
/// [`PRIVATE_FILE`].
pub fn file_mode(dir: &Path) -> u32 {
    if is_shared(dir) {
        GROUP_FILE
    } else {
        PRIVATE_FILE
    }
}

/// The directory a file is in (`.` for a bare name).
pub fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Give `file` exactly `mode`, whatever the umask made of it.
pub fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

/// Open `path` with `opts`, creating it first when it does not exist, with the mode of
/// its directory ([`file_mode`]). `opts` must not ask to create (no `create(true)`): an
/// existing file is opened as it is, a new one is created exclusively and given its
/// mode, so the mode is never a left-over of the umask.
pub fn open(opts: &OpenOptions, path: &Path) -> io::Result<File> {
    let mode = file_mode(parent(path));
    let mut create = opts.clone();
    create.create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        create.mode(mode);
    }
    match create.open(path) {
        Ok(f) => {
            set_mode(&f, mode)?;
            Ok(f)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => opts.open(path),
        Err(e) => Err(e),
    }
}

/// Create `dir` and its missing parents, each private ([`PRIVATE_DIR`]), or shared
/// ([`GROUP_DIR`]) when it is made inside a shared directory. Directories that exist
/// are left as they are.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        missing.push(d);
        at = d.parent();
    }
    for d in missing.into_iter().rev() {
        create_dir(d)?;
    }
    Ok(())
}

fn create_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let shared = is_shared(parent(dir));
        match std::fs::DirBuilder::new().mode(PRIVATE_DIR).create(dir) {
            Ok(()) => {}
            // Made meanwhile by someone else (another govcheck): theirs to shape.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
            Err(e) => return Err(e),
        }
        let mode = if shared { GROUP_DIR } else { PRIVATE_DIR };
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        match std::fs::create_dir(dir) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
            r => r,
        }
    }
}

/// Make `dir` (an existing, empty directory of the caller's) the shared directory of
/// the group `gid`: its group becomes `gid` and its mode [`GROUP_DIR`].
#[cfg(unix)]
pub fn share_with_group(dir: &Path, gid: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::os::unix::fs::chown(dir, None, Some(gid))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(GROUP_DIR))
}

/// The id of the group called `name` (or given as a number), from the host's group
/// database; `None` when there is no such group.
#[cfg(unix)]
pub fn group_id(name: &str) -> io::Result<Option<u32>> {
    if let Ok(gid) = name.parse::<u32>() {
        return Ok(Some(gid));
    }
    let Ok(cname) = std::ffi::CString::new(name) else {
        return Ok(None);
    };
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: `grp` and `result` are valid for writes, `buf` is a live buffer of
        // `buf.len()` bytes that getgrnam_r fills and points `grp`'s strings into; we
        // read only `gr_gid` (a plain integer) before `buf` goes away.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::group = std::ptr::null_mut();
        let rc = unsafe {
            libc::getgrnam_r(
                cname.as_ptr(),
                &mut grp,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        return Ok((!result.is_null()).then_some(grp.gr_gid));
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("meta").permissions().mode() & 0o7777
    }

    #[test]
    fn new_files_and_dirs_are_private() {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path().join("a/b");
        create_dir_all(&d).expect("dirs");
        assert_eq!(mode(&tmp.path().join("a")), PRIVATE_DIR);
        assert_eq!(mode(&d), PRIVATE_DIR);
        let p = d.join("lock");
        let mut o = OpenOptions::new();
        o.write(true);
        open(&o, &p).expect("created");
        assert_eq!(mode(&p), PRIVATE_FILE);
        // An existing file is opened as it is.
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        open(&o, &p).expect("opened");
        assert_eq!(mode(&p), 0o640);
    }

    #[test]
    fn a_setgid_directory_shares_with_its_group() {
        let tmp = tempfile::tempdir().expect("tmp");
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).expect("dir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2770)).expect("setgid");
        if !is_shared(&shared) {
            // A file system that ignores the setgid bit: nothing to check here.
            return;
        }
        let sub = shared.join("cache");
        create_dir_all(&sub).expect("sub");
        assert_eq!(mode(&sub), GROUP_DIR);
        let p = shared.join("journal");
        let mut o = OpenOptions::new();
        o.append(true);
        open(&o, &p).expect("created");
        assert_eq!(mode(&p), GROUP_FILE);
    }

    #[test]
    fn groups_by_name_or_number() {
        assert_eq!(group_id("0").expect("lookup"), Some(0));
        assert_eq!(group_id("root").expect("lookup"), Some(0));
        assert_eq!(group_id("no-such-group-govcheck").expect("lookup"), None);
        assert_eq!(group_id("a\0b").expect("lookup"), None);
    }
}
