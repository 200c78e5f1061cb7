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
mod serve;
mod single;
mod template;
mod test;

use std::io::Write;
use std::process::ExitCode;

use calc::error::ErrorKind;

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
    // A panic caught inside a write is reported as that write's error; any other is a bug,
    // said in one line (a backtrace with RUST_BACKTRACE=1).
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !calc::sheet::write::guarded() {
            default(info);
        }
    }));
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(message) = mistyped_command(&raw) {
        let f = Failure::Usage(message);
        let json = raw.windows(2).any(|w| w[0] == "--format" && w[1] == "json")
            || raw.iter().any(|a| a == "--format=json");
        let text = match json {
            true => error_json(&f),
            false => error_text(&f, error_width()),
        };
        let _ = writeln!(std::io::stderr(), "{text}");
        return ExitCode::from(f.code());
    }
    let cli = parse(&raw);
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.reported() => ExitCode::from(f.code()),
        Err(f) => {
            let text = if cli.common.format == Some(Format::Json) {
                error_json(&f)
            } else {
                error_text(&f, error_width())
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
    /// 网页与 JSON API (本机；非本机地址须 --token-file) / the pages and the JSON API (loopback; another address needs --token-file)
    #[command(
        after_help = "示例 / Examples:\n  calc serve\n  calc serve --addr 0.0.0.0:8080 --token-file token.txt\n  curl -s -H 'Content-Type: application/toml' --data-binary @examples/enterprise.toml http://127.0.0.1:8080/api/evaluate"
    )]
    Serve(serve::Args),
    /// shell 补全脚本 / a shell completion script
    #[command(
        after_help = "示例 / Examples:\n  calc completions bash > /etc/bash_completion.d/calc\n  calc completions zsh > ~/.zfunc/_calc"
    )]
    Completions(completions::Args),
}

/// The command line parsed; `--version` names the embedded rules' version and digest beside
/// the program's (SPEC §5), computed only when asked for.
fn parse(raw: &[std::ffi::OsString]) -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let mut cmd = Cli::command();
    if raw.iter().skip(1).any(|a| a == "--version" || a == "-V") {
        let rules = match calc::rules::RuleSet::embedded() {
            Ok(r) => format!(
                "\n内置规则 embedded rules: {} {} · 规则版本 rules version {}\nsha256 {}",
                r.policy.document, r.policy.title, r.policy.version, r.digest
            ),
            Err(e) => format!("\n内置规则有误 / the embedded rules are invalid: {e}"),
        };
        let version: &'static str =
            Box::leak(format!("{}{rules}", env!("CARGO_PKG_VERSION")).into_boxed_str());
        cmd = cmd.version(version);
    }
    let matches = cmd.get_matches_from(raw);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// A first word that is no command and no file, but near a command's name (`calc expalin
/// f.toml`, `calc rule show 9`): the message naming the nearest commands, rather than taking
/// the word for a file name (SPEC §5). A word that names an existing file, or looks like a
/// file's name (a dot or a slash in it), is left to be read as one.
fn mistyped_command(raw: &[std::ffi::OsString]) -> Option<calc::text::Text> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    // The options that take a value, whose value is no command word.
    let takes_value = |arg: &str| {
        cmd.get_arguments().any(|a| {
            a.get_action().takes_values()
                && (a.get_long().is_some_and(|l| arg == format!("--{l}"))
                    || a.get_short().is_some_and(|c| arg == format!("-{c}")))
        })
    };
    let mut words = raw.iter().skip(1);
    let first = loop {
        let w = words.next()?.to_str()?;
        if w == "--" {
            return None;
        }
        if w.starts_with('-') && w != "-" {
            if takes_value(w) {
                words.next();
            }
            continue;
        }
        break w;
    };
    let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
    if names.contains(&first)
        || first == "-"
        || first.contains(['.', '/', '\\'])
        || std::path::Path::new(first).exists()
    {
        return None;
    }
    let near = calc::suggest::nearest(first, names.iter().map(|&n| (n, vec![n])));
    let best = near.first()?;
    let mut meant = format!("calc {best}");
    for w in words.filter_map(|w| w.to_str()) {
        meant.push(' ');
        meant.push_str(w);
    }
    let (zh, en) = match near.len() {
        1 => (String::new(), String::new()),
        _ => (
            format!(" (相近的命令: {})", near.join("、")),
            format!(" (nearest commands: {})", near.join(", ")),
        ),
    };
    Some(calc::text!(
        "`{first}` 不是命令，也不是文件。是否想用 `{meant}`?{zh}",
        "`{first}` is no command and no file. Did you mean `{meant}`?{en}"
    ))
}

/// Every command, dispatched from this one place.
fn run(cli: &Cli) -> Result<(), Failure> {
    let common = &cli.common;
    let config = |name, honours| Config::new(common, name, honours);
    // `--prior` before a command is the single file's: a command takes its own after its name.
    if cli.command.is_some() && !cli.prior.is_empty() {
        return Err(Failure::Usage(calc::text!(
            "--prior 请写在命令之后 (如 `calc explain FILE --prior F`、`calc batch IN --prior F`)",
            "give --prior after the command (e.g. `calc explain FILE --prior F`, `calc batch IN --prior F`)"
        )));
    }
    match &cli.command {
        None => single::run(
            &config("FILE", Honours::ALL)?,
            cli.file.as_deref(),
            &cli.prior,
        ),
        Some(Command::Batch(args)) => batch::run(&config("batch", batch::HONOURS)?, args),
        Some(Command::Compare(args)) => compare::run(common, args),
        Some(Command::Test(args)) => test::run(&config("test", Honours::NONE)?, args),
        Some(Command::Explain(args)) => explain::run(&config("explain", Honours::ALL)?, args),
        Some(Command::Rules(args)) => rules::run(common, args),
        Some(Command::Template(args)) => template::run(&config("template", Honours::NONE)?, args),
        Some(Command::Notice(args)) => notice::run(&config("notice", Honours::NONE)?, args),
        Some(Command::Schema) => schema::run(&config("schema", Honours::NONE)?),
        Some(Command::Serve(args)) => serve::run(config("serve", Honours::NONE)?, args),
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

/// The width errors are wrapped to: `COLUMNS`, else standard error's terminal; written to a
/// file or a pipe (a log, a script's capture) without a width, each message stays one line
/// per language, for grep.
pub(crate) fn error_width() -> Option<usize> {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok());
    let terminal =
        || terminal_size::terminal_size_of(std::io::stderr()).map(|(w, _)| usize::from(w.0));
    columns.filter(|&c| c > 0).or_else(terminal)
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
pub(crate) fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
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

/// A paragraph for standard error wrapped between words to `width` (none: one line), each
/// continuation indented by two spaces.
pub(crate) fn wrap_stderr(text: &str, width: Option<usize>) -> String {
    let Some(w) = width else {
        return text.to_string();
    };
    let lines = calc::render::wrap::wrap(text, w.max(20) - 2);
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\n  ");
        }
        out.push_str(l);
    }
    out
}

/// A failure for a person (SPEC §5): each message's Chinese sentence and its English one on
/// lines of their own (`错误:` and `error:`), wrapped between words to the terminal's width,
/// a continuation indented; a message that reads the same in both (a path, a number) once.
fn error_text(f: &Failure, width: Option<usize>) -> String {
    let texts: Vec<calc::text::Text> = match f {
        Failure::Calc(e) if !e.input_errors().is_empty() => {
            let mut all: Vec<calc::text::Text> = Vec::new();
            if let calc::Error::Rules { origin, .. } = e {
                all.push(calc::text!(
                    "规则有误 ({origin}):",
                    "the rules are invalid ({origin}):"
                ));
            }
            all.extend(e.input_errors().into_iter().map(|e| e.text()));
            all
        }
        Failure::Calc(e) => vec![e.text()],
        Failure::Usage(m) => vec![m.clone()],
        // Reported by the command itself; nothing is printed for them (`reported`).
        Failure::CasesFailed | Failure::RowErrors | Failure::RulesProblems => Vec::new(),
    };
    let mut out = String::new();
    let mut para = |lead: &str, text: &str| {
        let text = terminal_safe(text);
        for (i, line) in text.split('\n').enumerate() {
            let lead = if i == 0 { lead } else { "" };
            let whole = format!("{lead}{line}");
            let wrapped = match width {
                Some(w) => calc::render::wrap::wrap(&whole, w.max(20) - 2),
                None => vec![whole],
            };
            for (j, piece) in wrapped.iter().enumerate() {
                if !out.is_empty() {
                    out.push('\n');
                }
                if j > 0 || i > 0 {
                    out.push_str("  ");
                }
                out.push_str(piece);
            }
        }
    };
    for t in &texts {
        if t.zh == t.en || t.en.is_empty() {
            para("错误 error: ", &t.zh);
        } else {
            para("错误: ", &t.zh);
            para("error: ", &t.en);
        }
    }
    out
}

/// A failure as JSON for `--format json` (SPEC §5): `{"error": {file, line, column, field,
/// message_zh, message_en}}`, and `errors` with all of them when there are several.
fn error_json(f: &Failure) -> String {
    match f {
        Failure::Calc(e) => e.json().to_string(),
        Failure::Usage(m) => calc::error::json_error(m, &[]).to_string(),
        f => calc::error::json_error(&f.to_string().as_str().into(), &[]).to_string(),
    }
}
