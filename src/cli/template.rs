//! `calc template [--csv]`: a blank applicant file with Chinese comments, or the CSV header row
//! of a round, made from the vocabulary.

use super::{Config, Failure};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 改为输出 CSV 表头 / the CSV header row instead
    #[arg(long)]
    pub csv: bool,
}

pub fn run(config: &Config, args: &Args) -> Result<u8, Failure> {
    let text = if args.csv {
        calc::template::csv_header(&config.rules)
    } else {
        calc::template::toml(&config.rules)
    };
    super::print(&text)?;
    Ok(0)
}
