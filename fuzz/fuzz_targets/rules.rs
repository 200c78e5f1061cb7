//! Fuzz the rule loader: a clause file replaced by arbitrary text is refused with located errors
//! or compiles; either way nothing panics, and a compiled rule set evaluates the example.
#![no_main]

use calc::rules::{RuleSet, RuleSources};
use calc::{Facts, evaluate};
use libfuzzer_sys::fuzz_target;

const EXAMPLE: &str = include_str!("../../examples/enterprise.toml");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut sources = RuleSources::embedded();
    // The first byte picks which file the input replaces.
    let pick = data.first().copied().unwrap_or(0) as usize % sources.files.len();
    sources.files[pick].1 = text.to_string();
    let Ok(rules) = RuleSet::compile(&sources) else { return };
    let Ok(facts) = Facts::from_toml(&rules, "example.toml", EXAMPLE) else { return };
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
    let _ = evaluate(&rules, &facts, as_of);
});
