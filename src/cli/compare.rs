//! `calc compare ROUND --overlay NEW.toml`: what a change of the rules would cost on a round
//! (SPEC §11). Here `--overlay` names the change; the base is the rules in effect (`--rules`)
//! with the `--base-overlay`s. The round is read once; the library evaluates it under both and
//! returns the difference, which this file prints and writes.

use std::path::{Path, PathBuf};

use calc::batch;
use calc::compare::{self, Books};
use calc::files;
use calc::files::guard::{self, INPUT, OUTPUT, PRIOR, Role};
use calc::prior::PriorSource;
use calc::sheet::Form;

use super::args::Honours;
use super::batch::{Bar, EncodingArg};
use super::config::{self, today};
use super::{Common, Config, Failure, Format, print, width};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 本轮申报表 (CSV、XLSX、XLS 或 ODS) / the round's spreadsheet (CSV, XLSX, XLS or ODS)
    pub input: PathBuf,

    /// 基准规则的叠加规则 (可重复，依次应用)；基准 = --rules + --base-overlay / an overlay of the base rules (repeatable, in order); the base is --rules with these
    #[arg(long, value_name = "FILE")]
    pub base_overlay: Vec<PathBuf>,

    /// 往期奖补 (上一轮的输出或往期奖补表)，可重复 / earlier awards (an earlier round's output or a prior table); repeatable
    #[arg(long, value_name = "FILE")]
    pub prior: Vec<PathBuf>,

    /// 台账 (SQLite 文件或 PostgreSQL)，其有效奖补和配额名额作往期 (两侧相同) / a ledger whose live awards and quota places are earlier ones (on both sides)
    #[arg(long, env = "CALC_LEDGER", value_name = "LEDGER")]
    pub ledger: Option<String>,

    /// 影响表 (.csv 或 .xlsx；- 为标准输出的 CSV) / the impact as a file (.csv or .xlsx; - for CSV on standard output)
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

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

/// The as-of date, the format (table or JSON) and the language are honoured.
pub const HONOURS: Honours = Honours::ALL;

/// What `calc compare --help` says after the flags: which overlay is which.
pub const AFTER_HELP: &str = "\
在 compare 中，--overlay 指所评估的调整 (至少一个，依次应用于基准之上)；基准为 --rules (或内置规则) 加上 --base-overlay。\n\
With compare, --overlay names the CHANGE (at least one, applied in order on top of the base); the base is --rules (or the embedded rules) with the --base-overlay files.\n\
往期奖补来自 --prior 文件和台账 (--ledger)，两侧相同。/ Priors come from --prior files and the ledger (--ledger), the same on both sides.\n\n\
示例 / Examples:\n  calc compare examples/round.csv --overlay examples/overlays/lucheng-compute-20.toml\n  calc compare round.xlsx --base-overlay district.toml --overlay new-cap.toml -o impact.xlsx\n  calc compare round.csv --overlay a.toml --overlay b.toml --format json --as-of 2026-06-30";

pub fn run(common: &Common, args: &Args) -> Result<(), Failure> {
    if common.overlay.is_empty() {
        return Err(Failure::Usage(calc::text!(
            "`calc compare` 需要至少一个 --overlay (所评估的调整)",
            "`calc compare` needs at least one --overlay (the change to assess)"
        )));
    }
    let config = Config::with_overlays(common, "compare", HONOURS, &args.base_overlay)?;
    let mut sources = config::sources(common, &args.base_overlay)?;
    config::add_overlays(&mut sources, &common.overlay)?;
    let changed = config::compile(&sources)?;
    check_files(args)?;
    let encoding = args.encoding.into();
    let table = files::table(&args.input, encoding, args.sheet.as_deref())?;
    let prior_files = files::prior_files(&args.prior, encoding)?;
    let mut ledger = super::ledger::read(args.ledger.as_deref())?;
    let mut sources: Vec<&dyn PriorSource> = (prior_files.iter())
        .map(|f| f as &dyn PriorSource)
        .collect();
    sources.extend(ledger.as_ref().map(|l| l.source()));
    let options = batch::Options {
        keep_columns: args.keep_column.clone(),
        as_of: config.as_of.unwrap_or_else(today),
        lang: config.lang,
    };
    let _ = ctrlc::set_handler(|| {
        files::remove_temporaries();
        std::process::exit(130);
    });
    let names = |paths: &[PathBuf]| -> Vec<String> {
        paths.iter().map(|p| p.display().to_string()).collect()
    };
    let (base_overlays, overlays) = (names(&args.base_overlay), names(&common.overlay));
    let books = Books {
        base: &config.book,
        changed: &changed,
        base_overlays: &base_overlays,
        overlays: &overlays,
    };
    let bar = Bar::new();
    let impact = compare::compare(books, table, &options, &sources, &bar);
    bar.finish();
    let impact = impact?;
    drop(sources);
    if let Some(from) = &mut ledger {
        // Every run that computes with the ledger is logged in it (SPEC §8).
        let run = calc::ledger::Run {
            command: format!("compare {}", args.input.display()),
            rules_digest: Some(changed.base.digest.clone()),
            as_of: Some(options.as_of.to_string()),
            counts: format!("changes={}", impact.changes.len()),
            outcome: "compared".into(),
            ..Default::default()
        };
        from.computed(&run)?;
    }
    // `-o -`: the impact as CSV on standard output, in place of the table.
    let stdout = args.output.as_deref().is_some_and(files::is_stdio);
    if stdout {
        let form = Form {
            format: calc::sheet::Format::Csv,
            bom: !args.no_bom,
        };
        compare::write(std::io::stdout(), form, "<stdout>", &impact, config.lang)?;
    } else if let Some(path) = &args.output {
        let form = Form {
            format: files::format_of(path),
            bom: !args.no_bom,
        };
        let shown = path.display().to_string();
        files::write_whole(path, |f| {
            compare::write(f, form, &shown, &impact, config.lang)
        })?;
    }
    let text = match config.format {
        _ if stdout => String::new(),
        Format::Json => format!("{:#}\n", impact.json()),
        // Refused with the flags (`config::refuse_unhonoured`, `Config::new`).
        Format::Html | Format::Csv => String::new(),
        Format::Table => calc::render::impact::render(&impact, config.lang, width()),
    };
    print(&text)?;
    for (line, message) in &impact.row_errors {
        eprintln!("{}:{line}: {message}", args.input.display());
    }
    let (before, after) = impact.errors;
    if before + after == 0 {
        return Ok(());
    }
    eprintln!(
        "{}",
        calc::text!(
            "有误行 {before} 行 (调整前)、{after} 行 (调整后)，未计入比较",
            "{before} rows in error before the change and {after} after, left out of the comparison"
        )
    );
    Err(Failure::RowErrors)
}

/// Refuses any two of input, priors and output that are one file, and an output that cannot
/// be written.
fn check_files(args: &Args) -> Result<(), Failure> {
    let mut all: Vec<(&Path, &Role)> = vec![(&args.input, &INPUT)];
    all.extend(args.prior.iter().map(|p| (p.as_path(), &PRIOR)));
    if let Some(o) = args.output.as_deref().filter(|o| !files::is_stdio(o)) {
        guard::writable(o, &OUTPUT)?;
        all.push((o, &OUTPUT));
    }
    guard::distinct(&all)?;
    Ok(())
}
