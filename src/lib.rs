//! `calc`: the subsidy calculator for 温政办〔2025〕45号.
//!
//! Rules are data (`rules/`, embedded); `engine::evaluate` is the one evaluator; renderers in
//! `render/` only render. The library prints nothing and knows no command line: it takes values
//! (a file's bytes, a `Table`, facts from TOML or JSON, priors) and returns values and `Error`,
//! whose `kind()` a shell maps to an exit code or an HTTP status. Only `files`, the edge, opens
//! a path, for the shells; the binary (src/main.rs, src/cli/) parses flags, prints and exits.

// An input error carries its file, place, field and message in both languages (over 128
// bytes); it is returned once per bad input, never in a loop that would feel its size.
#![allow(clippy::result_large_err)]
// The library prints nothing: it returns values and errors, and the shells print them.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod batch;
pub mod cases;
pub mod compare;
pub mod credit_code;
pub mod engine;
pub mod error;
pub mod facts;
pub mod files;
pub mod fold;
pub mod money;
pub mod notice;
pub mod outcome;
pub mod prior;
pub mod progress;
pub mod quota;
pub mod render;
pub mod round;
pub mod rules;
#[cfg(feature = "server")]
pub mod server;
pub mod sheet;
pub mod suggest;
pub mod template;
pub mod text;
pub mod value;

pub use error::Error;
pub use facts::Facts;
pub use money::Money;
pub use outcome::{Outcome, Status};
pub use rules::RuleSet;

/// One applicant's outcome, as `calc FILE`, `calc explain` and `calc test` give it: the one
/// evaluator, with the clause quotas applied to the applicant's own items (SPEC §4); a batch
/// applies them across the round instead. Its priors are the facts' own `[[prior]]` tables.
pub fn evaluate(
    rules: &RuleSet,
    facts: &Facts,
    as_of: chrono::NaiveDate,
) -> Result<Outcome, error::InputError> {
    let priors = prior::of_facts(rules, facts)?;
    evaluate_with(rules, facts, &priors, as_of)
}

/// `evaluate` with the applicant's priors as gathered (`prior::gather`, the facts' own
/// `[[prior]]` tables among the sources); the facts' own tables are not read again.
pub fn evaluate_with(
    rules: &RuleSet,
    facts: &Facts,
    priors: &[prior::PriorAward],
    as_of: chrono::NaiveDate,
) -> Result<Outcome, error::InputError> {
    match quota::own(rules, facts, priors, as_of)? {
        Some(excluded) => {
            engine::evaluate_clauses(rules, facts, priors, as_of, &excluded, &|_| true)
        }
        None => engine::evaluate_with(rules, facts, priors, as_of),
    }
}
