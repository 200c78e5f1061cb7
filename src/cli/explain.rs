//! `calc explain FILE [--clause N] [--prior F]... [--ledger L] [--format html] [-o FILE]`: every step of one applicant's
//! evaluation, with the clause text and the rule version, for an auditor; as HTML, the decision
//! sheet (核定表) to print and sign.

use std::path::PathBuf;

use calc::render::{decision, explain, rules::no_such_clause};

use calc::render::wrap::fit;

use super::{Config, Failure, Format, print, width};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 申报单位事实文件 / the applicant's facts file
    pub file: PathBuf,
    /// 只说明这一条 / only this clause
    #[arg(long, value_name = "N")]
    pub clause: Option<u32>,
    /// 往期奖补 (上一轮的输出或往期奖补表)，按本单位的信用代码并入 [[prior]]，可重复 / earlier awards (an earlier round's output or a prior table), the applicant's merged into its [[prior]]; repeatable
    #[arg(long, value_name = "FILE")]
    pub prior: Vec<PathBuf>,
    /// 台账 (SQLite 文件或 PostgreSQL)，其有效奖补作往期；核定表注明台账头 / a ledger whose live awards are earlier ones; the decision sheet names its head
    #[arg(long, env = "CALC_LEDGER", value_name = "LEDGER")]
    pub ledger: Option<String>,
    /// 输出文件 (默认标准输出)；--format html 时为核定表 / output file (default: standard output); with --format html, the decision sheet
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(config: &Config, args: &Args) -> Result<(), Failure> {
    let only = args.clause;
    let facts = config.load_facts(&args.file)?;
    // The applicant's own rules: a clause a scoped overlay adds for its district is a clause.
    let rules = config.rules_for(&facts);
    if let Some(n) = only
        && rules.clause(n).is_none()
    {
        return Err(no_such_clause(rules, n, "--clause").into());
    }
    let ledger = super::ledger::read(args.ledger.as_deref())?;
    let from_ledger = ledger.as_ref().map(|l| l.source());
    let priors = config.priors_for(rules, &facts, &args.file, &args.prior, from_ledger)?;
    // The head the figures were computed against, named on the decision sheet.
    let head = ledger.as_ref().map(|l| l.head.shown());
    let as_of = config.as_of_for(&facts);
    let outcome = calc::evaluate_with(rules, &facts, &priors, as_of)?;
    let text = match config.format {
        Format::Table | Format::Csv => fit(
            &explain::render(&outcome, &facts, rules, config.lang, only),
            width(),
        ),
        Format::Json => {
            let j = explain::to_json(&outcome, &facts, rules, config.lang, only);
            let mut s = serde_json::to_string_pretty(&j).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Html => {
            if only.is_some() {
                return Err(Failure::Usage(calc::text!(
                    "核定表包含全部条款，--format html 不与 --clause 同用",
                    "the decision sheet covers every clause: --format html does not take --clause"
                )));
            }
            decision::html(&outcome, &facts, rules, config.lang, head.as_deref())
        }
    };
    match args.output.as_deref() {
        Some(path) if !calc::files::is_stdio(path) => {
            calc::files::write_whole(path, |mut file| {
                std::io::Write::write_all(&mut file, text.as_bytes())
                    .map_err(|e| calc::files::write_error(path, e))
            })?;
        }
        _ => print(&text)?,
    }
    if let Some(mut from) = ledger {
        let run = calc::ledger::Run {
            command: format!("explain {}", calc::files::shown(&args.file)),
            rules_digest: Some(rules.digest.clone()),
            as_of: Some(as_of.to_string()),
            counts: format!("priors={}", priors.len()),
            outcome: "explained".into(),
            ..Default::default()
        };
        from.computed(&run)?;
    }
    Ok(())
}
