//! `calc batch IN -o OUT`: a whole round from a spreadsheet. The library does the work; this
//! file turns the flags into `batch::Options`, shows the progress bar and prints the closing line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use calc::batch;
use calc::batch::write::Output;
use calc::files::guard::{self, INPUT, OUTPUT, PRIOR, Role, SUMMARY};
use calc::files::{self, Target};
use calc::prior::{Gathered, PriorSource};
use calc::progress::{Count, Progress};
use calc::sheet::Format;
use calc::sheet::read::Encoding;

use super::args::Honours;
use super::config::today;
use super::{Config, Failure};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 本轮申报表 (CSV、XLSX、XLS 或 ODS) / the round's spreadsheet (CSV, XLSX, XLS or ODS)
    pub input: PathBuf,

    /// 输出文件 (.csv 或 .xlsx，- 为标准输出) / the output file (.csv or .xlsx; - for CSV on standard output)
    #[arg(short, long, value_name = "OUT", required_unless_present = "check")]
    pub output: Option<PathBuf>,

    /// 只校验：列出每一行的错误，不写任何文件 / validate the whole round: every row error listed, nothing written
    #[arg(long, conflicts_with_all = ["output", "summary"])]
    pub check: bool,

    /// 往期奖补 (上一轮的输出或往期奖补表)，可重复 / earlier awards (an earlier round's output or a prior table); repeatable
    #[arg(long, value_name = "FILE")]
    pub prior: Vec<PathBuf>,

    /// 台账 (SQLite 文件或 PostgreSQL)，其有效奖补和配额名额作往期 / a ledger whose live awards and quota places are earlier ones
    #[arg(long, env = "CALC_LEDGER", value_name = "LEDGER")]
    pub ledger: Option<String>,

    /// 汇总表：按区县、条款合计 / totals by district and clause
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// 批次 (写入汇总表)，如 "2026年第一批" / the round's name, written in the summary, e.g. "2026年第一批"
    #[arg(long, value_name = "NAME")]
    pub round: Option<String>,

    /// CSV 输出不加 BOM / CSV output without the UTF-8 BOM Excel needs
    #[arg(long)]
    pub no_bom: bool,

    /// 原样保留、不读取的列 (词表所列之外)，可重复 / a further column to carry through unread; repeatable
    #[arg(long, value_name = "NAME")]
    pub keep_column: Vec<String>,

    /// 读取的工作表 (默认第一个可见工作表) / the workbook's sheet to read (default: the first visible one)
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// CSV 输入编码 / the CSV input's encoding
    #[arg(long, value_enum, default_value_t = EncodingArg::Auto)]
    pub encoding: EncodingArg,
}

/// `--encoding`: the library's `Encoding`, as a flag value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EncodingArg {
    /// UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GB18030 (GBK)
    Auto,
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(alias = "gb18030", alias = "gb2312")]
    Gbk,
}

impl From<EncodingArg> for Encoding {
    fn from(e: EncodingArg) -> Encoding {
        match e {
            EncodingArg::Auto => Encoding::Auto,
            EncodingArg::Utf8 => Encoding::Utf8,
            EncodingArg::Gbk => Encoding::Gbk,
        }
    }
}

/// The reasons are written in `--lang`; the output's format is its file's extension.
pub const HONOURS: Honours = Honours {
    as_of: true,
    format: false,
    lang: true,
};

pub fn run(config: &Config, args: &Args) -> Result<(), Failure> {
    // No file is read before the files are known to be different ones.
    check_files(args)?;
    let encoding = args.encoding.into();
    // The ledger is read while the round is: a ledger on another host answers while this one
    // parses (scripts/bench-ledger.sh: PostgreSQL's 100,000 awards took the round 1.32x as long
    // as --prior read in turn).
    let (table, ledger) = std::thread::scope(|s| {
        let ledger = s.spawn(|| super::ledger::read(args.ledger.as_deref()));
        let table = files::table(&args.input, encoding, args.sheet.as_deref());
        let ledger = ledger
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (table, ledger)
    });
    let table = table?;
    let mut ledger = ledger?;
    let from_ledger = ledger.as_ref().map(|l| l.source());
    let priors = load_priors(config, &args.prior, encoding, from_ledger)?;
    let options = batch::Options {
        keep_columns: args.keep_column.clone(),
        as_of: config.as_of.unwrap_or_else(today),
        lang: config.lang,
    };
    // Ctrl-C or SIGTERM ends the process without destructors: the temporaries go first.
    let _ = ctrlc::set_handler(|| {
        files::remove_temporaries();
        std::process::exit(130);
    });
    let bar = Bar::new();
    let t0 = std::time::Instant::now();
    let round = batch::evaluate(&config.book, table, &options, &priors, &bar).and_then(|round| {
        if !args.check {
            write_outputs(config, args, &round, &bar)?;
        }
        Ok(round)
    });
    bar.finish();
    let round = round?;
    if let Some(from) = &mut ledger {
        let report = round.report();
        let run = calc::ledger::Run {
            command: format!("batch {}", args.input.display()),
            rules_digest: Some(round.digest.clone()),
            as_of: Some(round.as_of.to_string()),
            counts: format!("rows={} errors={}", report.rows, report.errors),
            outcome: if args.check { "checked" } else { "written" }.into(),
            ..Default::default()
        };
        // Its head is the one the round was computed against, for the approval sheet.
        from.computed(&run)?;
    }
    if std::env::var_os("CALC_BATCH_TIMING").is_some() {
        for (phase, at) in &round.phases {
            eprintln!("{phase}: {at:?}");
        }
        eprintln!("written: {:?}", t0.elapsed());
    }
    // The rows in error, FILE:ROW: message, the first 20 unless --check lists them all, so
    // that the clerk needs no second run to find them (SPEC §6).
    let width = super::error_width();
    let report = round.report();
    // Every row error under --check; else the first LINES_NAMED (SPEC §6).
    let shown = if args.check {
        usize::MAX
    } else {
        batch::LINES_NAMED
    };
    let row_errors: Vec<_> = round.row_errors().take(shown).collect();
    for (line, message) in &row_errors {
        let message = message.replace(['\n', '\r'], " ");
        let place = format!("{}:{line}: ", args.input.display());
        match message.split(" / ").collect::<Vec<_>>().as_slice() {
            // In a terminal, a message of one problem: its Chinese and its English on lines
            // of their own, as every error (SPEC §5).
            [zh, en] if width.is_some() => {
                eprintln!("{}", super::wrap_stderr(&format!("{place}{zh}"), width));
                let narrower = width.map(|w| w.saturating_sub(2));
                eprintln!("  {}", super::wrap_stderr(en, narrower));
            }
            _ => eprintln!(
                "{}",
                super::wrap_stderr(&format!("{place}{message}"), width)
            ),
        }
    }
    let listed = row_errors.len();
    if listed < report.errors {
        let (n, more) = (report.errors, report.errors - listed);
        eprintln!(
            "{}",
            calc::text!(
                "… 以上为前 {listed} 行，另有 {more} 行有误，共 {n} 行 (--check 列出全部)",
                "… the first {listed} shown; {more} more rows in error, {n} in all (--check lists them all)"
            )
        );
    }
    match width {
        // In a terminal: the Chinese, the English and the digest each on lines of their own.
        Some(_) => {
            let (rows, units, errors, as_of) =
                (report.rows, report.units, report.errors, report.as_of);
            let (zh, en) = match &report.sheet {
                Some(s) => (format!("工作表“{s}”："), format!("sheet `{s}`: ")),
                None => Default::default(),
            };
            let zh =
                format!("{zh}{rows} 行，{units} 个申报单位，{errors} 行有误；计算基准日 {as_of}");
            let en =
                format!("{en}{rows} rows, {units} applicants, {errors} with errors; as of {as_of}");
            eprintln!("{}", super::wrap_stderr(&zh, width));
            eprintln!("{}", super::wrap_stderr(&en, width));
            eprintln!("sha256 {}", report.digest);
        }
        None => eprintln!("{report}"),
    }
    // The process ends now: freeing a large round value by value would only delay it.
    std::mem::forget(round);
    // A round with rows in error is written, and says so by its exit status.
    match report.errors {
        0 => Ok(()),
        _ => Err(Failure::RowErrors),
    }
}

/// The round's prior files, each opened here and read as a source (`prior::PriorFile`),
/// gathered in the order given, each award under its own applicant's rules.
fn load_priors(
    config: &Config,
    paths: &[PathBuf],
    encoding: Encoding,
    ledger: Option<&dyn PriorSource>,
) -> Result<Gathered, Failure> {
    let files = files::prior_files(paths, encoding)?;
    let mut sources: Vec<&dyn PriorSource> = files.iter().map(|f| f as &dyn PriorSource).collect();
    sources.extend(ledger);
    Ok(calc::prior::gather(&config.book, &sources)?)
}

/// Refuses any two of input, priors, output and summary that are one file, and an output or
/// summary that cannot be written (`files::guard`).
fn check_files(args: &Args) -> Result<(), Failure> {
    let mut all: Vec<(&Path, &Role)> = vec![(&args.input, &INPUT)];
    all.extend(args.prior.iter().map(|p| (p.as_path(), &PRIOR)));
    // A check writes nothing: its output and summary are not files of the run.
    if !args.check {
        let output = (args.output.as_deref()).filter(|o| !files::is_stdio(o));
        let targets: Vec<(&Path, &Role)> = (output.map(|o| (o, &OUTPUT)).into_iter())
            .chain(args.summary.iter().map(|s| (s.as_path(), &SUMMARY)))
            .collect();
        for (path, role) in &targets {
            guard::writable(path, role)?;
        }
        all.extend(targets);
    }
    guard::distinct(&all)?;
    Ok(())
}

/// The output and the summary, each complete before either replaces anything; under `-o -`
/// the output to standard output, as CSV.
fn write_outputs(
    config: &Config,
    args: &Args,
    round: &batch::Round,
    bar: &Bar,
) -> Result<(), calc::Error> {
    let (rules, bom, lang) = (&config.rules, !args.no_bom, config.lang);
    // The summary knows every clause a scoped overlay adds, with its title and funding.
    let labels = config.book.labels();
    let output = args.output.clone().unwrap_or_default();
    let stdout = files::is_stdio(&output);
    let shown = if stdout {
        "<stdout>".to_string()
    } else {
        output.display().to_string()
    };
    let to = Output {
        format: files::format_of(&output),
        bom,
        lang,
        shown: &shown,
        scratch: Some(files::folder_of(&output)),
    };
    let rows = match stdout {
        true => None,
        false => {
            let target = Target::beside(&output)?;
            round.write(rules, target.file(), &to, bar)?;
            Some(target)
        }
    };
    let summary = match &args.summary {
        Some(path) => {
            let target = Target::beside(path)?;
            let form = calc::sheet::Form {
                format: files::format_of(path),
                bom,
            };
            let s = round.summary(&labels);
            let shown = path.display().to_string();
            // What the summary says of the run: what this shell knows and the library does not.
            let about = batch::summary::About {
                round: args.round.clone(),
                as_of: round.as_of,
                run: Some(super::config::today()),
                overlays: config.overlays.clone(),
                priors: (args.prior.iter())
                    .map(|p| p.display().to_string())
                    .collect(),
            };
            batch::summary::write(target.file(), form, &shown, &s, &labels, &about, lang)?;
            Some(target)
        }
        None => None,
    };
    if stdout {
        let to = Output {
            format: Format::Csv,
            scratch: None,
            ..to
        };
        round.write(rules, std::io::stdout(), &to, bar)?;
    }
    // Two runs onto the same files replace them one pair at a time, never one run's rows
    // with the other's summary.
    let _lock = files::lock_folder(&output)?;
    rows.map(Target::commit).transpose()?;
    summary.map(Target::commit).transpose()?;
    Ok(())
}

/// A progress bar on stderr when it is a terminal; nothing otherwise.
pub(super) struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    pub(super) fn new() -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        Bar(Some(indicatif::ProgressBar::new(0)))
    }

    pub(super) fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// The bar's line: sizes as "12.50 MiB", rows with thousands separators; either fits 80 columns.
fn template(counts: Count) -> String {
    let counted = match counts {
        Count::Bytes => "{bytes}/{total_bytes}",
        Count::Rows => "{human_pos}/{human_len}",
    };
    format!("{{msg:>14}} [{{bar:40}}] {counted}")
}

impl Progress for Bar {
    fn phase(&self, name: &'static str, len: usize, counts: Count) {
        if let Some(b) = &self.0 {
            b.set_length(len as u64);
            b.set_position(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template(counts)) {
                b.set_style(style);
            }
            b.set_message(name);
            // Each setter's draw may be skipped by the rate limit: the phase is shown whole now.
            b.force_draw();
        }
    }

    fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the new phase's label was drawn with the last phase's count (a round's
    /// byte count as rows, `159,112,354/159,112,354`, past 80 columns) until its first step.
    #[test]
    fn a_new_phase_is_drawn_with_its_own_count_at_once() {
        let term = indicatif::InMemoryTerm::new(2, 80);
        // Drawn at most 20 times a second, as on stderr.
        let target = indicatif::ProgressDrawTarget::term_like_with_hz(Box::new(term.clone()), 20);
        let bar = Bar(Some(indicatif::ProgressBar::with_draw_target(
            Some(0),
            target,
        )));
        bar.phase("读取 reading", 159_112_354, Count::Bytes);
        // Steps as a round's reading takes them, using up the draws the rate allows.
        for _ in 0..1000 {
            bar.inc(159_112);
        }
        bar.phase("计算 computing", 1_000_000, Count::Rows);
        let shown = term.contents();
        assert!(shown.contains("计算 computing"), "{shown}");
        assert!(shown.ends_with(" 0/1,000,000"), "{shown}");
    }

    #[test]
    fn the_bar_counts_bytes_as_sizes_and_rows_with_separators() {
        for (counts, key) in [(Count::Bytes, "{bytes}"), (Count::Rows, "{human_pos}")] {
            let t = template(counts);
            assert!(t.contains(key), "{t}");
            assert!(indicatif::ProgressStyle::with_template(&t).is_ok(), "{t}");
        }
    }
}
