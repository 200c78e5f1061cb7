//! The checked configuration of a run (ripgrep's `HiArgs`): the rules compiled with their
//! overlays, the as-of date parsed, the output format and language chosen.

use chrono::NaiveDate;

use calc::error::{Error, InputError};
use calc::facts::{Facts, parse_date};
use calc::render::Lang;
use calc::rules::{RuleSet, RuleSources};

use super::{Common, Failure, Format};

pub struct Config {
    pub rules: RuleSet,
    /// `--as-of`, when given.
    pub as_of: Option<NaiveDate>,
    pub format: Format,
    pub lang: Lang,
}

impl Config {
    pub fn new(c: &Common) -> Result<Config, Failure> {
        let mut sources = match &c.rules {
            Some(dir) => RuleSources::from_dir(dir)?,
            None => RuleSources::embedded(),
        };
        for o in &c.overlay {
            sources.add_overlay(o)?;
        }
        let rules = RuleSet::compile(&sources).map_err(|errors| Error::Rules {
            origin: sources.origin.clone(),
            errors,
        })?;
        let as_of = match &c.as_of {
            Some(t) => Some(parse_date(t).map_err(|m| InputError::new("--as-of", m))?),
            None => None,
        };
        Ok(Config {
            rules,
            as_of,
            format: c.format,
            lang: c.lang.into(),
        })
    }

    /// Reads a facts file; `-` is standard input.
    pub fn load_facts(&self, path: &std::path::Path) -> Result<Facts, InputError> {
        if path == std::path::Path::new("-") {
            Facts::read(&self.rules, "<stdin>", std::io::stdin().lock())
        } else {
            Facts::load(&self.rules, path)
        }
    }

    /// The as-of date for a facts file: `--as-of`, else `[application] date`, else today.
    pub fn as_of_for(&self, facts: &Facts) -> NaiveDate {
        self.as_of
            .or_else(|| facts.as_of(&self.rules))
            .unwrap_or_else(today)
    }
}

pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}
