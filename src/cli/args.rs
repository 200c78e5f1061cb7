//! The raw flags as clap parses them (ripgrep's `LowArgs`): no checking beyond their types.
//! `Config` turns the common ones into a checked configuration.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "calc",
    version,
    about = "温政办〔2025〕45号 人工智能政策奖补计算 / subsidy calculator for Wenzhou's AI policy"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// 申报单位事实文件 (TOML) / the applicant's facts file
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub common: Common,
}

#[derive(clap::Args, Debug)]
pub struct Common {
    /// 规则目录 (代替内置规则) / a rules folder instead of the embedded rules
    #[arg(long, global = true, env = "CALC_RULES", value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// 叠加规则 (可重复，依次应用，计入摘要) / an overlay on the rules (repeatable, applied in order)
    #[arg(long, global = true, value_name = "FILE")]
    pub overlay: Vec<PathBuf>,

    /// 计算基准日 YYYY-MM-DD (默认: [application] date，否则今天) / the as-of date
    #[arg(long, global = true, value_name = "DATE")]
    pub as_of: Option<String>,

    /// 输出格式 / output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// 语言 / language of labels and reasons
    #[arg(long, global = true, value_enum, default_value_t = LangArg::Zh)]
    pub lang: LangArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// `--lang`: the library's `Lang`, as a flag value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for calc::render::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Zh => calc::render::Lang::Zh,
            LangArg::En => calc::render::Lang::En,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 批量计算一轮申报 (CSV/XLSX) / compute a whole round of applications from a spreadsheet
    Batch(super::batch::Args),
    /// 运行声明式测试用例 / run declarative cases (facts + expected awards)
    Test(super::test::Args),
    /// 逐步说明计算过程 (审计) / every step, with the clause text and the rule version
    Explain(super::explain::Args),
    /// 规则: list、show N、check [DIR]、digest / read and check the rules
    Rules(super::rules::Args),
    /// 空白申报文件 (带中文注释) / a blank applicant file with Chinese comments
    Template(super::template::Args),
    /// 申报文件的 JSON Schema / the JSON Schema of the applicant file
    Schema,
    /// shell 补全脚本 / a shell completion script
    Completions(super::completions::Args),
}
