//! The command line, the shell around the library: raw flags (`args`) become a checked run
//! configuration (`Config`), each command runs from its own file, and this module is the one
//! place that dispatches, prints errors and chooses the exit code: 0 success, 1 a `calc test`
//! case failed, 2 bad input or bad rules, 3 a batch or a compare finished with row errors.

mod args;
mod batch;
mod compare;
mod completions;
mod config;
mod explain;
mod notice;
mod rules;
mod schema;
mod single;
mod template;
mod test;

use std::io::Write;
use std::process::ExitCode;

use calc::error::ErrorKind;
use clap::Parser;

use args::Honours;
pub use args::{Cli, Common, Format};
pub use config::Config;

/// A run that did not succeed: an error of the library, a misuse of the command line, or a
/// command that finished and found something wrong (already reported, but not a success).
#[derive(Debug)]
pub enum Failure {
    Calc(calc::Error),
    Usage(calc::text::Text),
    /// `calc test`: a case failed.
    CasesFailed,
    /// `calc batch` or `calc compare`: the round was written or compared, with rows in error.
    RowErrors,
    /// `calc rules check`: the rules have problems.
    RulesProblems,
}

impl Failure {
    /// The exit status (just's `Error::code()`), the only place one is chosen (SPEC §5): 1 a
    /// case failed, 2 bad input or bad rules (or an output that cannot be written), 3 a round
    /// with rows in error.
    pub fn code(&self) -> u8 {
        match self {
            Failure::CasesFailed => 1,
            // Every kind of library error is bad input to the shell (SPEC §5 gathers them).
            Failure::Calc(e) => match e.kind() {
                ErrorKind::BadInput | ErrorKind::TooLarge | ErrorKind::BadRules => 2,
                ErrorKind::Write => 2,
            },
            Failure::Usage(_) | Failure::RulesProblems => 2,
            Failure::RowErrors => 3,
        }
    }

    /// Whether the command has already said what went wrong (nothing more to print).
    fn reported(&self) -> bool {
        matches!(
            self,
            Failure::CasesFailed | Failure::RowErrors | Failure::RulesProblems
        )
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Calc(e) => write!(f, "{e}"),
            Failure::Usage(m) => write!(f, "{m}"),
            Failure::CasesFailed | Failure::RowErrors | Failure::RulesProblems => Ok(()),
        }
    }
}

impl From<calc::Error> for Failure {
    fn from(e: calc::Error) -> Failure {
        Failure::Calc(e)
    }
}

impl From<calc::error::InputError> for Failure {
    fn from(e: calc::error::InputError) -> Failure {
        Failure::Calc(e.into())
    }
}

impl From<calc::error::InputErrors> for Failure {
    fn from(e: calc::error::InputErrors) -> Failure {
        Failure::Calc(e.into())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.reported() => ExitCode::from(f.code()),
        Err(f) => {
            let text = if cli.common.format == Some(Format::Json) {
                error_json(&f)
            } else {
                format!("错误 error: {}", terminal_safe(&f.to_string()))
            };
            let _ = writeln!(std::io::stderr(), "{text}");
            ExitCode::from(f.code())
        }
    }
}

/// The commands: a new one is a file of its own, a variant here and its line in `run`.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// 批量计算一轮申报 (CSV/XLSX) / compute a whole round of applications from a spreadsheet
    #[command(
        after_help = "示例 / Examples:\n  calc batch round.xlsx -o out.xlsx --summary summary.xlsx\n  calc batch round2.csv -o out2.csv --prior out1.csv --as-of 2026-12-31\n  calc batch round.csv -o out.csv --encoding gbk --lang en"
    )]
    Batch(batch::Args),
    /// 调整的影响: 一轮申报在基准规则与调整后规则下的差额 (--overlay 为调整) / what a change would cost: a round under the base rules and with the change (--overlay names the change)
    #[command(after_help = compare::AFTER_HELP)]
    Compare(compare::Args),
    /// 运行声明式测试用例 / run declarative cases (facts + expected awards)
    #[command(
        after_help = "示例 / Examples:\n  calc test\n  calc test tests/cases --overlay examples/overlays/lucheng-compute-20.toml"
    )]
    Test(test::Args),
    /// 逐步说明计算过程 (审计) / every step, with the clause text and the rule version
    #[command(
        after_help = "示例 / Examples:\n  calc explain examples/enterprise.toml\n  calc explain examples/enterprise.toml --clause 9\n  calc explain examples/enterprise.toml --format json --lang en"
    )]
    Explain(explain::Args),
    /// 规则: list、show N、check [DIR]、digest / read and check the rules
    #[command(
        after_help = "示例 / Examples:\n  calc rules list\n  calc rules show 12\n  calc rules check my-rules/\n  calc --overlay examples/overlays/lucheng-compute-20.toml rules digest"
    )]
    Rules(rules::Args),
    /// 空白申报文件 (带中文注释) / a blank applicant file with Chinese comments
    #[command(
        after_help = "示例 / Examples:\n  calc template > applicant.toml\n  calc template --csv > round.csv"
    )]
    Template(template::Args),
    /// 公示名单: 一轮输出中获奖的单位和条款 / the public-notice list of a round's output
    #[command(
        after_help = "示例 / Examples:\n  calc notice out.xlsx -o 公示名单.xlsx\n  calc notice out.csv -o 公示名单.csv"
    )]
    Notice(notice::Args),
    /// 申报文件的 JSON Schema / the JSON Schema of the applicant file
    #[command(after_help = "示例 / Examples:\n  calc schema > facts.schema.json")]
    Schema,
    /// shell 补全脚本 / a shell completion script
    #[command(
        after_help = "示例 / Examples:\n  calc completions bash > /etc/bash_completion.d/calc\n  calc completions zsh > ~/.zfunc/_calc"
    )]
    Completions(completions::Args),
}

/// Every command, dispatched from this one place.
fn run(cli: &Cli) -> Result<(), Failure> {
    let common = &cli.common;
    let config = |name, honours| Config::new(common, name, honours);
    match &cli.command {
        None => single::run(&config("FILE", Honours::ALL)?, cli.file.as_deref()),
        Some(Command::Batch(args)) => batch::run(&config("batch", batch::HONOURS)?, args),
        Some(Command::Compare(args)) => compare::run(common, args),
        Some(Command::Test(args)) => test::run(&config("test", Honours::NONE)?, args),
        Some(Command::Explain(args)) => explain::run(&config("explain", Honours::ALL)?, args),
        Some(Command::Rules(args)) => rules::run(common, args),
        Some(Command::Template(args)) => template::run(&config("template", Honours::NONE)?, args),
        Some(Command::Notice(args)) => notice::run(&config("notice", Honours::NONE)?, args),
        Some(Command::Schema) => schema::run(&config("schema", Honours::NONE)?),
        Some(Command::Completions(args)) => {
            config::refuse_unhonoured(common, "completions", Honours::NONE)?;
            completions::run(args)
        }
    }
}

/// The width a table is laid out to: `COLUMNS`, else the terminal's, else 100 (SPEC §5).
pub fn width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok());
    let terminal = || terminal_size::terminal_size().map(|(w, _)| usize::from(w.0));
    columns.filter(|&c| c > 0).or_else(terminal).unwrap_or(100)
}

/// Writes a command's text to standard output; a reader that has gone (`calc ... | head`)
/// is not an error. Control characters (from a name or id in the facts) are removed, so that
/// no text can move the cursor, recolour the screen or set the window's title.
pub fn print(text: &str) -> Result<(), Failure> {
    let text = terminal_safe(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Usage(calc::text!(
            "无法写出到标准输出",
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// The text without control characters other than line breaks.
fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n';
    if text.contains(unsafe_char) {
        text.chars()
            .filter(|&c| !unsafe_char(c))
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// A failure as JSON for `--format json` (SPEC §5), as the library writes its errors.
fn error_json(f: &Failure) -> String {
    match f {
        Failure::Calc(e) => e.json().to_string(),
        Failure::Usage(m) => calc::error::json_error(m, &[]).to_string(),
        f => calc::error::json_error(&f.to_string().as_str().into(), &[]).to_string(),
    }
}
