//! `calc notice OUT -o 公示名单.xlsx|csv`: the public-notice list of a round's output.

use std::path::PathBuf;

use calc::files;
use calc::sheet::read::Encoding;

use super::{Config, Failure};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 一轮批量计算的输出 (calc batch -o 的文件) / a round's output (the file of calc batch -o)
    pub output: PathBuf,

    /// 公示名单文件 (.csv 或 .xlsx) / the notice file (.csv or .xlsx)
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub to: PathBuf,

    /// CSV 不加 BOM / CSV without the UTF-8 BOM Excel needs
    #[arg(long)]
    pub no_bom: bool,
}

pub fn run(config: &Config, args: &Args) -> Result<(), Failure> {
    if calc::files::guard::same_file(&args.output, &args.to) {
        return Err(calc::error::InputError::new(
            args.to.display().to_string(),
            calc::text!(
                "公示名单不能写到输出文件本身",
                "the notice cannot be written onto the output it lists"
            ),
        )
        .into());
    }
    let output = files::table(&args.output, Encoding::Auto, None)?;
    let format = calc::sheet::Form {
        format: files::format_of(&args.to),
        bom: !args.no_bom,
    };
    let shown = args.to.display().to_string();
    let mut notice = None;
    files::write_whole(&args.to, |file| {
        notice = Some(calc::notice::write(
            &config.book.for_reading(),
            &output,
            file,
            format,
            &shown,
        )?);
        Ok(())
    })?;
    let Some(n) = notice else { return Ok(()) };
    let (lines, d, total) = (n.lines, n.discretionary, n.total);
    // The discretionary lines' range, apart from the total: what the department still decides.
    let range = match (n.floors, n.ceilings) {
        (_, None) => (String::new(), String::new()),
        (floors, Some(c)) => {
            let f = floors.unwrap_or(calc::Money::ZERO);
            (
                format!("（酌定下限合计 {f} 元，上限合计 {c} 元）"),
                format!(" (discretionary floors {f}, ceilings {c} yuan)"),
            )
        }
    };
    eprintln!(
        "{lines} 行公示，{d} 行酌定，合计 {total} 元{} / {lines} lines, {d} discretionary, total {total} yuan{}",
        range.0, range.1
    );
    Ok(())
}
