//! Grouping rows by credit code, as they are read: the rows of one code form one applicant
//! wherever they stand. Its first row that reads well makes its facts; a later row must repeat
//! those applicant facts and must not repeat an item's key, or it is an error.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use super::parse::Row;
use crate::facts::{Facts, Item, Value};
use crate::rules::RuleSet;

/// One applicant of the round: its facts and where its rows stand.
pub struct Unit {
    pub code: String,
    pub district: String,
    pub facts: Facts,
    /// (row, section, index within the section's items), in file order.
    pub rows: Vec<(usize, usize, usize)>,
    /// Lines of this applicant's rows that had errors.
    pub error_lines: Vec<usize>,
}

/// The rows of one credit code so far.
struct Group {
    /// Made by the first row that reads well.
    unit: Option<Unit>,
    first_line: usize,
    error_lines: Vec<usize>,
    /// The first item with each (section, key hash), to find a repeated key.
    keys: HashMap<(usize, u64), usize>,
}

/// The round's rows grouped by credit code.
pub struct Groups<'a> {
    rules: &'a RuleSet,
    file: &'a str,
    /// Each section's key field, if it has one.
    key_field: Vec<Option<usize>>,
    by_code: foldhash::HashMap<String, usize>,
    groups: Vec<Group>,
    /// Rows that are errors, with their message.
    pub errors: Vec<(usize, String)>,
    /// Rows read so far.
    pub rows: usize,
}

impl<'a> Groups<'a> {
    pub fn new(rules: &'a RuleSet, file: &'a str) -> Groups<'a> {
        let key_field = (rules.vocabulary.sections.iter())
            .map(|s| s.key.as_ref().and_then(|k| s.field_index(k)))
            .collect();
        Groups {
            rules,
            file,
            key_field,
            by_code: Default::default(),
            groups: Vec::new(),
            errors: Vec::new(),
            rows: 0,
        }
    }

    /// Adds the next row of the file.
    pub fn add(&mut self, line: usize, parsed: Row) {
        let row = self.rows;
        self.rows += 1;
        let cc = self.rules.roles.credit_code;
        let placed = match parsed {
            Row::Blank => return,
            Row::Error { message, code } => {
                if let Some(code) = code {
                    let g = self.group(&code);
                    self.groups[g].error_lines.push(line);
                }
                Err(message)
            }
            Row::Item {
                applicant,
                section,
                item,
            } => {
                let g = self.group(applicant.text(cc).unwrap_or_default());
                let (rules, file, key) = (self.rules, self.file, self.key_field[section]);
                let g = &mut self.groups[g];
                let placed = g.place(rules, file, (row, line), applicant, (section, item), key);
                if placed.is_err() {
                    g.error_lines.push(line);
                }
                placed
            }
        };
        if let Err(message) = placed {
            self.errors.push((row, message));
        }
    }

    /// The group of a credit code, made when the code is first seen.
    fn group(&mut self, code: &str) -> usize {
        let next = self.groups.len();
        match self.by_code.get(code) {
            Some(&g) => g,
            None => {
                self.by_code.insert(code.to_string(), next);
                self.groups.push(Group {
                    unit: None,
                    first_line: 0,
                    error_lines: Vec::new(),
                    keys: HashMap::new(),
                });
                next
            }
        }
    }

    /// The applicants (codes with a row that read well), each with its prior awards.
    pub fn into_units(self, priors: &HashMap<String, Vec<Item>>) -> Vec<Unit> {
        let prior = self.rules.roles.prior;
        (self.groups.into_iter())
            .filter_map(|g| {
                let mut unit = g.unit?;
                unit.error_lines = g.error_lines;
                if let Some(items) = priors.get(&unit.code) {
                    unit.facts.sections[prior].extend(items.iter().cloned());
                }
                Some(unit)
            })
            .collect()
    }
}

impl Group {
    fn place(
        &mut self,
        rules: &RuleSet,
        file: &str,
        (row, line): (usize, usize),
        applicant: Item,
        (section, item): (usize, Item),
        key: Option<usize>,
    ) -> Result<(), String> {
        let a = rules.roles.applicant;
        let first_line = self.first_line;
        let unit = match &mut self.unit {
            Some(unit) => {
                if let Some(first) = unit.facts.single(a)
                    && first.values != applicant.values
                {
                    let differ: Vec<String> = (rules.section(a).fields.iter().enumerate())
                        .filter(|(fi, _)| first.values[*fi] != applicant.values[*fi])
                        .map(|(_, f)| format!("{} ({})", f.label, f.name))
                        .collect();
                    let differ = differ.join(", ");
                    return Err(format!(
                        "同一统一社会信用代码的单位信息与第 {first_line} 行不一致: {differ} / the applicant's facts differ from line {first_line} (same credit code): {differ}"
                    ));
                }
                unit
            }
            None => {
                self.first_line = line;
                self.unit.insert(new_unit(rules, file, applicant))
            }
        };
        let items = &unit.facts.sections[section];
        if let Some(k) = key {
            let hash = key_hash(item.get(k));
            // A hash seen before: the first earlier item with an equal key, if any.
            let dup = self
                .keys
                .get(&(section, hash))
                .and_then(|_| items.iter().find(|other| other.get(k) == item.get(k)));
            if let Some(dup) = dup {
                let s = rules.section(section);
                let (dup_line, key) = (dup.line, item.key(s));
                return Err(format!(
                    "本单位{}“{key}”重复 (与第 {dup_line} 行) / duplicate {} `{key}` for this applicant (also at line {dup_line})",
                    s.label, s.name
                ));
            }
            self.keys.entry((section, hash)).or_insert(items.len());
        }
        unit.rows.push((row, section, items.len()));
        unit.facts.sections[section].push(item);
        Ok(())
    }
}

fn new_unit(rules: &RuleSet, file: &str, applicant: Item) -> Unit {
    let r = &rules.roles;
    let mut facts = Facts::new(rules, file);
    let code = applicant
        .text(r.credit_code)
        .unwrap_or_default()
        .to_string();
    let district = applicant.text(r.district).unwrap_or_default().to_string();
    facts.sections[r.applicant].push(applicant);
    Unit {
        code,
        district,
        facts,
        rows: Vec::with_capacity(8),
        error_lines: Vec::new(),
    }
}

/// A hash of an item's key consistent with `==` on values; decimals (equal at different
/// scales) all hash alike and are compared in full.
fn key_hash(v: Option<&Value>) -> u64 {
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    match v {
        Some(Value::Text(s)) => s.hash(&mut h),
        Some(Value::Int(i)) => i.hash(&mut h),
        Some(Value::Date(d)) => d.hash(&mut h),
        Some(Value::Bool(b)) => b.hash(&mut h),
        Some(Value::Enum(e)) => e.hash(&mut h),
        Some(Value::Money(_) | Value::Number(_)) | None => {}
    }
    h.finish()
}
