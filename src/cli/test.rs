//! `calc test [DIR]`: the declarative cases (facts and the awards expected, each worked by hand).

use std::path::PathBuf;

use calc::cases::run_case;
use calc::error::InputError;
use calc::files::case_files;

use super::{Config, Failure};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 用例目录 / the folder of case files
    #[arg(default_value = "tests/cases")]
    pub dir: PathBuf,
}

pub fn run(config: &Config, args: &Args) -> Result<(), Failure> {
    let shown = args.dir.display().to_string();
    let files = case_files(&args.dir).map_err(|e| {
        InputError::new(
            &shown,
            calc::text!("无法读取用例目录", "cannot read the cases folder: {e}"),
        )
    })?;
    if files.is_empty() {
        return Err(InputError::new(
            &shown,
            calc::text!(
                "目录中没有用例 (*.toml)",
                "no case files (*.toml) in the folder"
            ),
        )
        .into());
    }
    let (mut passed, mut failed) = (0, 0);
    let mut out = String::new();
    for f in &files {
        let case = calc::files::text(f)
            .and_then(|text| run_case(&config.rules, &calc::files::shown(f), &text));
        match case {
            Ok(r) if r.failures.is_empty() => {
                passed += 1;
                out += &format!("PASS {} ({})\n", r.file, r.name);
            }
            Ok(r) => {
                failed += 1;
                out += &format!("FAIL {} ({})\n", r.file, r.name);
                for m in r.failures {
                    out += &format!("     {m}\n");
                }
            }
            Err(e) => {
                failed += 1;
                out += &format!("FAIL {}\n     {e}\n", f.display());
            }
        }
    }
    out += &format!("{passed} passed, {failed} failed\n");
    super::print(&out)?;
    match failed {
        0 => Ok(()),
        _ => Err(Failure::CasesFailed),
    }
}
