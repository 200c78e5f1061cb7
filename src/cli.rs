//! The command line: raw flags (`Cli`) are turned into a checked run configuration (`Config`)
//! and dispatched. All printing happens here; exit codes: 0 success, 1 a `calc test` case
//! failed, 2 bad input or bad rules, 3 a batch finished with row errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::cases::{case_files, run_case};
use crate::engine::evaluate;
use crate::error::{InputError, InputErrors};
use crate::facts::{Facts, parse_date};
use crate::render::{self, Lang};
use crate::rules::{RuleSet, RuleSources};

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
    #[arg(long, global = true, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 批量计算一轮申报 (CSV/XLSX) / compute a whole round of applications from a spreadsheet
    Batch(BatchArgs),
    /// 运行声明式测试用例 / run declarative cases (facts + expected awards)
    Test {
        /// 用例目录 / the folder of case files
        #[arg(default_value = "tests/cases")]
        dir: PathBuf,
    },
    /// 逐步说明计算过程 (审计) / every step, with the clause text and the rule version
    Explain {
        /// 申报单位事实文件 / the applicant's facts file
        file: PathBuf,
        /// 只说明这一条 / only this clause
        #[arg(long, value_name = "N")]
        clause: Option<u32>,
    },
    /// 规则: list、show N、check [DIR]、digest / read and check the rules
    Rules {
        #[command(subcommand)]
        action: crate::audit::RulesAction,
    },
    /// 空白申报文件 (带中文注释) / a blank applicant file with Chinese comments
    Template {
        /// 改为输出 CSV 表头 / the CSV header row instead
        #[arg(long)]
        csv: bool,
    },
    /// 申报文件的 JSON Schema / the JSON Schema of the applicant file
    Schema,
    /// shell 补全脚本 / a shell completion script
    Completions { shell: clap_complete::Shell },
}

/// The arguments of `calc batch`.
#[derive(clap::Args, Debug)]
pub struct BatchArgs {
    /// 本轮申报表 (CSV 或 XLSX) / the round's spreadsheet (CSV or XLSX)
    pub input: PathBuf,

    /// 输出文件 (.csv 或 .xlsx) / the output file (.csv or .xlsx)
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,

    /// 往期奖补 (上一轮的输出或往期奖补表)，可重复 / earlier awards (an earlier round's output or a prior table); repeatable
    #[arg(long, value_name = "FILE")]
    pub prior: Vec<PathBuf>,

    /// 汇总表：按区县、条款合计 / totals by district and clause
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// CSV 输出不加 BOM / CSV output without the UTF-8 BOM Excel needs
    #[arg(long)]
    pub no_bom: bool,

    /// CSV 输入编码 / the CSV input's encoding
    #[arg(long, value_enum, default_value_t = EncodingArg::Auto)]
    pub encoding: EncodingArg,
}

/// The text encoding of a CSV input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ValueEnum)]
pub enum EncodingArg {
    /// UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GB18030 (GBK)
    #[default]
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(alias = "gb18030", alias = "gb2312")]
    Gbk,
}

impl BatchArgs {
    fn options(&self, config: &Config) -> crate::batch::Options {
        use crate::batch::Encoding;
        crate::batch::Options {
            input: self.input.clone(),
            output: self.output.clone(),
            priors: self.prior.clone(),
            summary: self.summary.clone(),
            bom: !self.no_bom,
            encoding: match self.encoding {
                EncodingArg::Auto => Encoding::Auto,
                EncodingArg::Utf8 => Encoding::Utf8,
                EncodingArg::Gbk => Encoding::Gbk,
            },
            as_of: (config.as_of).unwrap_or_else(|| chrono::Local::now().date_naive()),
            lang: config.lang,
        }
    }
}

/// A progress bar on stderr when it is a terminal; nothing otherwise.
struct BatchProgress(Option<indicatif::ProgressBar>);

impl BatchProgress {
    fn new() -> BatchProgress {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return BatchProgress(None);
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len}")
        {
            bar.set_style(style);
        }
        BatchProgress(Some(bar))
    }
}

impl crate::batch::Progress for BatchProgress {
    fn phase(&self, name: &'static str, len: usize) {
        if let Some(b) = &self.0 {
            b.set_message(name);
            b.set_length(len as u64);
            b.set_position(0);
        }
    }

    fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
}

impl Drop for BatchProgress {
    fn drop(&mut self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// A failed run: what to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Failure {
        Failure {
            message: e.to_string(),
            code: 2,
        }
    }
}

impl From<InputErrors> for Failure {
    fn from(e: InputErrors) -> Failure {
        Failure {
            message: e.to_string(),
            code: 2,
        }
    }
}

/// The checked configuration of a run.
pub struct Config {
    pub rules: RuleSet,
    pub as_of: Option<NaiveDate>,
    pub format: Format,
    pub lang: Lang,
}

impl Config {
    pub fn from_common(c: &Common) -> Result<Config, Failure> {
        let mut sources = match &c.rules {
            Some(dir) => RuleSources::from_dir(dir)?,
            None => RuleSources::embedded(),
        };
        for o in &c.overlay {
            sources.add_overlay(o)?;
        }
        let rules = RuleSet::compile(&sources).map_err(|e| {
            let origin = &sources.origin;
            Failure {
                message: format!("规则有误 / the rules are invalid ({origin}):\n{e}"),
                code: 2,
            }
        })?;
        let as_of = match &c.as_of {
            Some(t) => {
                Some(parse_date(t).map_err(|m| Failure::from(InputError::new("--as-of", m)))?)
            }
            None => None,
        };
        Ok(Config {
            rules,
            as_of,
            format: c.format,
            lang: c.lang,
        })
    }

    /// The as-of date for a facts file: `--as-of`, else `[application] date`, else today.
    pub fn as_of_for(&self, facts: &Facts) -> NaiveDate {
        let r = &self.rules.roles;
        self.as_of
            .or_else(|| facts.single(r.application).and_then(|a| a.date(r.as_of)))
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let _ = writeln!(std::io::stderr(), "错误 error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

pub fn run(cli: &Cli) -> Result<u8, Failure> {
    // `rules check` and `completions` must work when the rules do not compile.
    if let Some(code) = crate::audit::run_before_rules(cli)? {
        return Ok(code);
    }
    let config = Config::from_common(&cli.common)?;
    match (&cli.command, &cli.file) {
        (Some(Command::Test { dir }), _) => run_tests(&config, dir),
        (Some(Command::Batch(args)), _) => {
            let opts = args.options(&config);
            let report = crate::batch::run(&config.rules, &opts, &BatchProgress::new())
                .map_err(|e| Failure {
                    message: e.to_string(),
                    code: 2,
                })?;
            if std::env::var_os("CALC_BATCH_TIMING").is_some() {
                for (phase, at) in &report.phases {
                    eprintln!("{phase}: {at:?}");
                }
            }
            eprintln!("{report}");
            let code = report.exit_code();
            // The process ends now: freeing a large round value by value would only delay it.
            std::mem::forget(report);
            Ok(code)
        }
        // Explain, rules, template, schema: commands that print a text.
        (Some(c), _) => {
            print!("{}", crate::audit::run(&config, c)?);
            Ok(0)
        }
        (None, Some(file)) => run_single(&config, file),
        (None, None) => Err(Failure {
            message: "请给出申报单位事实文件，如 `calc examples/enterprise.toml`；`calc --help` 查看用法 / give an applicant facts file, e.g. `calc examples/enterprise.toml`; see `calc --help`".into(),
            code: 2,
        }),
    }
}

/// The largest facts file read (16 MiB): thousands of times a real one.
pub const MAX_FACTS_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a facts file; an unreadable or non-UTF-8 file is a bad input, not a crash.
pub fn load_facts(config: &Config, path: &Path) -> Result<Facts, Failure> {
    let shown = path.display().to_string();
    // A real applicant file is a few kilobytes; refuse absurd ones before reading them into memory.
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > MAX_FACTS_BYTES
    {
        return Err(InputError::new(
            &shown,
            format!(
                "文件过大 ({} 字节，上限 {MAX_FACTS_BYTES}) / the file is too large ({} bytes; the limit is {MAX_FACTS_BYTES})",
                meta.len(),
                meta.len()
            ),
        )
        .into());
    }
    let bytes = std::fs::read(path).map_err(|e| {
        InputError::new(&shown, format!("无法读取文件 / cannot read the file: {e}"))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, col) = crate::error::line_column(
            &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
            usize::MAX,
        );
        let mut err = InputError::new(
            &shown,
            "文件不是 UTF-8 编码 (如为 GBK 请另存为 UTF-8) / the file is not UTF-8 (save it as UTF-8)",
        );
        err.line = Some(line);
        err.column = Some(col);
        err
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(Facts::from_toml(&config.rules, &shown, text)?)
}

fn run_single(config: &Config, path: &Path) -> Result<u8, Failure> {
    let facts = load_facts(config, path)?;
    let as_of = config.as_of_for(&facts);
    let outcome = evaluate(&config.rules, &facts, as_of)?;
    let text = match config.format {
        Format::Table => render::table::render(&outcome, &config.rules, config.lang),
        Format::Json => render::json::render(&outcome, &config.rules, config.lang),
    };
    print!("{text}");
    Ok(0)
}

fn run_tests(config: &Config, dir: &Path) -> Result<u8, Failure> {
    let files = case_files(dir).map_err(|e| {
        InputError::new(
            dir.display().to_string(),
            format!("无法读取用例目录 / cannot read the cases folder: {e}"),
        )
    })?;
    if files.is_empty() {
        return Err(InputError::new(
            dir.display().to_string(),
            "目录中没有用例 (*.toml) / no case files (*.toml) in the folder",
        )
        .into());
    }
    let (mut passed, mut failed) = (0, 0);
    for f in &files {
        match run_case(&config.rules, f) {
            Ok(r) if r.failures.is_empty() => {
                passed += 1;
                println!("PASS {} ({})", r.file.display(), r.name);
            }
            Ok(r) => {
                failed += 1;
                println!("FAIL {} ({})", r.file.display(), r.name);
                for m in r.failures {
                    println!("     {m}");
                }
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {}\n     {e}", f.display());
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { 0 } else { 1 })
}
