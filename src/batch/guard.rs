//! Before anything is read: the files of a batch run are different files. Writing the output
//! onto the input or onto a prior would destroy the record it was computed from, and a prior
//! given twice would be deducted twice (SPEC §6: compared by device and inode where they exist,
//! `sheet::guard`).
//! And the output and summary are regular files of a format calc writes, or new ones.

use std::path::Path;

use crate::error::InputError;
use crate::sheet::guard::Identity;
use crate::sheet::write::is_stdout;

use super::Options;

/// What a file is to the run, in both languages, for messages.
struct Role {
    zh: &'static str,
    en: &'static str,
}

const INPUT: Role = Role {
    zh: "输入",
    en: "the input",
};
const PRIOR: Role = Role {
    zh: "往期奖补 --prior",
    en: "a --prior",
};
const OUTPUT: Role = Role {
    zh: "输出 -o",
    en: "the output -o",
};
const SUMMARY: Role = Role {
    zh: "汇总 --summary",
    en: "the --summary",
};

/// Refuses any two of input, priors, output and summary that are one file.
pub fn distinct_files(opts: &Options) -> Result<(), InputError> {
    let mut files: Vec<(&Path, &Role)> = vec![(&opts.input, &INPUT)];
    files.extend(opts.priors.iter().map(|p| (p.as_path(), &PRIOR)));
    // A check writes nothing: its output and summary are not files of the run.
    if !opts.check && !is_stdout(&opts.output) {
        files.push((&opts.output, &OUTPUT));
    }
    if !opts.check {
        files.extend(opts.summary.iter().map(|s| (s.as_path(), &SUMMARY)));
    }
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

/// Refuses an output or summary that is not a regular file (a device, a FIFO: renaming onto it
/// would replace it) or whose extension names no format calc writes.
pub fn writable_targets(opts: &Options) -> Result<(), InputError> {
    let output = Some(&opts.output).filter(|o| !is_stdout(o));
    let targets = (output.map(|o| (o, &OUTPUT)))
        .into_iter()
        .chain(opts.summary.iter().map(|s| (s, &SUMMARY)));
    for (path, role) in targets {
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dir: &Path, output: &str, priors: &[&str], summary: Option<&str>) -> Options {
        Options {
            input: dir.join("in.csv"),
            output: dir.join(output),
            priors: priors.iter().map(|p| dir.join(p)).collect(),
            summary: summary.map(|s| dir.join(s)),
            bom: true,
            encoding: crate::sheet::read::Encoding::Auto,
            keep_columns: Vec::new(),
            sheet: None,
            check: false,
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            lang: crate::render::Lang::Zh,
        }
    }

    #[test]
    fn one_file_in_two_roles_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in ["in.csv", "r1.csv"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        std::fs::hard_link(d.join("r1.csv"), d.join("r1-link.csv")).unwrap();
        let refused = |o: Options| distinct_files(&o).unwrap_err().message;
        assert!(
            refused(options(d, "in.csv", &[], None))
                .contains("the output -o is the same file as the input")
        );
        assert!(
            refused(options(d, "r1.csv", &["r1.csv"], None))
                .contains("the output -o is the same file as a --prior")
        );
        assert!(
            refused(options(d, "o.csv", &["r1.csv", "r1.csv"], None))
                .contains("a --prior is the same file as a --prior")
        );
        // A second name for one file (a hard link) is the same file.
        assert!(
            refused(options(d, "o.csv", &["r1.csv", "r1-link.csv"], None))
                .contains("a --prior is the same file as a --prior")
        );
        // Two outputs not yet written, at one place.
        assert!(
            refused(options(d, "o.csv", &[], Some("./o.csv")))
                .contains("the --summary is the same file as the output -o")
        );
        assert!(
            refused(options(d, "o.csv", &[], Some("in.csv")))
                .contains("the --summary is the same file as the input")
        );
        assert!(distinct_files(&options(d, "o.csv", &["r1.csv"], Some("s.csv"))).is_ok());
    }
}
