//! `--summary FILE`: the round's totals by district and clause, each district's subtotal, each
//! clause's total over all districts, and the grand total. Every figure is a sum of the output's
//! `award` column, so the summary always equals the rows (the totals by funding source too: each
//! clause's total under the source its rule file names); discretionary rows are counted apart
//! (they have a ceiling, not an amount; their floors and ceilings are summed apart in a
//! workbook) and error rows are counted at the end. Laid out and written by `render::summary`.

use std::collections::BTreeMap;

use super::RowResult;
use super::group::Unit;
use crate::money::Money;
use crate::round::RowStatus;
use crate::rules::RuleSet;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Rows under the clause (awarded, discretionary or ineligible).
    pub rows: usize,
    pub award: Money,
    pub discretionary: usize,
    /// The discretionary rows' floors and ceilings, summed.
    pub floor: Money,
    pub ceiling: Money,
}

impl Totals {
    fn add(&mut self, r: &RowResult) {
        self.rows += 1;
        if let Some(a) = r.award {
            // Awards of one round cannot overflow 28 digits; saturate rather than panic.
            self.award = self.award.checked_add(a).unwrap_or(self.award);
        }
        if r.status == RowStatus::Discretionary {
            self.discretionary += 1;
            let sum = |total: Money, m: Option<Money>| total.checked_add(m.unwrap_or(Money::ZERO));
            self.floor = sum(self.floor, r.floor()).unwrap_or(self.floor);
            self.ceiling = sum(self.ceiling, r.ceiling()).unwrap_or(self.ceiling);
        }
    }

    pub fn merge(&mut self, o: &Totals) {
        self.rows += o.rows;
        self.award = self.award.checked_add(o.award).unwrap_or(self.award);
        self.discretionary += o.discretionary;
        self.floor = self.floor.checked_add(o.floor).unwrap_or(self.floor);
        self.ceiling = self.ceiling.checked_add(o.ceiling).unwrap_or(self.ceiling);
    }
}

/// Totals by (district, clause), in the policy's district order, then others by name.
#[derive(Debug, Default)]
pub struct Summary {
    pub cells: BTreeMap<(usize, String, u32), Totals>,
    pub errors: usize,
}

impl Summary {
    pub fn of(rules: &RuleSet, units: &[Unit], results: &[RowResult]) -> Summary {
        let districts = &rules.policy.districts;
        // Districts are few and rows many: each unit's district is looked up once, and rows
        // are added (in row order, as before) to totals by (district, clause) numbers.
        let mut names: Vec<(usize, &str)> = Vec::new();
        let mut known: foldhash::HashMap<&str, u32> = foldhash::HashMap::default();
        let unit_district: Vec<u32> = units
            .iter()
            .map(|u| {
                let name = u.district.as_str();
                *known.entry(name).or_insert_with(|| {
                    let order = districts
                        .iter()
                        .position(|d| d == name)
                        .unwrap_or(districts.len());
                    names.push((order, name));
                    (names.len() - 1) as u32
                })
            })
            .collect();
        let mut totals: foldhash::HashMap<(u32, u32), Totals> = foldhash::HashMap::default();
        let mut s = Summary::default();
        for r in results {
            if r.status == RowStatus::Error {
                s.errors += 1;
                continue;
            }
            let (Some(clause), Some(ui)) = (r.clause, r.unit) else {
                continue;
            };
            let Some(&d) = unit_district.get(ui as usize) else {
                continue;
            };
            totals.entry((d, clause)).or_default().add(r);
            for more in &r.also {
                if let Some(clause) = more.clause {
                    totals.entry((d, clause)).or_default().add(more);
                }
            }
        }
        s.cells = totals
            .into_iter()
            .filter_map(|((d, clause), t)| {
                let &(order, name) = names.get(d as usize)?;
                Some(((order, name.to_string(), clause), t))
            })
            .collect();
        s
    }
}
