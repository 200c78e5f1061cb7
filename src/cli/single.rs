//! `calc FILE`: one applicant's awards, as a table or JSON.

use std::path::{Path, PathBuf};

use calc::render;

use super::{Config, Failure, Format, print, width};

pub fn run(config: &Config, file: Option<&Path>, priors: &[PathBuf]) -> Result<(), Failure> {
    let Some(path) = file else {
        return Err(Failure::Usage(calc::text!(
            "请给出申报单位事实文件，如 `calc examples/enterprise.toml`；`calc --help` 查看用法",
            "give an applicant facts file, e.g. `calc examples/enterprise.toml`; see `calc --help`"
        )));
    };
    let facts = config.load_facts(path)?;
    let rules = config.rules_for(&facts);
    let priors = config.priors_for(rules, &facts, path, priors)?;
    let outcome = calc::evaluate_with(rules, &facts, &priors, config.as_of_for(&facts))?;
    let text = match config.format {
        Format::Table => render::table::render(&outcome, rules, config.lang, width()),
        Format::Json => render::json::render(&outcome, rules, config.lang),
        // Refused with the flags (`config::refuse_unhonoured`).
        Format::Html => String::new(),
    };
    print(&text)?;
    Ok(())
}
