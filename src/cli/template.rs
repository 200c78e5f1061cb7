//! `calc template [--csv | --xlsx] [-o FILE]`: a blank applicant file with Chinese comments, the
//! round's header row as CSV, or the round's workbook for finance staff, made from the vocabulary.

use std::path::{Path, PathBuf};

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
        let bytes =
            calc::template::xlsx(&config.rules).map_err(|e| calc::files::write_error(path, e))?;
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

/// Writes a file whole or not at all (`files::write_whole`: a temporary file beside it, renamed
/// onto it).
fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    calc::files::write_whole(path, |mut file| {
        std::io::Write::write_all(&mut file, bytes).map_err(|e| calc::files::write_error(path, e))
    })?;
    Ok(())
}
