//! `calc FILE`: one applicant's awards, as a table or JSON.

use std::path::{Path, PathBuf};

use calc::render;

use super::{Config, Failure, Format, print, width};

pub fn run(
    config: &Config,
    file: Option<&Path>,
    priors: &[PathBuf],
    ledger: Option<&str>,
) -> Result<(), Failure> {
    let Some(path) = file else {
        return Err(Failure::Usage(calc::text!(
            "请给出申报单位事实文件，如 `calc examples/enterprise.toml`；`calc --help` 查看用法",
            "give an applicant facts file, e.g. `calc examples/enterprise.toml`; see `calc --help`"
        )));
    };
    let facts = config.load_facts(path)?;
    let rules = config.rules_for(&facts);
    // The ledger's live awards, one more source beside the prior files (`--ledger`).
    let mut ledger = super::ledger::read(ledger)?;
    let from_ledger = ledger.as_ref().map(|l| l.source());
    let priors = config.priors_for(rules, &facts, path, priors, from_ledger)?;
    let as_of = config.as_of_for(&facts);
    let outcome = calc::evaluate_with(rules, &facts, &priors, as_of)?;
    if let Some(from) = &mut ledger {
        let run = calc::ledger::Run {
            command: format!("calc {}", calc::files::shown(path)),
            rules_digest: Some(rules.digest.clone()),
            as_of: Some(as_of.to_string()),
            counts: format!("priors={}", priors.len()),
            outcome: "computed".into(),
            ..Default::default()
        };
        from.computed(&run)?;
    }
    let text = match config.format {
        Format::Table | Format::Csv => render::table::render(&outcome, rules, config.lang, width()),
        Format::Json => render::json::render(&outcome, rules, config.lang),
        // Refused with the flags (`config::refuse_unhonoured`).
        Format::Html => String::new(),
    };
    print(&text)?;
    Ok(())
}
