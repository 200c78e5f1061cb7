//! `calc notice OUT -o 公示名单.xlsx|csv`: the public-notice list of a round's output.

use std::path::PathBuf;

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

pub fn run(config: &Config, args: &Args) -> Result<u8, Failure> {
    let n = calc::notice::write(&config.rules, &args.output, &args.to, !args.no_bom)?;
    eprintln!(
        "{} 行公示，{} 行酌定，合计 {} 元 / {} lines, {} discretionary, total {} yuan",
        n.lines, n.discretionary, n.total, n.lines, n.discretionary, n.total
    );
    Ok(0)
}
