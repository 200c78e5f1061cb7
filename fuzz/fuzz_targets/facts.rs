//! Fuzz the facts loader and the evaluator on the shipped rules: any text either is refused with a
//! located error or evaluates without panicking, and every amount has at most two decimals.
#![no_main]

use std::sync::OnceLock;

use calc::{Facts, RuleSet, evaluate};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::embedded().expect("the shipped rules load"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rules = rules();
    let Ok(facts) = Facts::from_toml(rules, "fuzz.toml", text) else { return };
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
    if let Ok(outcome) = evaluate(rules, &facts, as_of) {
        let mut sum = calc::Money::ZERO;
        for c in &outcome.clauses {
            assert!(c.amount.as_decimal().scale() <= 2);
            sum = sum.checked_add(c.amount).expect("no overflow");
        }
        assert_eq!(sum, outcome.total);
    }
});
