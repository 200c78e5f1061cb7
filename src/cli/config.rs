//! The checked configuration of a run (ripgrep's `HiArgs`): the rules compiled with their
//! overlays, the as-of date parsed, the output format and language chosen.

use chrono::NaiveDate;

use calc::error::{Error, InputError};
use std::path::{Path, PathBuf};

use calc::facts::Facts;
use calc::files::guard::{INPUT, PRIOR, Role, distinct};
use calc::prior::{FactsPriors, PriorAward, PriorSource};
use calc::render::Lang;
use calc::rules::{RuleBook, RuleSet, RuleSources};
use calc::sheet::read::Encoding;

use super::args::Honours;
use super::{Common, Failure, Format};

pub struct Config {
    /// The rules of every applicant: the base and each scoped overlay's districts' own.
    pub book: RuleBook,
    /// The base rules (no scoped overlay), for what does not depend on an applicant.
    pub rules: RuleSet,
    /// `--as-of`, when given.
    pub as_of: Option<NaiveDate>,
    pub format: Format,
    pub lang: Lang,
    /// The overlay files given (`--overlay`), as given.
    pub overlays: Vec<String>,
}

impl Config {
    /// The configuration of `command`, which honours `honours` of the common flags.
    pub fn new(c: &Common, command: &str, honours: Honours) -> Result<Config, Failure> {
        Config::with_overlays(c, command, honours, &c.overlay)
    }

    /// The configuration of `command` with `overlays` on the rules in place of `--overlay`
    /// (`calc compare`'s base: its `--overlay` names the change).
    pub fn with_overlays(
        c: &Common,
        command: &str,
        honours: Honours,
        overlays: &[std::path::PathBuf],
    ) -> Result<Config, Failure> {
        refuse_unhonoured(c, command, honours)?;
        // CSV is a format of `calc ledger list` only.
        if c.format == Some(Format::Csv) && command != "ledger list" {
            return Err(Failure::Usage(calc::text!(
                "`calc {command}` 的 --format 应为 table 或 json",
                "`calc {command}` takes --format table or json"
            )));
        }
        let sources = sources(c, overlays)?;
        let book = compile(&sources)?;
        let rules = book.base.clone();
        let as_of = match &c.as_of {
            Some(t) => Some(calc::facts::date(t).map_err(|m| InputError::new("--as-of", m))?),
            None => None,
        };
        Ok(Config {
            book,
            rules,
            as_of,
            format: c.format.unwrap_or(Format::Table),
            lang: c.lang.map_or(Lang::Zh, Lang::from),
            overlays: (c.overlay.iter())
                .map(|o| o.display().to_string())
                .collect(),
        })
    }

    /// Reads a facts file; `-` is standard input.
    pub fn load_facts(&self, path: &std::path::Path) -> Result<Facts, InputError> {
        calc::files::facts(&self.rules, path)
    }

    /// The rules for a facts file's applicant: its district's, where a scoped overlay names it.
    pub fn rules_for(&self, facts: &Facts) -> &RuleSet {
        facts.rules(&self.book)
    }

    /// The applicant's priors: its facts' own `[[prior]]` tables and, merged into them by the
    /// one gathering (`prior::gather`: the same award once, two amounts for one award refused),
    /// the awards under its credit code in the `--prior` files, each opened here.
    pub fn priors_for(
        &self,
        rules: &RuleSet,
        facts: &Facts,
        file: &Path,
        paths: &[PathBuf],
        ledger: Option<&dyn PriorSource>,
    ) -> Result<Vec<PriorAward>, InputError> {
        let mut files: Vec<(&Path, &Role)> = vec![(file, &INPUT)];
        files.extend(paths.iter().map(|p| (p.as_path(), &PRIOR)));
        if file != Path::new("-") {
            distinct(&files)?;
        } else {
            distinct(&files[1..])?;
        }
        let opened = calc::files::prior_files(paths, Encoding::Auto)?;
        let own = FactsPriors(facts);
        let mut sources: Vec<&dyn PriorSource> = vec![&own];
        sources.extend(opened.iter().map(|f| f as &dyn PriorSource));
        sources.extend(ledger);
        // Each award under its own applicant's rules (a prior file holds other applicants too).
        let gathered = calc::prior::gather(&self.book, &sources)?;
        let r = &rules.roles;
        let code = (facts.single(r.applicant))
            .and_then(|a| a.text(r.credit_code))
            .unwrap_or_default();
        Ok(gathered.of(code).to_vec())
    }

    /// The as-of date for a facts file: `--as-of`, else `[application] date`, else today.
    pub fn as_of_for(&self, facts: &Facts) -> NaiveDate {
        facts.as_of_or(&self.rules, self.as_of, today())
    }
}

/// The rule files of `--rules` (else the embedded ones) with `overlays` after them, in order.
pub fn sources(c: &Common, overlays: &[std::path::PathBuf]) -> Result<RuleSources, Failure> {
    let mut sources = match &c.rules {
        Some(dir) => calc::files::rules_dir(dir)?,
        None => RuleSources::embedded(),
    };
    add_overlays(&mut sources, overlays)?;
    Ok(sources)
}

/// Adds overlay files to the sources, by their names as given.
pub fn add_overlays(
    sources: &mut RuleSources,
    overlays: &[std::path::PathBuf],
) -> Result<(), Failure> {
    for o in overlays {
        sources.add_overlay(o.display().to_string(), calc::files::text(o)?);
    }
    Ok(())
}

/// The rules compiled: the base and each scoped overlay's districts' own.
pub fn compile(sources: &RuleSources) -> Result<RuleBook, Failure> {
    Ok(RuleBook::compile(sources).map_err(|errors| Error::Rules {
        origin: sources.origin.clone(),
        errors,
    })?)
}

/// A common flag given to a command that would ignore it is a usage error.
pub fn refuse_unhonoured(c: &Common, command: &str, honours: Honours) -> Result<(), Failure> {
    let given = [
        ("--as-of", c.as_of.is_some() && !honours.as_of),
        ("--format", c.format.is_some() && !honours.format),
        ("--lang", c.lang.is_some() && !honours.lang),
    ];
    // The decision sheet is one applicant's explanation: no other command writes HTML.
    if c.format == Some(Format::Html) && honours.format && command != "explain" {
        return Err(Failure::Usage(calc::text!(
            "`calc {command}` 不输出 HTML (--format html 只用于 calc explain，生成核定表)",
            "`calc {command}` does not write HTML (--format html is for calc explain, the decision sheet)"
        )));
    }
    match given.iter().find(|(_, refused)| *refused) {
        Some((flag, _)) => Err(Failure::Usage(calc::text!(
            "`calc {command}` 不使用 {flag}，请去掉",
            "`calc {command}` does not take {flag}: leave it out"
        ))),
        None => Ok(()),
    }
}

pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}
