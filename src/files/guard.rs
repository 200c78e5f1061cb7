//! Whether two paths are one file: compared by device and inode where they exist (a second
//! name for a file, a hard link, is the same file), else by folder and name (files not yet
//! written). Before anything is read, a run's files are checked to be different files (writing
//! an output onto its input would destroy the record it was computed from, and a prior given
//! twice would be deducted twice; SPEC §6), and its targets to be regular files of a format
//! calc writes, or new ones.

use std::path::{Path, PathBuf};

use crate::error::InputError;

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

/// What a file is to the run, in both languages, for messages.
pub struct Role {
    pub zh: &'static str,
    pub en: &'static str,
}

pub const INPUT: Role = Role {
    zh: "输入",
    en: "the input",
};
pub const PRIOR: Role = Role {
    zh: "往期奖补 --prior",
    en: "a --prior",
};
pub const OUTPUT: Role = Role {
    zh: "输出 -o",
    en: "the output -o",
};
pub const SUMMARY: Role = Role {
    zh: "汇总 --summary",
    en: "the --summary",
};

/// Refuses any two of a run's files that are one file, naming both roles.
pub fn distinct(files: &[(&Path, &Role)]) -> Result<(), InputError> {
    let ids: Vec<Identity> = files.iter().map(|(p, _)| Identity::of(p)).collect();
    for (i, a) in ids.iter().enumerate() {
        if let Some(j) = ids[..i].iter().position(|b| b == a) {
            let ((first, r1), (second, r2)) = (files[j], files[i]);
            return Err(InputError::new(
                second.display().to_string(),
                crate::text!("{}与{}是同一个文件 ({})，请换一个文件", r2.zh, r1.zh, first.display(); "{} is the same file as {} ({}): give another file", r2.en, r1.en, first.display()),
            ));
        }
    }
    Ok(())
}

/// Refuses a target that is not a regular file (a device, a FIFO: renaming onto it would
/// replace it) or whose extension names no format calc writes.
pub fn writable(path: &Path, role: &Role) -> Result<(), InputError> {
    let file = path.display().to_string();
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(InputError::new(
            file,
            crate::text!("{}不是普通文件 (设备、管道或目录)，不能替换，请给出一个文件名", role.zh; "{} is not a regular file (a device, a pipe or a folder) and cannot be replaced: give a file name", role.en),
        ));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    if !["csv", "xlsx"].iter().any(|e| ext.eq_ignore_ascii_case(e)) {
        return Err(InputError::new(
            file,
            crate::text!("{}的扩展名“{ext}”不是 .csv 或 .xlsx，请改用其一", role.zh; "{} has the extension `{ext}`, not .csv or .xlsx: use one of them", role.en),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_in_two_roles_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["in.csv", "r1.csv"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        std::fs::hard_link(d.join("r1.csv"), d.join("r1-link.csv")).unwrap();
        let (input, r1, link) = (d.join("in.csv"), d.join("r1.csv"), d.join("r1-link.csv"));
        let (out, out2) = (d.join("o.csv"), d.join("./o.csv"));
        let refused = |files: &[(&Path, &Role)]| distinct(files).unwrap_err().message;
        assert!(
            refused(&[(&input, &INPUT), (&input, &OUTPUT)])
                .contains("the output -o is the same file as the input")
        );
        assert!(
            refused(&[(&r1, &PRIOR), (&r1, &PRIOR)])
                .contains("a --prior is the same file as a --prior")
        );
        // A second name for one file (a hard link) is the same file.
        assert!(
            refused(&[(&r1, &PRIOR), (&link, &PRIOR)])
                .contains("a --prior is the same file as a --prior")
        );
        // Two outputs not yet written, at one place.
        assert!(
            refused(&[(&out, &OUTPUT), (&out2, &SUMMARY)])
                .contains("the --summary is the same file as the output -o")
        );
        assert!(distinct(&[(&input, &INPUT), (&r1, &PRIOR), (&out, &OUTPUT)]).is_ok());
    }
}
