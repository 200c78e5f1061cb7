//! `--summary FILE`: the round's totals by district and clause, each district's subtotal, each
//! clause's total over all districts, and the grand total. Every figure is a sum of the output's
//! `award` column, so the summary always equals the rows (the totals by funding source too: each
//! clause's total under the source its rule file names); discretionary rows are counted apart
//! (they have a ceiling, not an amount) and error rows are counted at the end.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use tempfile::NamedTempFile;

use super::group::Unit;
use super::write::{self, Cell};
use super::{RowResult, RowStatus};
use crate::error::Error;
use crate::money::Money;
use crate::rules::RuleSet;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Rows under the clause (awarded, discretionary or ineligible).
    pub rows: usize,
    pub award: Money,
    pub discretionary: usize,
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
        }
    }

    fn merge(&mut self, o: &Totals) {
        self.rows += o.rows;
        self.award = self.award.checked_add(o.award).unwrap_or(self.award);
        self.discretionary += o.discretionary;
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

    /// The table as written: district × clause lines, district subtotals, clause totals, total.
    pub fn lines(&self, rules: &RuleSet) -> Vec<Vec<Cell>> {
        let title = |n: u32| rules.clause(n).map(|c| c.title.clone()).unwrap_or_default();
        let line = |district: &str, clause: Option<u32>, label: String, t: &Totals| {
            vec![
                Cell::Text(district.to_string()),
                Cell::Text(clause.map(|c| c.to_string()).unwrap_or_default()),
                Cell::Text(label),
                Cell::Count(t.rows),
                Cell::Money(t.award),
                Cell::Count(t.discretionary),
            ]
        };
        let mut out = Vec::new();
        let mut by_clause: BTreeMap<u32, Totals> = BTreeMap::new();
        let mut grand = Totals::default();
        let mut current: Option<(&str, Totals)> = None;
        for ((_, district, clause), t) in &self.cells {
            if let Some((d, sub)) = &current
                && *d != district.as_str()
            {
                out.push(line(d, None, "小计 subtotal".into(), sub));
                current = None;
            }
            out.push(line(district, Some(*clause), title(*clause), t));
            current
                .get_or_insert((district.as_str(), Totals::default()))
                .1
                .merge(t);
            by_clause.entry(*clause).or_default().merge(t);
            grand.merge(t);
        }
        if let Some((d, sub)) = &current {
            out.push(line(d, None, "小计 subtotal".into(), sub));
        }
        for (clause, t) in &by_clause {
            out.push(line("全部 all", Some(*clause), title(*clause), t));
        }
        out.push(line("全部 all", None, "合计 total".into(), &grand));
        // 资金来源 (附则2): the same totals by the funding source each clause names.
        let mut by_funding: BTreeMap<usize, Totals> = BTreeMap::new();
        for (clause, t) in &by_clause {
            let source = rules.clause(*clause).and_then(|c| c.funding);
            if let Some(f) = source {
                by_funding.entry(f).or_default().merge(t);
            }
        }
        for (f, t) in &by_funding {
            let label = rules
                .policy
                .funding
                .get(*f)
                .map_or(String::new(), |f| f.label.clone());
            out.push(line("资金来源 funding", None, label, t));
        }
        out.push(vec![
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text("有误行 error rows".into()),
            Cell::Count(self.errors),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
        ]);
        out
    }
}

pub const HEADERS: [&str; 6] = [
    "区县 district",
    "条款 clause",
    "名称 title",
    "行数 rows",
    "核定金额 award",
    "酌定行数 discretionary rows",
];

/// Writes the summary beside its destination, with the as-of date and rule digest at the end.
pub fn write(
    path: &Path,
    summary: &Summary,
    rules: &RuleSet,
    as_of: NaiveDate,
    bom: bool,
) -> Result<NamedTempFile, Error> {
    let mut lines = summary.lines(rules);
    let note = |label: &str, value: String| {
        vec![
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(label.to_string()),
            Cell::Text(value),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
        ]
    };
    lines.push(note("计算基准日 as of", as_of.to_string()));
    lines.push(note("规则 rules sha256", rules.digest.clone()));
    write::table(path, &HEADERS, &lines, bom)
}
