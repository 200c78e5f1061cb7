//! The raw flags as clap parses them (ripgrep's `LowArgs`): no checking beyond their types.
//! `Config` turns the common ones into a checked configuration.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "calc",
    version,
    about = "温政办〔2025〕45号 人工智能政策奖补计算 / subsidy calculator for Wenzhou's AI policy",
    after_help = "示例 / Examples:\n  calc examples/enterprise.toml\n  calc examples/enterprise.toml --format json --as-of 2026-06-30\n  calc - < applicant.toml\n  calc batch round.xlsx -o out.xlsx --summary summary.xlsx"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<super::Command>,

    /// 申报单位事实文件 (TOML；- 为标准输入) / the applicant's facts file (- for standard input)
    pub file: Option<PathBuf>,

    /// 往期奖补 (上一轮的输出或往期奖补表)，按本单位的信用代码并入 [[prior]]，可重复 / earlier awards (an earlier round's output or a prior table), the applicant's merged into its [[prior]]; repeatable
    #[arg(long, value_name = "FILE")]
    pub prior: Vec<PathBuf>,

    /// 台账 (SQLite 文件或 PostgreSQL)，其有效奖补作往期奖补 / a ledger whose live awards are earlier awards
    #[arg(long, env = "CALC_LEDGER", value_name = "LEDGER")]
    pub ledger: Option<String>,

    #[command(flatten)]
    pub common: Common,
}

#[derive(clap::Args, Debug)]
pub struct Common {
    /// 规则目录 (代替内置规则) / a rules folder instead of the embedded rules
    #[arg(long, global = true, env = "CALC_RULES", value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// 叠加规则 (可重复，依次应用，计入摘要)；在 compare 中为所评估的调整，基准见 --base-overlay / an overlay on the rules (repeatable, applied in order); with `compare`, the CHANGE to assess (its base: --rules and --base-overlay)
    #[arg(long, global = true, value_name = "FILE")]
    pub overlay: Vec<PathBuf>,

    /// 计算基准日 YYYY-MM-DD (默认: [application] date，否则今天) / the as-of date
    #[arg(long, global = true, value_name = "DATE")]
    pub as_of: Option<String>,

    /// 输出格式 (默认 table) / output format (default: table)
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,

    /// 语言 (默认 zh) / language of labels and reasons (default: zh)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
}

/// The common flags a command honours; any other it is given is refused, not ignored.
#[derive(Clone, Copy, Debug, Default)]
pub struct Honours {
    pub as_of: bool,
    pub format: bool,
    pub lang: bool,
}

impl Honours {
    pub const ALL: Honours = Honours {
        as_of: true,
        format: true,
        lang: true,
    };
    pub const NONE: Honours = Honours {
        as_of: false,
        format: false,
        lang: false,
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    /// `calc ledger list` only
    Csv,
    /// 核定表 (HTML，可打印) / the decision sheet as printable HTML (`calc explain` only)
    Html,
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
