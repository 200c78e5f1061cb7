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

    /// 公示标题 / the notice's title
    #[arg(long, value_name = "TEXT", default_value = DEFAULT_TITLE)]
    pub title: String,

    /// 批次，也作工作表名 / the round, also the sheet's name
    #[arg(long, value_name = "NAME")]
    pub round: Option<String>,

    /// 发布单位 / the issuing unit
    #[arg(long, value_name = "NAME")]
    pub unit: Option<String>,

    /// 公示期首日 (默认今天)，也是落款日期 / the notice period's first day (default today), also the date it is signed
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,

    /// 公示期天数 (自然日，含首日) / the notice period in calendar days, the first included
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,

    /// 异议联系方式 / where objections go (a telephone, an address)
    #[arg(long, value_name = "TEXT")]
    pub contact: Option<String>,
}

/// The default title (a CLI default, not a rule).
const DEFAULT_TITLE: &str = "温政办〔2025〕45号 人工智能政策奖补资金拟兑现名单公示";

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
    let from = match &args.from {
        Some(t) => calc::facts::date(t).map_err(|m| calc::error::InputError::new("--from", m))?,
        None => super::config::today(),
    };
    let heading = calc::notice::Heading {
        title: args.title.clone(),
        round: args.round.clone(),
        unit: args.unit.clone(),
        from,
        days: args.days,
        contact: args.contact.clone(),
        date: from,
        lang: config.lang,
    };
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
            (format, &shown),
            &heading,
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
