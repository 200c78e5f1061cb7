//! `calc notice`: the public-notice list (公示名单, SPEC §7) of a round's output: one line per
//! applicant and clause with an award, sorted by district and clause, with the round's total,
//! and the discretionary awards apart. It is read back from the output file the clerk hands on,
//! so that the list says what the output says; nothing is computed again.

use std::collections::BTreeMap;
use std::path::Path;

use crate::batch::parse::Columns;
use crate::batch::read::{Encoding, Table};
use crate::batch::write::{self, Added, Cell};
use crate::error::{Error, InputError};
use crate::money::Money;
use crate::rules::RuleSet;

/// What a notice came to, for the closing line.
pub struct Notice {
    /// Applicant-and-clause lines with a determinate award.
    pub lines: usize,
    /// Lines of discretionary awards, apart from the total.
    pub discretionary: usize,
    pub total: Money,
}

/// One applicant under one clause.
#[derive(Default)]
struct Line {
    name: String,
    amount: Money,
}

/// (district's place in the policy's list, district, clause, credit code) → its line.
type Lines = BTreeMap<(usize, String, u32, String), Line>;

const HEADERS: [&str; 7] = [
    "序号",
    "单位名称",
    "统一社会信用代码",
    "所属区县",
    "条款",
    "名称",
    "核定金额",
];

/// Reads the round's output at `output` and writes its notice to `to` (CSV or XLSX).
pub fn write(rules: &RuleSet, output: &Path, to: &Path, bom: bool) -> Result<Notice, Error> {
    if crate::batch::guard::same_file(output, to) {
        return Err(InputError::new(
            to.display().to_string(),
            "公示名单不能写到输出文件本身 / the notice cannot be written onto the output it lists",
        )
        .into());
    }
    let (awarded, discretionary) = read(rules, output)?;
    let mut rows = Vec::new();
    let mut total = Money::ZERO;
    for (n, ((_, district, clause, code), line)) in awarded.iter().enumerate() {
        total = total
            .checked_add(line.amount)
            .map_err(|e| InputError::new(output.display().to_string(), e.to_string()))?;
        rows.push(row(
            rules,
            n + 1,
            line,
            code,
            district,
            *clause,
            Some(line.amount),
        ));
    }
    rows.push(vec![
        Cell::Text(String::new()),
        Cell::Text("合计 total".into()),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Text(String::new()),
        Cell::Money(total),
    ]);
    if !discretionary.is_empty() {
        let mut part: Vec<Cell> = HEADERS.iter().map(|_| Cell::Text(String::new())).collect();
        part[1] = Cell::Text(
            "酌定（由主管部门核定，不计入合计） / discretionary, not in the total".into(),
        );
        rows.push(part);
        for (n, ((_, district, clause, code), line)) in discretionary.iter().enumerate() {
            rows.push(row(rules, n + 1, line, code, district, *clause, None));
        }
    }
    let tmp = write::table(to, &HEADERS, &rows, bom)?;
    write::persist(tmp, to)?;
    Ok(Notice {
        lines: awarded.len(),
        discretionary: discretionary.len(),
        total,
    })
}

fn row(
    rules: &RuleSet,
    n: usize,
    line: &Line,
    code: &str,
    district: &str,
    clause: u32,
    amount: Option<Money>,
) -> Vec<Cell> {
    let title = rules.clause(clause).map_or("", |c| c.title(false));
    vec![
        Cell::Count(n),
        Cell::Text(line.name.clone()),
        Cell::Text(code.to_string()),
        Cell::Text(district.to_string()),
        Cell::Count(clause as usize),
        Cell::Text(title.to_string()),
        amount.map_or(Cell::Text("酌定".into()), Cell::Money),
    ]
}

/// The output's awarded and discretionary lines; a file without calc's added columns is no
/// round's output and is refused.
fn read(rules: &RuleSet, output: &Path) -> Result<(Lines, Lines), Error> {
    let table = Table::open(output, Encoding::Auto)?;
    let r = &rules.roles;
    let cols = Columns::map(rules, &table.file, &table.headers, &[r.applicant])?;
    let col = |a: Added| cols.added(a);
    let (Some(clause_col), Some(award_col), Some(status_col)) =
        (col(Added::Clause), col(Added::Award), col(Added::Status))
    else {
        return Err(InputError::new(
            &table.file,
            "不是批量计算的输出 (缺少 条款、核定金额、状态 列)：请给出 calc batch 的输出文件 / not a round's output (no clause, award and status columns): give the output of calc batch",
        )
        .into());
    };
    let field = |f: usize| cols.fields[r.applicant][f];
    let (name_col, code_col, district_col) =
        (field(r.name), field(r.credit_code), field(r.district));
    let order = |d: &str| {
        let divisions = &rules.policy.divisions;
        divisions
            .iter()
            .position(|x| x == d)
            .unwrap_or(divisions.len())
    };
    let (mut awarded, mut discretionary) = (Lines::new(), Lines::new());
    let mut bad: Option<InputError> = None;
    table.rows(&(), |line, cells| {
        let cell = |c: Option<usize>| c.map_or("", |c| cells.get(c)).trim();
        let status = cell(Some(status_col));
        let into = match status {
            "awarded" | "核定" => &mut awarded,
            "discretionary" | "酌定" => &mut discretionary,
            _ => return,
        };
        let amount = match cell(Some(award_col)) {
            "" => Money::ZERO,
            text => match Money::parse(text) {
                Ok(m) => m,
                Err(e) => {
                    let mut err = InputError::new(&table.file, e.to_string());
                    err.line = Some(line);
                    bad.get_or_insert(err);
                    return;
                }
            },
        };
        let Ok(clause) = cell(Some(clause_col)).parse::<u32>() else {
            return;
        };
        if status_is_awarded(status) && amount.is_zero() {
            return;
        }
        let district = cell(district_col).to_string();
        let key = (
            order(&district),
            district,
            clause,
            cell(code_col).to_string(),
        );
        let entry = into.entry(key).or_default();
        entry.name = cell(name_col).to_string();
        match entry.amount.checked_add(amount) {
            Ok(sum) => entry.amount = sum,
            Err(e) => {
                let mut err = InputError::new(&table.file, e.to_string());
                err.line = Some(line);
                bad.get_or_insert(err);
            }
        }
    });
    match bad {
        Some(e) => Err(e.into()),
        None => Ok((awarded, discretionary)),
    }
}

fn status_is_awarded(status: &str) -> bool {
    matches!(status, "awarded" | "核定")
}
