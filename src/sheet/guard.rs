//! Whether two paths are one file: compared by device and inode where they exist (a second
//! name for a file, a hard link, is the same file), else by folder and name (files not yet
//! written).

use std::path::{Path, PathBuf};

/// Whether two paths are one file (by device and inode, or by folder and name).
pub fn same_file(a: &Path, b: &Path) -> bool {
    Identity::of(a) == Identity::of(b)
}

/// A file's identity: its device and inode where it exists, else its folder and name.
#[derive(PartialEq, Eq, Debug)]
pub(crate) enum Identity {
    Inode(u64, u64),
    Path(PathBuf),
}

impl Identity {
    pub(crate) fn of(path: &Path) -> Identity {
        if let Some(id) = inode(path) {
            return id;
        }
        let folder = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let folder = folder
            .canonicalize()
            .unwrap_or_else(|_| folder.to_path_buf());
        Identity::Path(folder.join(path.file_name().unwrap_or_default()))
    }
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(Identity::Inode(m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn inode(path: &Path) -> Option<Identity> {
    path.canonicalize().ok().map(Identity::Path)
}
