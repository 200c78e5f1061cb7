//! Declarative cases (`calc test [DIR]`): a facts file with a `[case]` table (name, as-of date)
//! and an `[expect]` table (total, and per clause its status, amount and item amounts),
//! evaluated by the same engine. Every clause the facts claim under must be listed.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{InputError, from_toml};
use crate::evaluate;
use crate::facts::Facts;
use crate::money::Money;
use crate::rules::RuleSet;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseHeader {
    name: String,
    #[serde(deserialize_with = "crate::rules::de_date")]
    as_of: NaiveDate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedClause {
    clause: u32,
    status: String,
    #[serde(default)]
    amount: Option<Money>,
    #[serde(default)]
    ceiling: Option<Money>,
    #[serde(default)]
    floor: Option<Money>,
    /// Item id → amount.
    #[serde(default)]
    items: std::collections::BTreeMap<String, Money>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    total: Money,
    #[serde(default)]
    clause: Vec<ExpectedClause>,
}

/// Only the two tables the runner reads; the facts are read by `Facts`.
#[derive(Debug, Deserialize)]
struct CaseFile {
    case: CaseHeader,
    expect: Expect,
}

/// The result of one case: its name and the differences found (none: it passed).
#[derive(Debug)]
pub struct CaseResult {
    pub file: String,
    pub name: String,
    pub failures: Vec<String>,
}

/// Runs one case, given its text (`shown` names its file).
pub fn run_case(rules: &RuleSet, shown: &str, text: &str) -> Result<CaseResult, InputError> {
    let (shown, text) = (shown.to_string(), text.to_string());
    let case: CaseFile = {
        let table: toml::Table = toml::from_str(&text).map_err(|e| from_toml(&shown, &text, &e))?;
        for k in ["case", "expect"] {
            if !table.contains_key(k) {
                return Err(InputError::new(
                    &shown,
                    crate::text!("测试用例缺少 [{k}] 表", "the case lacks its [{k}] table"),
                ));
            }
        }
        // Read [case] and [expect] from the text itself (the facts tables are ignored here) so
        // that an error points at its line and key; unknown keys inside them are refused.
        toml::from_str(&text).map_err(|e| {
            let err = InputError::new(
                &shown,
                format!("[case]/[expect]: {}", e.message().trim_end()),
            );
            match e.span() {
                Some(span) => match key_at(&text, span.start) {
                    Some(key) => err.at(&text, span.start).field(key),
                    None => err.at(&text, span.start),
                },
                None => err,
            }
        })?
    };
    let facts = Facts::from_toml_except(rules, &shown, &text, &["case", "expect"])?;
    let outcome = evaluate(rules, &facts, case.case.as_of)?;

    let mut failures = Vec::new();
    if outcome.total != case.expect.total {
        failures.push(format!(
            "total: expected {}, got {}",
            case.expect.total.plain(),
            outcome.total.plain()
        ));
    }
    for want in &case.expect.clause {
        let Some(got) = outcome.clauses.iter().find(|c| c.clause == want.clause) else {
            failures.push(format!(
                "clause {}: expected, but no claim was evaluated",
                want.clause
            ));
            continue;
        };
        let c = want.clause;
        if got.status.as_str() != want.status {
            failures.push(format!(
                "clause {c}: status expected {}, got {}",
                want.status,
                got.status.as_str()
            ));
        }
        if let Some(a) = want.amount
            && a != got.amount
        {
            failures.push(format!(
                "clause {c}: amount expected {}, got {}",
                a.plain(),
                got.amount.plain()
            ));
        }
        if want.ceiling != got.ceiling {
            failures.push(format!(
                "clause {c}: ceiling expected {:?}, got {:?}",
                want.ceiling.map(|m| m.plain()),
                got.ceiling.map(|m| m.plain())
            ));
        }
        if want.floor != got.floor {
            failures.push(format!(
                "clause {c}: floor expected {:?}, got {:?}",
                want.floor.map(|m| m.plain()),
                got.floor.map(|m| m.plain())
            ));
        }
        for (id, amount) in &want.items {
            match got.items.iter().find(|i| &i.id == id) {
                Some(i) if i.amount == *amount => {}
                Some(i) => failures.push(format!(
                    "clause {c} item {id}: expected {}, got {}",
                    amount.plain(),
                    i.amount.plain()
                )),
                None => failures.push(format!("clause {c} item {id}: not in the outcome")),
            }
        }
    }
    for got in &outcome.clauses {
        if !case.expect.clause.iter().any(|w| w.clause == got.clause) {
            failures.push(format!(
                "clause {}: evaluated ({} {}) but not in [expect]",
                got.clause,
                got.status.as_str(),
                got.amount.plain()
            ));
        }
    }
    Ok(CaseResult {
        file: shown.clone(),
        name: case.case.name,
        failures,
    })
}

/// The key of the `key = value` line holding byte `offset`, if that line has one.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let key = line.split_once('=')?.0.trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}
