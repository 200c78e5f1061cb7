//! `calc template [--csv | --xlsx] [-o FILE]`: a blank applicant file with Chinese comments, the
//! round's header row as CSV, or the round's workbook for finance staff, made from the vocabulary.

use std::path::{Path, PathBuf};

use calc::error::Error;

use super::{Config, Failure};

/// The workbook's file name when `-o` is not given.
const WORKBOOK: &str = "申报表.xlsx";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 改为输出 CSV 表头 (UTF-8 带 BOM) / the round's CSV header row (UTF-8 with BOM) instead
    #[arg(long, conflicts_with = "xlsx")]
    pub csv: bool,
    /// 改为生成申报表工作簿 (下拉列表、批注、示例) / the round's workbook (dropdowns, notes, examples)
    #[arg(long)]
    pub xlsx: bool,
    /// 输出文件 (工作簿默认 申报表.xlsx；其余默认标准输出) / output file (the workbook: 申报表.xlsx; else stdout)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(config: &Config, args: &Args) -> Result<(), Failure> {
    if args.xlsx {
        let path = args.output.as_deref().unwrap_or(Path::new(WORKBOOK));
        if path == Path::new("-") {
            return Err(Failure::Usage(calc::text!(
                "工作簿不能写到标准输出，请用 -o 文件名.xlsx",
                "a workbook cannot go to standard output: give -o FILE.xlsx"
            )));
        }
        let bytes = calc::template::xlsx(&config.rules).map_err(|e| write_error(path, e))?;
        write(path, &bytes)?;
        return Ok(());
    }
    let text = if args.csv {
        calc::template::csv_header(&config.rules)
    } else {
        calc::template::toml(&config.rules)
    };
    match args.output.as_deref() {
        Some(path) if path != Path::new("-") => write(path, text.as_bytes())?,
        _ => super::print(&text)?,
    }
    Ok(())
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::Calc(Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Writes a file whole or not at all: a temporary file beside it, renamed onto it.
fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".calc-").suffix(".tmp");
    // A new file gets the usual permissions (0666 less the umask), not a temporary file's 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(|e| write_error(path, e))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| write_error(path, e))?;
    tmp.persist(path).map_err(|e| write_error(path, e.error))?;
    Ok(())
}
