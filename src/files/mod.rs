//! The edge: every file calc reads or writes by its path, for the shells (the command line, a
//! server) only. The library takes values (a file's bytes, a table, facts) and writes to any
//! `impl Write` in a format it is told; what is path-shaped lives here:
//!
//! - reading: a file's bytes under a limit counted while reading (a pipe, a FIFO, /dev/zero),
//!   `-` for standard input; a round's spreadsheet as a `Table`; a facts file; a rules folder
//!   and overlays (each text under the facts files' 16 MiB limit);
//! - the format an output is written in, by its extension;
//! - writing: a temporary file beside the target, synced and renamed onto it once complete
//!   (`Target`), with the mode a new or replaced file should have; the target's folder locked
//!   against another run (`lock_folder`); the temporaries removed on a signal
//!   (`remove_temporaries`);
//! - `guard`: whether two paths are one file, and a run's targets writable.

pub mod guard;

use std::io::Read;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, InputError, InputErrors};
use crate::facts::{Facts, MAX_FACTS_BYTES};
use crate::prior::PriorFile;
use crate::rules::{CLAUSES_DIR, POLICY_FILE, RuleSet, RuleSources, VOCABULARY_FILE};
use crate::sheet::Format;
use crate::sheet::read::{Encoding, MAX_INPUT_BYTES, Table, too_large};

/// `-`: standard input, or standard output.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A file's bytes (standard input for `-`), refused past `limit` bytes, counted while reading:
/// a regular file by its size first, a pipe or a device as it is read.
pub fn read_bytes(
    path: &Path,
    limit: u64,
    too_large: impl Fn(u64) -> InputError,
) -> Result<Vec<u8>, InputError> {
    let shown = shown(path);
    let cannot = |e: std::io::Error| {
        InputError::new(
            &shown,
            crate::text!("无法读取文件", "cannot read the file: {e}"),
        )
    };
    let mut bytes = Vec::new();
    if is_stdio(path) {
        (std::io::stdin().lock().take(limit + 1))
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
    } else {
        let file = std::fs::File::open(path).map_err(cannot)?;
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        if let Some(len) = size.filter(|&len| len > limit) {
            return Err(too_large(len));
        }
        bytes.reserve(size.unwrap_or(0) as usize + 1);
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
    }
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// How a path is named in messages (`<stdin>` for `-`).
pub fn shown(path: &Path) -> String {
    if is_stdio(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// A round's spreadsheet (or a round's output, a prior table) read from a file.
pub fn table(path: &Path, encoding: Encoding, sheet: Option<&str>) -> Result<Table, InputError> {
    let shown = shown(path);
    let bytes = read_bytes(path, MAX_INPUT_BYTES, |n| too_large(&shown, n))?;
    Table::from_bytes(shown, bytes, encoding, sheet)
}

/// Prior files (`--prior`), each read as a source of earlier awards.
pub fn prior_files(paths: &[PathBuf], encoding: Encoding) -> Result<Vec<PriorFile>, InputError> {
    (paths.iter())
        .map(|p| table(p, encoding, None).map(PriorFile::new))
        .collect()
}

/// A facts file (standard input for `-`).
pub fn facts(rules: &RuleSet, path: &Path) -> Result<Facts, InputError> {
    let shown = shown(path);
    let bytes = read_bytes(path, MAX_FACTS_BYTES, |n| {
        crate::facts::too_large(&shown, n)
    })?;
    Facts::from_bytes(rules, &shown, bytes)
}

/// A text file a person wrote (a rule file, an overlay, a case), under the facts files' limit.
pub fn text(path: &Path) -> Result<String, InputError> {
    let shown = shown(path);
    let bytes = read_bytes(path, MAX_FACTS_BYTES, |n| {
        crate::facts::too_large(&shown, n)
    })?;
    String::from_utf8(bytes).map_err(|_| {
        InputError::new(
            &shown,
            crate::text!(
                "文件不是 UTF-8 编码 (请另存为 UTF-8)",
                "the file is not UTF-8 (save it as UTF-8)"
            ),
        )
    })
}

/// The rule files of a folder: `policy.toml`, `vocabulary.toml` and `clauses/*.toml`, each
/// under the facts files' limit; every file that cannot be read is named.
pub fn rules_dir(dir: &Path) -> Result<RuleSources, InputErrors> {
    let shown = dir.display().to_string();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut read = |name: String, path: PathBuf| match text(&path) {
        Ok(t) => files.push((name, t)),
        Err(e) => errors.push(e),
    };
    for f in [POLICY_FILE, VOCABULARY_FILE] {
        read(f.to_string(), dir.join(f));
    }
    let clauses = dir.join(CLAUSES_DIR);
    match std::fs::read_dir(&clauses) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> = (entries.filter_map(|e| e.ok()))
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for p in paths {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                read(format!("{CLAUSES_DIR}/{name}"), p);
            }
        }
        Err(e) => errors.push(InputError::new(
            clauses.display().to_string(),
            crate::text!("无法读取条款目录", "cannot read the clauses folder: {e}"),
        )),
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    Ok(RuleSources {
        files,
        origin: shown,
        overlays: Vec::new(),
    })
}

/// The case files (`*.toml`) of a folder and its subfolders, in name order. A symbolic link
/// to a folder is not followed, so a link back up the tree is no loop.
pub fn case_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let p = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") && !p.is_dir() {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The format an output is written in, by its extension: XLSX for `.xlsx`, else CSV.
pub fn format_of(path: &Path) -> Format {
    let xlsx =
        (path.extension().and_then(|e| e.to_str())).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if xlsx { Format::Xlsx } else { Format::Csv }
}

/// A write error at `path`.
pub fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The folder a file is in.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The temporary files made so far, for `remove_temporaries`.
static TEMPORARIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes every temporary file this process made that is still there: for a shell stopping
/// the process on a signal, when no destructor runs. A file already renamed into place is gone
/// from its temporary name, so nothing else is touched.
pub fn remove_temporaries() {
    if let Ok(t) = TEMPORARIES.lock() {
        for path in t.iter() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// An output being written: a temporary file beside its path, with the mode the output is to
/// have (a replaced file's own, else 0666 less the umask, as any new file), renamed onto the
/// path by `commit` once complete. Dropped uncommitted, it is removed.
pub struct Target {
    pub path: PathBuf,
    tmp: NamedTempFile,
}

impl Target {
    pub fn beside(path: &Path) -> Result<Target, Error> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(".calc-").suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The system takes the umask off the mode a file is created with.
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let folder = folder_of(path);
        let tmp = (builder.tempfile_in(folder)).map_err(|e| unmakeable(path, folder, e))?;
        if let Ok(mut t) = TEMPORARIES.lock() {
            t.push(tmp.path().to_path_buf());
        }
        if let Ok(existing) = std::fs::metadata(path) {
            (tmp.as_file().set_permissions(existing.permissions()))
                .map_err(|e| write_error(path, e))?;
        }
        Ok(Target {
            path: path.to_path_buf(),
            tmp,
        })
    }

    /// The file to write to.
    pub fn file(&self) -> &std::fs::File {
        self.tmp.as_file()
    }

    /// Synced, so that the rename publishes complete contents, then renamed onto the path.
    pub fn commit(self) -> Result<(), Error> {
        let path = self.path;
        (self.tmp.as_file().sync_all()).map_err(|e| write_error(&path, e))?;
        (self.tmp.persist(&path))
            .map(|_| ())
            .map_err(|e| write_error(&path, e.error))
    }
}

/// Why an output's temporary file could not be made beside it, naming the output and its
/// folder (never the temporary file's own name, which the user never gave).
fn unmakeable(path: &Path, folder: &Path, e: std::io::Error) -> Error {
    let shown = folder.display();
    if !folder.is_dir() {
        return Error::Input(InputError::new(
            path.display().to_string(),
            crate::text!(
                "文件夹“{shown}”不存在，请先建立它或换一个输出位置",
                "the folder `{shown}` does not exist: make it first, or write the output elsewhere"
            ),
        ));
    }
    // The system's words for the cause, without the temporary file's path.
    let cause = e
        .raw_os_error()
        .map(std::io::Error::from_raw_os_error)
        .unwrap_or(e);
    write_error(path, format!("文件夹 folder `{shown}`: {cause}"))
}

/// Writes a whole file or nothing: a `Target` written by `write`, then committed.
pub fn write_whole(
    path: &Path,
    write: impl FnOnce(&std::fs::File) -> Result<(), Error>,
) -> Result<(), Error> {
    let target = Target::beside(path)?;
    write(target.file())?;
    target.commit()
}

/// Holds the output's folder locked until dropped (where the system locks folders), waiting
/// for another run that holds it.
pub fn lock_folder(path: &Path) -> Result<Option<std::fs::File>, Error> {
    if !cfg!(unix) || is_stdio(path) {
        return Ok(None);
    }
    let folder = std::fs::File::open(folder_of(path)).map_err(|e| write_error(path, e))?;
    folder.lock().map_err(|e| write_error(path, e))?;
    Ok(Some(folder))
}
