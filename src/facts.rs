//! An applicant's facts (SPEC §3), typed by the vocabulary: the `[applicant]` table and the
//! items (`[[compute]]`, `[[loan]]`, ...). Loaded from a TOML file, or built row by row by
//! the batch reader through the same per-value conversion (`Value::from_text`).

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::credit_code;
use crate::error::InputError;
use crate::money::{Money, MoneyError};
use crate::rules::{Field, FieldId, FieldType, RuleSet, Section, SectionId};
use crate::text::Text;

pub use crate::value::Value;

impl Value {
    /// Converts text (a TOML string or a spreadsheet cell) to the field's type.
    pub fn from_text(field: &Field, text: &str) -> Result<Value, Text> {
        let t = crate::text::trim(text);
        match field.ty {
            FieldType::Text => Ok(Value::Text(t.to_string())),
            FieldType::Bool => parse_bool(t)
                .or_else(|| {
                    let said = |words: &[String]| words.iter().any(|w| w == t);
                    said(&field.yes)
                        .then_some(true)
                        .or_else(|| said(&field.no).then_some(false))
                })
                .map(Value::Bool)
                .ok_or_else(|| expected(field, text)),
            FieldType::Money => Money::parse(t).map(Value::Money).map_err(Text::from),
            FieldType::Date => date(t).map(Value::Date),
            FieldType::Year => parse_year(t)
                .map(Value::Int)
                .ok_or_else(|| expected(field, text)),
            FieldType::Integer => t
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| expected(field, text)),
            FieldType::Number => Decimal::from_str(t)
                .map(Value::Number)
                .map_err(|_| expected(field, text)),
            FieldType::CreditCode => credit_code::validate(t)
                .map(Value::Text)
                .map_err(Text::from),
            FieldType::District => district(field, t).map(Value::Text),
            FieldType::Enum => field
                .enum_index(t)
                .map(Value::Enum)
                .ok_or_else(|| not_a_value(field, t)),
        }
    }

    /// How the value reads in a message (enum values by their label).
    pub fn show(&self, field: &Field, en: bool) -> String {
        match self {
            Value::Bool(true) => if en { "yes" } else { "是" }.to_string(),
            Value::Bool(false) => if en { "no" } else { "否" }.to_string(),
            Value::Money(m) => format!("{m}"),
            Value::Date(d) => d.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Number(d) => d.to_string(),
            Value::Text(s) => s.clone(),
            Value::Enum(i) => field.value_label(*i, en).to_string(),
        }
    }

    /// The plain form for machine output (enum values by their name).
    pub fn plain(&self, field: &Field) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Money(m) => m.plain(),
            Value::Enum(i) => field
                .values
                .get(*i as usize)
                .map(|v| v.value.clone())
                .unwrap_or_default(),
            other => other.show(field, true),
        }
    }
}

/// A 公民身份号码 given for a credit code where the applicant may not give one (only the kinds
/// the vocabulary's `id_number` names may, SPEC §3): the field and why.
pub fn id_number_refused(section: &Section, item: &Item) -> Option<(FieldId, Text)> {
    for (fi, field) in section.each_field() {
        let Some(Value::Text(code)) = item.get(fi) else {
            continue;
        };
        if field.ty != FieldType::CreditCode
            || !credit_code::is_id_number(code)
            || credit_code::is_credit_code(code)
        {
            continue;
        }
        let rule = field.id_number.as_ref();
        let by = rule.and_then(|r| section.field_index(&r.field));
        let kind = by.and_then(|k| item.enum_value(k).map(|v| (k, v)));
        let allowed = match (rule, kind) {
            (Some(r), Some((k, v))) => (section.fields[k.0].values.get(v as usize))
                .is_some_and(|value| r.values.contains(&value.value)),
            _ => false,
        };
        if allowed {
            continue;
        }
        let who: Vec<(&str, &str)> = match (rule, by) {
            (Some(r), Some(k)) => (r.values.iter())
                .filter_map(|n| {
                    let f = &section.fields[k.0];
                    f.enum_index(n)
                        .map(|i| (f.value_label(i, false), f.value_label(i, true)))
                })
                .collect(),
            _ => Vec::new(),
        };
        let zh: Vec<&str> = who.iter().map(|w| w.0).collect();
        let en: Vec<&str> = who.iter().map(|w| w.1).collect();
        let (zh, en) = (zh.join("、"), en.join(", "));
        return Some((
            fi,
            crate::text!(
                "`{code}` 是公民身份号码: 仅主体类型为“{zh}”时可代替统一社会信用代码，其他主体须填写统一社会信用代码",
                "`{code}` is a citizen ID number: only an applicant of kind {en} may give one in place of the credit code; any other gives its credit code"
            ),
        ));
    }
    None
}

/// A required fact left out: what it is and what it takes (an enum's values, named both ways).
fn missing(field: &Field) -> Text {
    let (name, label) = (&field.name, &field.label);
    if field.values.is_empty() || field.values.len() > SHOWN_VALUES {
        let (zh, en) = (field.ty.expected_zh(), field.ty.expected_en());
        return crate::text!(
            "缺少必填项 `{name}` ({label})，应为 {zh}",
            "missing required `{name}`: expected {en}"
        );
    }
    let zh: Vec<String> = (field.values.iter())
        .map(|v| format!("{} ({})", v.value, v.label))
        .collect();
    let en: Vec<String> = (field.values.iter()).map(|v| v.value.clone()).collect();
    let (zh, en) = (zh.join("、"), en.join(", "));
    crate::text!(
        "缺少必填项 `{name}` ({label})，应为以下之一: {zh}",
        "missing required `{name}`: expected one of {en}"
    )
}

/// A district as it is written: spaces and zero-width characters dropped, the city's name before
/// it allowed (`温州市鹿城区`); a name that is none of the policy's divisions is refused with the
/// nearest ones (`鹿城` -> 鹿城区).
fn district(field: &Field, text: &str) -> Result<String, Text> {
    let spaced = |c: char| c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}');
    let name: String = crate::fold::width(text)
        .chars()
        .filter(|&c| !spaced(c))
        .collect();
    let Some(d) = &field.divisions else {
        return Ok(name);
    };
    let name = match name.strip_prefix(d.city.as_str()) {
        Some(rest) if !d.city.is_empty() && !rest.is_empty() => rest.to_string(),
        _ => name,
    };
    if d.names.contains(&name) {
        return Ok(name);
    }
    if !d.city.is_empty() && name == d.city {
        let example = d.names.first().map_or("", String::as_str);
        return Err(crate::text!(
            "`{name}` 是市名，所属区县须填写到区县一级 (如 {example})，应为: {}", d.names.join("、");
            "`{name}` is the city: give its county-level division (e.g. {example}), one of: {}", d.names.join(", ")
        ));
    }
    let nearest = crate::suggest::nearest(
        &name,
        d.names.iter().map(|n| (n.as_str(), vec![n.as_str()])),
    );
    let (zh, en) = if nearest.is_empty() {
        (
            format!("应为: {}", d.names.join("、")),
            format!("expected one of: {}", d.names.join(", ")),
        )
    } else {
        (
            format!("是否为: {}？", nearest.join("、")),
            format!("did you mean {}?", nearest.join(" or ")),
        )
    };
    Err(
        crate::text!("`{name}` 不是{}的区县，{zh}", d.city; "`{name}` is not a county-level division of {}; {en}", d.city),
    )
}

/// The longest list of values a message shows whole; a longer one is left to `calc template`.
const SHOWN_VALUES: usize = 8;

/// An enum value that is none of the field's: the nearest ones first, the whole list only when
/// it is short.
fn not_a_value(field: &Field, t: &str) -> Text {
    let spellings = field.values.iter().map(|v| {
        let mut all = vec![v.value.as_str(), v.label.as_str(), v.label_en.as_str()];
        all.extend(v.aliases.iter().map(String::as_str));
        (v.value.as_str(), all)
    });
    let near = crate::suggest::nearest(t, spellings);
    if !near.is_empty() {
        let shown: Vec<String> = near
            .iter()
            .filter_map(|n| field.values.iter().find(|v| v.value == *n))
            .map(|v| format!("{} ({})", v.value, v.label))
            .collect();
        return crate::text!("`{t}` 不是可选值，是否为: {}？", shown.join("、"); "`{t}` is not one of the values; did you mean {}?", shown.join(" or "));
    }
    if field.values.len() <= SHOWN_VALUES {
        let names: Vec<&str> = field.values.iter().map(|v| v.value.as_str()).collect();
        return crate::text!("`{t}` 不是可选值，应为: {}", field.value_list(); "`{t}` is not one of: {}", names.join(", "));
    }
    let n = field.values.len();
    crate::text!(
        "`{t}` 不是可选值 (共 {n} 个，`calc template` 列出全部)",
        "`{t}` is not one of the {n} values (`calc template` lists them)"
    )
}

/// " did you mean `x`?" for an unknown key, when one is near; nothing otherwise.
fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> (String, String) {
    let near = crate::suggest::nearest(name, known.into_iter().map(|k| (k, vec![k])));
    match near.first() {
        Some(k) => (format!("是否为 `{k}`？"), format!("did you mean `{k}`? ")),
        None => (String::new(), String::new()),
    }
}

fn expected(field: &Field, found: &str) -> Text {
    crate::text!("应为 {}，实为 `{found}`", field.ty.expected_zh(); "expected {}, found `{found}`", field.ty.expected_en())
}

fn parse_bool(t: &str) -> Option<bool> {
    // Compared without lowercasing a copy: a batch reads millions of these.
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(t));
    if is(&["是", "true", "yes", "y", "1", "有", "√", "✓"]) {
        Some(true)
    } else if is(&["否", "false", "no", "n", "0", "无", "×"]) {
        Some(false)
    } else {
        None
    }
}

/// A date as people write it: "2026-02-01", "2026-2-1", "2026/2/1", "2026.02.01",
/// "2026年2月1日" (full-width digits too); an impossible date is refused, saying why.
pub fn parse_date(t: &str) -> Result<NaiveDate, String> {
    date(t).map_err(|e| e.to_string())
}

/// `parse_date`, saying why not in both languages.
pub fn date(t: &str) -> Result<NaiveDate, Text> {
    let folded = crate::fold::width(t);
    let text = folded.trim();
    let bad = || {
        crate::text!(
            "应为日期 YYYY-MM-DD，实为 `{t}`",
            "expected a date YYYY-MM-DD, found `{t}`"
        )
    };
    let text = text.strip_suffix('日').unwrap_or(text);
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3
        || parts[0].len() != 4
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let (y, m, d) = (
        parts[0].parse::<i32>().map_err(|_| bad())?,
        parts[1].parse::<u32>().map_err(|_| bad())?,
        parts[2].parse::<u32>().map_err(|_| bad())?,
    );
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| impossible_date(t, y, m, d))
}

/// The `YYYY-MM-DD` at the start of a TOML value, as written.
fn date_prefix(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(text.len());
    &text[..end]
}

/// Why y-m-d is no date, in both languages ("2026年2月没有30日 / February 2026 has no day 30").
fn impossible_date(t: &str, y: i32, m: u32, d: u32) -> Text {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match MONTHS.get((m as usize).wrapping_sub(1)) {
        Some(month) => crate::text!(
            "不存在的日期 `{t}`: {y}年{m}月没有{d}日",
            "`{t}` is not a real date: {month} {y} has no day {d}"
        ),
        None => crate::text!(
            "不存在的日期 `{t}`: 月份应为 1 至 12",
            "`{t}` is not a real date: a month is 1 to 12"
        ),
    }
}

fn parse_year(t: &str) -> Option<i64> {
    let y: i64 = t.parse().ok()?;
    (1900..=2200).contains(&y).then_some(y)
}

crate::rules::vocabulary::indexed_by!(FieldId => Option<Value>);
crate::rules::vocabulary::indexed_by!(SectionId => Vec<Item>);

/// One table of facts: `[applicant]` or one `[[compute]]` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// By field index of the section; `None` where the fact was not given.
    pub values: Vec<Option<Value>>,
    /// Where it stands: a line of the facts file, or a row of a batch.
    pub line: usize,
}

impl Item {
    pub fn empty(section: &Section, line: usize) -> Item {
        Item {
            values: vec![None; section.fields.len()],
            line,
        }
    }

    pub fn get(&self, field: FieldId) -> Option<&Value> {
        self.values.get(field.0).and_then(|v| v.as_ref())
    }

    /// A boolean fact; absent counts as false (the caller says it was not stated).
    pub fn flag(&self, field: FieldId) -> bool {
        matches!(self.get(field), Some(Value::Bool(true)))
    }

    pub fn money(&self, field: FieldId) -> Option<Money> {
        match self.get(field) {
            Some(Value::Money(m)) => Some(*m),
            _ => None,
        }
    }

    pub fn date(&self, field: FieldId) -> Option<NaiveDate> {
        match self.get(field) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn int(&self, field: FieldId) -> Option<i64> {
        match self.get(field) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn text(&self, field: FieldId) -> Option<&str> {
        match self.get(field) {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        }
    }

    pub fn enum_value(&self, field: FieldId) -> Option<u16> {
        match self.get(field) {
            Some(Value::Enum(v)) => Some(*v),
            _ => None,
        }
    }

    /// A year from a year fact or the year of a date fact.
    pub fn year(&self, field: FieldId) -> Option<i32> {
        match self.get(field) {
            Some(Value::Int(y)) => i32::try_from(*y).ok(),
            Some(Value::Date(d)) => Some(d.year()),
            _ => None,
        }
    }

    /// The item's identity (its key fact as text), for priors and messages.
    pub fn key(&self, section: &Section) -> String {
        section
            .key_index
            .or_else(|| section.key.as_ref().and_then(|k| section.field_index(k)))
            .and_then(|i| self.get(i))
            .map(|v| match v {
                Value::Text(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default()
    }
}

/// The largest facts file read (16 MiB): thousands of times a real one.
pub const MAX_FACTS_BYTES: u64 = 16 * 1024 * 1024;

/// A facts file past `MAX_FACTS_BYTES` (`n` bytes, or more).
pub fn too_large(shown: &str, n: u64) -> InputError {
    InputError::new(
        shown,
        crate::text!(
            "文件过大 ({n} 字节，上限 {MAX_FACTS_BYTES})",
            "the file is too large ({n} bytes; the limit is {MAX_FACTS_BYTES})"
        ),
    )
    .too_large()
}

/// JSON facts without their `null`s (an unstated fact, SPEC §9), which TOML cannot hold. A
/// `null` is dropped only under a key the vocabulary knows: under any other key it is kept (as
/// `true`), so that the reader refuses the unknown key with its nearest spelling, as it refuses
/// any other (`{"registred": null}` was taken silently).
fn without_nulls(rules: &RuleSet, value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let Value::Object(map) = value else {
        return value;
    };
    let kept = map.into_iter().filter_map(|(key, v)| {
        let section = rules
            .vocabulary
            .section_index(&key)
            .map(|si| rules.section(si));
        match (section, v) {
            (Some(_), Value::Null) => None,
            (None, Value::Null) => Some((key, Value::Bool(true))),
            (Some(section), v) => Some((key, without_null_fields(section, v))),
            (None, v) => Some((key, v)),
        }
    });
    Value::Object(kept.collect())
}

/// A section's item (or each of its items) without the `null`s of the fields it knows.
fn without_null_fields(section: &Section, value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Array(items) => Value::Array(
            (items.into_iter())
                .map(|item| without_null_fields(section, item))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            (map.into_iter())
                .filter_map(|(key, v)| match (section.field_index(&key), v) {
                    (Some(_), Value::Null) => None,
                    (None, Value::Null) => Some((key, Value::Bool(true))),
                    (_, v) => Some((key, without_any_nulls(v))),
                })
                .collect(),
        ),
        v => v,
    }
}

/// A value without the `null`s of the objects in it.
fn without_any_nulls(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            (map.into_iter())
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_any_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_any_nulls).collect()),
        v => v,
    }
}

/// A facts field in dotted form (`compute[2].amount`, its items counted from 1) as the JSON
/// Pointer of the same value (`/compute/1/amount`, counted from 0).
pub fn json_pointer(field: &str) -> String {
    let mut pointer = String::new();
    for part in field.split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.strip_suffix(']').and_then(|p| p.split_once('[')) {
            Some((name, n)) => (name, n.parse::<usize>().ok()),
            None => (part, None),
        };
        pointer.push('/');
        pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
        if let Some(n) = index {
            pointer.push_str(&format!("/{}", n.saturating_sub(1)));
        }
    }
    pointer
}

/// All the facts of one applicant, by vocabulary section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The file (or batch) they came from, for messages.
    pub source: String,
    pub sections: Vec<Vec<Item>>,
}

impl Facts {
    pub fn new(rules: &RuleSet, source: impl Into<String>) -> Facts {
        Facts {
            source: source.into(),
            sections: vec![Vec::new(); rules.vocabulary.sections.len()],
        }
    }

    pub fn items(&self, section: SectionId) -> &[Item] {
        self.sections.get(section.0).map_or(&[], |v| v.as_slice())
    }

    /// Each section's items with the section's id, in vocabulary order.
    pub fn each_section(&self) -> impl Iterator<Item = (SectionId, &[Item])> {
        (self.sections.iter().enumerate()).map(|(i, items)| (SectionId(i), items.as_slice()))
    }

    /// The single item of a one-table section (`[applicant]`), if given.
    pub fn single(&self, section: SectionId) -> Option<&Item> {
        self.items(section).first()
    }

    /// Facts from a file's bytes (a file, standard input, an upload), `shown` as its name in
    /// messages: UTF-8 TOML, a BOM allowed; oversized or non-UTF-8 bytes are a located error.
    pub fn from_bytes(rules: &RuleSet, shown: &str, bytes: Vec<u8>) -> Result<Facts, InputError> {
        if bytes.len() as u64 > MAX_FACTS_BYTES {
            return Err(too_large(shown, bytes.len() as u64));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = String::from_utf8_lossy(valid);
            InputError::new(
                shown,
                crate::text!(
                    "文件不是 UTF-8 编码 (如为 GBK 请另存为 UTF-8)",
                    "the file is not UTF-8 (save it as UTF-8)"
                ),
            )
            .at(&valid, usize::MAX)
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        Facts::from_toml(rules, shown, text)
    }

    /// The as-of date the file asks for (`[application] date`), if any.
    pub fn as_of(&self, rules: &RuleSet) -> Option<NaiveDate> {
        let r = &rules.roles;
        self.single(r.application).and_then(|a| a.date(r.as_of))
    }

    /// The as-of date of an evaluation of these facts (SPEC §3): the one given (`--as-of`, an
    /// API's `as_of`), else the file's `[application] date`, else `today`.
    pub fn as_of_or(
        &self,
        rules: &RuleSet,
        given: Option<NaiveDate>,
        today: NaiveDate,
    ) -> NaiveDate {
        given.or_else(|| self.as_of(rules)).unwrap_or(today)
    }

    /// The rules for this applicant (SPEC §2): the base with every overlay whose scope holds its
    /// district.
    pub fn rules<'b>(&self, book: &'b crate::rules::RuleBook) -> &'b RuleSet {
        let r = &book.base.roles;
        let district = self.single(r.applicant).and_then(|a| a.text(r.district));
        book.for_district(district.unwrap_or_default())
    }

    /// Parses a facts file; the first problem is returned, located.
    pub fn from_toml(rules: &RuleSet, file: &str, text: &str) -> Result<Facts, InputError> {
        Facts::from_toml_except(rules, file, text, &[])
    }

    /// Facts given as JSON (an API's request body): the keys and values of the TOML file
    /// (SPEC §3), read by the same vocabulary and checked the same way; `null` is an unstated
    /// fact. An error names the bad value by its JSON Pointer (RFC 6901: `/compute/1/amount`)
    /// in `field`; a JSON text has no TOML lines, so none are given.
    pub fn from_json(rules: &RuleSet, file: &str, text: &str) -> Result<Facts, InputError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            let mut err = InputError::new(file, crate::text!("JSON 格式错误", "invalid JSON: {e}"));
            (err.line, err.column) = (Some(e.line()), Some(e.column()));
            err
        })?;
        let serde_json::Value::Object(_) = value else {
            return Err(InputError::new(
                file,
                crate::text!(
                    "应为 JSON 对象 {{\"applicant\": {{…}}, …}}",
                    "expected a JSON object {{\"applicant\": {{…}}, …}}"
                ),
            )
            .field(""));
        };
        let toml = toml::to_string(&without_nulls(rules, value)).map_err(|e| {
            InputError::new(
                file,
                crate::text!(
                    "无法读取的 JSON 值",
                    "a JSON value that cannot be read: {e}"
                ),
            )
        })?;
        Facts::from_toml(rules, file, &toml).map_err(|mut e| {
            (e.line, e.column) = (None, None);
            e.field = Some(json_pointer(e.field.as_deref().unwrap_or_default()));
            e
        })
    }

    /// Parses a facts file that may carry other top-level tables (`skip`), such as a test case's
    /// `[case]` and `[expect]`; those are left to the caller.
    pub fn from_toml_except(
        rules: &RuleSet,
        file: &str,
        text: &str,
        skip: &[&str],
    ) -> Result<Facts, InputError> {
        let doc = DeTable::parse(text).map_err(|e| {
            let detail = e.message().trim_end();
            let unquoted = e.span().and_then(|s| unquoted_date(text, s.start));
            let was_unquoted = unquoted.is_some();
            // The TOML parser itself refuses 2026-02-30: say which day is missing, as for text.
            let written = e.span().and_then(|s| text.get(s.start..)).map(date_prefix);
            let msg = match written.map(date) {
                _ if let Some(m) = unquoted => m,
                Some(Err(m)) if detail.starts_with("invalid date") => m,
                _ if detail.starts_with("invalid date") => {
                    crate::text!(
                        "不存在的日期，应为真实的日期 YYYY-MM-DD",
                        "not a real date: {detail}"
                    )
                }
                _ => crate::error::toml_syntax(detail),
            };
            let err = InputError::new(file, msg);
            match e.span() {
                Some(s) => {
                    // An unquoted date is placed at its first character, not where the
                    // parser gave up inside it.
                    let at = was_unquoted.then(|| value_start(text, s.start)).flatten();
                    let err = err.at(text, at.unwrap_or(s.start));
                    match path_at(text, s.start) {
                        Some(path) => err.field(path),
                        None => err,
                    }
                }
                None => err,
            }
        })?;
        let loc = Locator::new(file, text);
        let mut facts = Facts::new(rules, file);
        for (key, value) in doc.get_ref().iter() {
            let name = key.get_ref().as_ref();
            if skip.contains(&name) {
                continue;
            }
            let Some(si) = rules.vocabulary.section_index(name) else {
                let known: Vec<&str> = rules
                    .vocabulary
                    .sections
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect();
                let (zh, en) = did_you_mean(name, known.iter().copied());
                return Err(loc.err(
                    key.span().start,
                    name,
                    crate::text!("未知的键 `{name}`，{zh}应为: {}", known.join(", "); "unknown key `{name}`; {en}expected one of: {}", known.join(", ")),
                ));
            };
            let section = rules.section(si);
            match (section.many, value.get_ref()) {
                (false, DeValue::Table(t)) => {
                    let item = loc.item(section, name, t, value.span().start)?;
                    facts.sections[si].push(item);
                }
                (true, DeValue::Array(a)) => {
                    for (i, el) in a.iter().enumerate() {
                        let path = format!("{name}[{}]", i + 1);
                        let DeValue::Table(t) = el.get_ref() else {
                            return Err(loc.err(
                                el.span().start,
                                &path,
                                crate::text!("应为表 [[{name}]]", "expected a table [[{name}]]"),
                            ));
                        };
                        let item = loc.item(section, &path, t, el.span().start)?;
                        facts.sections[si].push(item);
                    }
                }
                (false, _) => {
                    return Err(loc.err(
                        value.span().start,
                        name,
                        crate::text!("应为表 [{name}]", "expected a table [{name}]"),
                    ));
                }
                (true, _) => {
                    return Err(loc.err(
                        value.span().start,
                        name,
                        crate::text!(
                            "应为表数组 [[{name}]]",
                            "expected an array of tables [[{name}]]"
                        ),
                    ));
                }
            }
        }
        facts.check_duplicates(rules).map_err(|(line, msg)| {
            let mut e = InputError::new(file, msg);
            e.line = Some(line);
            match facts.path_of_line(rules, line) {
                Some(path) => e.field(path),
                None => e,
            }
        })?;
        if facts.single(rules.roles.applicant).is_none() {
            return Err(InputError::new(
                file,
                crate::text!(
                    "缺少 [applicant] 表 (申报单位)",
                    "the [applicant] table is missing"
                ),
            )
            .field("applicant"));
        }
        Ok(facts)
    }

    /// The key field of the item that starts at `line`, e.g. `compute[2].id`.
    fn path_of_line(&self, rules: &RuleSet, line: usize) -> Option<String> {
        self.each_section().find_map(|(si, items)| {
            let section = rules.section(si);
            let i = items.iter().position(|it| it.line == line)?;
            Some(format!(
                "{}[{}].{}",
                section.name,
                i + 1,
                section.key.as_deref()?
            ))
        })
    }

    /// Two items with one id, compared folded: refused, since priors could not tell them apart
    /// and one expenditure is claimed once. Sections whose items are keyed by the same fact (`id`)
    /// share their ids; each other key (`rnd`'s year) is unique within its section.
    pub fn check_duplicates(&self, rules: &RuleSet) -> Result<(), (usize, Text)> {
        let mut seen: std::collections::HashMap<(&str, String), (SectionId, usize)> =
            std::collections::HashMap::new();
        for (si, items) in self.each_section() {
            let section = rules.section(si);
            let Some(key_name) = section.key.as_deref() else {
                continue;
            };
            for item in items {
                let key = item.key(section);
                let first = seen.entry((key_name, crate::fold::key(&key)));
                let std::collections::hash_map::Entry::Occupied(first) = first else {
                    first.or_insert((si, item.line));
                    continue;
                };
                let (first_si, line) = *first.get();
                return Err((item.line, duplicate(rules, first_si, section, &key, line)));
            }
        }
        Ok(())
    }
}

/// "compute `HT-01` repeats model's (line 9)", with both sections named when they differ.
fn duplicate(rules: &RuleSet, first: SectionId, section: &Section, key: &str, line: usize) -> Text {
    let earlier = rules.section(first);
    if earlier.name == section.name {
        return crate::text!("{}`{key}` 重复 (与第 {line} 行)", section.label; "duplicate {} `{key}` (also at line {line})", section.name);
    }
    crate::text!("{}`{key}` 与第 {line} 行的{}是同一编号：一笔支出只能申报一次", section.label, earlier.label; "{} `{key}` has the id of the {} item at line {line}: one expenditure is claimed once", section.name, earlier.name)
}

struct Locator<'a> {
    file: &'a str,
    text: &'a str,
    /// Where each line break stands, found once: an item's line is then a binary search, not
    /// a count from the start of the file (which made 100,000 items take minutes).
    breaks: Vec<usize>,
}

impl<'a> Locator<'a> {
    fn new(file: &'a str, text: &'a str) -> Locator<'a> {
        let breaks = (text.bytes().enumerate())
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Locator { file, text, breaks }
    }

    /// The 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.breaks.partition_point(|&b| b < offset) + 1
    }

    fn err(&self, offset: usize, field: &str, msg: Text) -> InputError {
        InputError::new(self.file, msg)
            .at(self.text, offset)
            .field(field)
    }

    fn item(
        &self,
        section: &Section,
        path: &str,
        table: &DeTable<'_>,
        offset: usize,
    ) -> Result<Item, InputError> {
        let line = self.line(offset);
        let mut item = Item::empty(section, line);
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let here = format!("{path}.{name}");
            let Some(fi) = section.field_index(name) else {
                let known: Vec<&str> = section.fields.iter().map(|f| f.name.as_str()).collect();
                let (zh, en) = did_you_mean(name, known.iter().copied());
                return Err(self.err(
                    key.span().start,
                    &here,
                    crate::text!("未知的键 `{name}`，{zh}[{}] 可用: {}", section.name, known.join(", "); "unknown key `{name}`; {en}[{}] takes: {}", section.name, known.join(", ")),
                ));
            };
            let field = &section.fields[fi];
            let v = convert(field, value).map_err(|m| self.err(value.span().start, &here, m))?;
            item.values[fi] = Some(v);
        }
        for (fi, field) in section.each_field() {
            if field.required && item.values[fi].is_none() {
                return Err(self.err(offset, &format!("{path}.{}", field.name), missing(field)));
            }
        }
        if let Some((fi, m)) = id_number_refused(section, &item) {
            let field = &section.fields[fi];
            return Err(self.err(offset, &format!("{path}.{}", field.name), m));
        }
        Ok(item)
    }
}

/// The byte offset of the value on the line holding `offset` (after its `=` and spaces).
fn value_start(text: &str, offset: usize) -> Option<usize> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let eq = start + text.get(start..)?.find('=')?;
    let after = text.get(eq + 1..)?;
    Some(eq + 1 + (after.len() - after.trim_start_matches([' ', '\t']).len()))
}

/// A date on the line of a TOML syntax error, written the natural way but unquoted, which TOML
/// cannot hold (`date = 2026.3.15`, `date = 2026-3-15`, `date = 2026/3/15`): a message saying
/// to quote it or to write it `2026-03-15`, in both languages (SPEC §3), never the parser's.
fn unquoted_date(text: &str, offset: usize) -> Option<crate::text::Text> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text
        .get(offset..)?
        .find('\n')
        .map_or(text.len(), |i| offset + i);
    let line = text.get(start..end)?;
    let value = line.split_once('=')?.1;
    let value = value.split('#').next().unwrap_or_default().trim();
    let parts: Vec<&str> = value.split(['-', '.', '/']).collect();
    let digits = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let ok = parts.len() == 3
        && digits(parts[0], 4..=4)
        && digits(parts[1], 1..=2)
        && digits(parts[2], 1..=2);
    if !ok {
        return None;
    }
    let (y, m, d) = (parts[0], parts[1], parts[2]);
    let iso = format!("{y}-{m:0>2}-{d:0>2}");
    // Written as TOML writes dates: the parser's own message on it (an impossible day) stands.
    if value == iso {
        return None;
    }
    Some(crate::text!(
        "日期 {value} 未加引号，TOML 无法读取: 请写作 \"{value}\"（加引号）或 {iso}",
        "the date {value} is not quoted, and TOML cannot read it: write it \"{value}\" (quoted) or {iso}"
    ))
}

/// The dotted field at a byte offset of a facts file that did not parse (`compute[2].date`),
/// from the table headers above it and the key on its line; `None` when unclear.
fn path_at(text: &str, offset: usize) -> Option<String> {
    let (line, _) = crate::error::line_column(text, offset);
    let mut table: Option<String> = None;
    let mut counts: Vec<(String, usize)> = Vec::new();
    for l in text.lines().take(line.saturating_sub(1)) {
        let l = l.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let n = match counts.iter_mut().find(|(k, _)| *k == name) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((name.clone(), 1));
                    1
                }
            };
            table = Some(format!("{name}[{n}]"));
        } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = Some(name.trim().to_string());
        }
    }
    let here = text.lines().nth(line.saturating_sub(1))?;
    let (key, _) = here.split_once('=')?;
    let key = key.trim();
    // Only a plain key names a field; anything else (inside a string, an array) is unclear.
    let plain = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    if key.is_empty() || !key.chars().all(plain) {
        return None;
    }
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}

/// Converts one TOML value to the field's type.
fn convert(field: &Field, value: &Spanned<DeValue<'_>>) -> Result<Value, Text> {
    let wrong = |found: &str| crate::text!("应为 {}，实为 {found}", field.ty.expected_zh(); "expected {}, found {found}", field.ty.expected_en());
    match (field.ty, value.get_ref()) {
        (_, DeValue::String(s)) => Value::from_text(field, s),
        (FieldType::Bool, DeValue::Boolean(b)) => Ok(Value::Bool(*b)),
        (FieldType::Money, DeValue::Integer(i)) => {
            let n = integer(i).ok_or_else(|| Text::from(MoneyError::TooLarge))?;
            Money::from_integer(n).map(Value::Money).map_err(Text::from)
        }
        (FieldType::Money, DeValue::Float(f)) => {
            let x = float(f).ok_or_else(|| Text::from(MoneyError::Malformed))?;
            Money::from_float(x).map(Value::Money).map_err(Text::from)
        }
        (FieldType::Number, DeValue::Integer(i)) => integer(i)
            .map(|n| Value::Number(Decimal::from(n)))
            .ok_or_else(|| wrong("an integer out of range")),
        (FieldType::Number, DeValue::Float(f)) => {
            let x = float(f).ok_or_else(|| wrong("a float"))?;
            if !x.is_finite() {
                return Err(wrong(f.as_str()));
            }
            Decimal::from_str(&format!("{x}"))
                .map(Value::Number)
                .map_err(|_| wrong(f.as_str()))
        }
        (FieldType::Year | FieldType::Integer, DeValue::Integer(i)) => {
            let n = integer(i).ok_or_else(|| wrong("an integer out of range"))?;
            if field.ty == FieldType::Year && !(1900..=2200).contains(&n) {
                return Err(wrong(&n.to_string()));
            }
            Ok(Value::Int(n))
        }
        (FieldType::Text, DeValue::Integer(i)) => Ok(Value::Text(i.as_str().to_string())),
        (FieldType::Date, DeValue::Datetime(dt)) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                    .map(Value::Date)
                    .ok_or_else(|| crate::text!("不存在的日期 `{dt}`", "`{dt}` is not a real date"))
            }
            _ => Err(
                crate::text!("应为 {}，实为带时间的 `{dt}`", field.ty.expected_zh(); "expected {}, found `{dt}` with a time", field.ty.expected_en()),
            ),
        },
        (_, other) => Err(wrong(&format!("{} `{}`", other.type_str(), shown(other)))),
    }
}

/// A TOML float literal as typed (underscores allowed); callers turn it into exact decimals.
fn float(f: &toml::de::DeFloat<'_>) -> Option<f64> {
    f.as_str().replace('_', "").parse().ok()
}

fn integer(i: &toml::de::DeInteger<'_>) -> Option<i64> {
    i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
}

fn shown(v: &DeValue<'_>) -> String {
    match v {
        DeValue::Integer(i) => i.as_str().to_string(),
        DeValue::Float(f) => f.as_str().to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        DeValue::String(s) => s.to_string(),
        DeValue::Array(_) => "[...]".to_string(),
        DeValue::Table(_) => "{...}".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RuleSet {
        RuleSet::embedded().unwrap()
    }

    const HEAD: &str = "[applicant]\nname = \"甲\"\ncredit_code = \"9144030071526726XG\"\nkind = \"enterprise\"\ndistrict = \"鹿城区\"\n";

    fn load(extra: &str) -> Result<Facts, InputError> {
        Facts::from_toml(&rules(), "a.toml", &format!("{HEAD}{extra}"))
    }

    #[test]
    fn dates_in_every_form_people_write() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        for t in [
            "2026-02-01",
            "2026-2-1",
            "2026/2/1",
            "2026.02.01",
            "2026年2月1日",
            "2026年02月01日",
            " 2026-02-01 ",
            "２０２６－０２－０１",
            "2026/02/01",
        ] {
            assert_eq!(parse_date(t), Ok(day), "{t}");
        }
        for t in [
            "2026-02",
            "26-2-1",
            "2026年2月",
            "2026-02-01T00:00",
            "20260201",
            "2026-2-1-1",
        ] {
            assert!(
                parse_date(t).unwrap_err().contains("expected a date"),
                "{t}"
            );
        }
    }

    #[test]
    fn an_impossible_date_says_why_in_both_languages() {
        assert_eq!(
            parse_date("2026-02-30").unwrap_err(),
            "不存在的日期 `2026-02-30`: 2026年2月没有30日 / `2026-02-30` is not a real date: February 2026 has no day 30"
        );
        assert!(
            parse_date("2026年13月1日")
                .unwrap_err()
                .contains("a month is 1 to 12")
        );
        assert!(
            parse_date("2025-02-29")
                .unwrap_err()
                .contains("February 2025 has no day 29")
        );
        assert_eq!(
            parse_date("2028-02-29"),
            Ok(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap())
        );
    }

    #[test]
    fn money_in_every_form() {
        for (text, want) in [
            ("1200000", "1200000.00"),
            ("1200000.5", "1200000.50"),
            ("\"1,200,000.50\"", "1200000.50"),
            ("\"120万\"", "1200000.00"),
            ("\"120万元\"", "1200000.00"),
            ("1_200_000", "1200000.00"),
        ] {
            let f = load(&format!(
                "[[compute]]\nid = \"A\"\namount = {text}\ndate = 2026-01-01\n"
            ))
            .unwrap();
            let r = rules();
            let s = r.vocabulary.section_index("compute").unwrap();
            let amount = r.section(s).field_index("amount").unwrap();
            assert_eq!(f.items(s)[0].money(amount).unwrap().plain(), want, "{text}");
        }
    }

    #[test]
    fn refusals_name_line_and_field() {
        let e = load("[[compute]]\nid = \"A\"\namount = -5\ndate = 2026-01-01\n").unwrap_err();
        assert_eq!(e.line, Some(8));
        assert_eq!(e.field.as_deref(), Some("compute[1].amount"));
        assert!(e.message.contains("负数"));

        let e = load("[[compute]]\nid = \"A\"\namount = 5\ndate = \"2026-02-30\"\n").unwrap_err();
        assert!(e.message.contains("不存在的日期"), "{e}");

        let e = load("[[compute]]\nid = \"A\"\namont = 5\ndate = 2026-01-01\n").unwrap_err();
        assert!(e.message.contains("amont"), "{e}");
        assert_eq!((e.line, e.column), (Some(8), Some(1)));

        let e = load("[[recognition]]\nid = \"R\"\ntitle = \"giant\"\ndate = 2026-01-01\n")
            .unwrap_err();
        assert!(
            e.message.contains("giant") && e.message.contains("little_giant"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_required_fact_is_named() {
        let e = load("[[compute]]\nid = \"A\"\ndate = 2026-01-01\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("compute[1].amount"));
        assert!(e.message.contains("missing required"));
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let e = load("[[compute]]\nid = \"A\"\namount = 1\ndate = 2026-01-01\n[[compute]]\nid = \"A\"\namount = 2\ndate = 2026-01-01\n").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
        assert_eq!(e.line, Some(10));
    }

    #[test]
    fn the_applicant_table_is_required() {
        let e = Facts::from_toml(
            &rules(),
            "a.toml",
            "[[compute]]\nid=\"A\"\namount=1\ndate=2026-01-01\n",
        )
        .unwrap_err();
        assert!(e.message.contains("[applicant]"));
    }

    #[test]
    fn chinese_enum_values_and_booleans_are_accepted() {
        let r = rules();
        let f = Facts::from_toml(
            &r,
            "a.toml",
            "[applicant]\nname=\"甲\"\ncredit_code=\"9144030071526726XG\"\nkind=\"企业\"\ndistrict=\"鹿城区\"\nregistered=\"是\"\n",
        )
        .unwrap();
        let a = f.single(r.roles.applicant).unwrap();
        assert_eq!(a.enum_value(r.roles.kind), Some(0));
        let reg = r
            .section(r.roles.applicant)
            .field_index("registered")
            .unwrap();
        assert!(a.flag(reg));
    }

    #[test]
    fn a_toml_syntax_error_is_placed_in_its_item() {
        let text = "[applicant]\nname = 1\n[[loan]]\nid = \"a\"\n[[loan]]\nstart = 2026-02-30\n";
        let at = text.find("2026-02-30").unwrap();
        assert_eq!(path_at(text, at).as_deref(), Some("loan[2].start"));
        assert_eq!(path_at(text, 0), None);
        assert_eq!(path_at("a = \"x = [\"\n", 0).as_deref(), Some("a"));
        assert_eq!(path_at("x = \"\"\"\n\"q\" = 1\n", 8), None);
        let e = Facts::from_toml(&rules(), "a.toml", text).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("loan[2].start"));
        assert!(e.message.contains("不存在的日期"), "{e}");
    }

    #[test]
    fn dates_in_text() {
        assert_eq!(
            parse_date("2026/2/3").unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 3).unwrap()
        );
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("26-02-03").is_err());
        assert!(parse_date("2026-2").is_err());
    }
}
