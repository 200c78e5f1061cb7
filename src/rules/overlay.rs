//! Overlays (`--overlay FILE`, repeatable): small TOML files applied in order on top of a
//! rule set, so that a district or a county can change parameters without copying `rules/`.
//!
//! Format (documented in docs/rules.md):
//! - `name`, `description`: free text for people;
//! - `[policy]`: deep-merged into policy.toml;
//! - `[clause.N]`: deep-merged into the file of clause N (tables merge key by key, any other
//!   value, arrays included, is replaced whole);
//! - `disable = [N, ...]`: clauses not evaluated;
//! - `[[add_clause]]`: a whole clause file's keys, added as a new clause.
//!
//! Problems are reported naming the overlay file, with the line of the offending key.

use toml::{Table, Value};

use super::{CLAUSES_DIR, POLICY_FILE, VOCABULARY_FILE};
use crate::error::{InputError, from_toml};

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "policy",
    "clause",
    "disable",
    "add_clause",
];

/// A rule file after the overlays: its text, and which overlays changed it.
pub struct Applied {
    pub files: Vec<(String, String)>,
    /// For each changed or added file: the overlays (index into the list) that touched it.
    pub touched: Vec<(String, Vec<usize>)>,
}

struct Working {
    name: String,
    text: String,
    table: Option<Table>,
    touched: Vec<usize>,
}

/// Applies the overlays in order to the (already valid) rule files.
pub fn apply(
    files: &[(String, String)],
    overlays: &[(String, String)],
) -> Result<Applied, Vec<InputError>> {
    let mut work: Vec<Working> = files
        .iter()
        .map(|(n, t)| Working {
            name: n.clone(),
            text: t.clone(),
            table: None,
            touched: Vec::new(),
        })
        .collect();
    let mut errors = Vec::new();
    for (oi, (oname, otext)) in overlays.iter().enumerate() {
        let here = |key: &str, msg: String| {
            let e = InputError::new(oname.clone(), msg).field(key.to_string());
            match find_key(otext, key.rsplit('.').next().unwrap_or(key), 0) {
                Some(at) => e.at(otext, at),
                None => e,
            }
        };
        let doc: Table = match toml::from_str(otext) {
            Ok(d) => d,
            Err(e) => {
                errors.push(from_toml(oname, otext, &e));
                continue;
            }
        };
        for (key, value) in &doc {
            if !TOP_KEYS.contains(&key.as_str()) {
                errors.push(here(
                    key,
                    format!(
                        "overlay 中未知的键 `{key}`，可用: {} / unknown overlay key `{key}`; allowed: {}",
                        TOP_KEYS.join(", "),
                        TOP_KEYS.join(", ")
                    ),
                ));
                continue;
            }
            match (key.as_str(), value) {
                ("name" | "description", Value::String(_)) => {}
                ("policy", Value::Table(t)) => {
                    if let Some(w) = work.iter_mut().find(|w| w.name == POLICY_FILE) {
                        merge_into(w, t, oi);
                    }
                }
                ("clause", Value::Table(t)) => {
                    for (number, patch) in t {
                        let path = format!("clause.{number}");
                        let Value::Table(patch) = patch else {
                            errors.push(here(&path, format!("`[{path}]` 应为表 / must be a table")));
                            continue;
                        };
                        match clause_file(&mut work, number) {
                            Some(w) => merge_into(w, patch, oi),
                            None => errors.push(here(
                                &path,
                                format!("规则中没有第 {number} 条 / the rules have no clause {number}"),
                            )),
                        }
                    }
                }
                ("disable", Value::Array(a)) => {
                    for v in a {
                        let number = match v {
                            Value::Integer(i) => i.to_string(),
                            other => other.to_string(),
                        };
                        let mut patch = Table::new();
                        patch.insert("disabled".into(), Value::Boolean(true));
                        match clause_file(&mut work, &number) {
                            Some(w) => merge_into(w, &patch, oi),
                            None => errors.push(here(
                                "disable",
                                format!("规则中没有第 {number} 条 / the rules have no clause {number}"),
                            )),
                        }
                    }
                }
                ("add_clause", Value::Array(a)) => {
                    for (i, v) in a.iter().enumerate() {
                        let Value::Table(t) = v else {
                            errors.push(here("add_clause", "[[add_clause]] 应为表 / must be tables".into()));
                            continue;
                        };
                        work.push(Working {
                            name: format!("{oname}#add_clause[{}]", i + 1),
                            text: String::new(),
                            table: Some(t.clone()),
                            touched: vec![oi],
                        });
                    }
                }
                (k, _) => errors.push(here(
                    k,
                    format!(
                        "`{k}` 的类型不对: name/description 为文本，policy/clause 为表，disable 为条款号数组，add_clause 为表数组 / `{k}` has the wrong type"
                    ),
                )),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Applied {
        files: Vec::new(),
        touched: Vec::new(),
    };
    for w in work {
        let text = match &w.table {
            Some(t) if !w.touched.is_empty() => match toml::to_string(t) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(InputError::new(
                        w.name.clone(),
                        format!("合并后无法写出 / cannot write the merged rules: {e}"),
                    ));
                    continue;
                }
            },
            _ => w.text,
        };
        if !w.touched.is_empty() {
            out.touched.push((w.name.clone(), w.touched));
        }
        out.files.push((w.name, text));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(out)
}

/// The working file of clause `number` (a base file or one added by an earlier overlay).
fn clause_file<'a>(work: &'a mut [Working], number: &str) -> Option<&'a mut Working> {
    let n: i64 = number.trim().parse().ok()?;
    for w in work.iter_mut() {
        if w.table.is_none() && w.name != POLICY_FILE && w.name != VOCABULARY_FILE {
            w.table = toml::from_str(&w.text).ok();
        }
    }
    work.iter_mut().find(|w| {
        w.name != POLICY_FILE
            && w.name != VOCABULARY_FILE
            && w.table
                .as_ref()
                .and_then(|t| t.get("clause"))
                .and_then(Value::as_integer)
                == Some(n)
    })
}

fn merge_into(w: &mut Working, patch: &Table, overlay: usize) {
    if w.table.is_none() {
        w.table = toml::from_str(&w.text).ok();
    }
    if let Some(t) = w.table.as_mut() {
        deep_merge(t, patch);
        if !w.touched.contains(&overlay) {
            w.touched.push(overlay);
        }
    }
}

/// Tables merge key by key; any other value (arrays included) replaces the old one whole.
pub fn deep_merge(base: &mut Table, patch: &Table) {
    for (k, v) in patch {
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(p)) => deep_merge(b, p),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Re-points problems found in merged or added files at the overlay that brought the key in.
pub fn remap(
    errors: Vec<InputError>,
    applied: &Applied,
    overlays: &[(String, String)],
) -> Vec<InputError> {
    errors
        .into_iter()
        .map(|e| {
            let Some((_, touched)) = applied.touched.iter().find(|(n, _)| *n == e.file) else {
                return e;
            };
            let merged = applied
                .files
                .iter()
                .find(|(n, _)| *n == e.file)
                .map(|(_, t)| t.as_str())
                .unwrap_or_default();
            // The key of the merged line, then the field's path from its end: a key that
            // came from the base file is placed at the overlay's nearest enclosing table.
            let keys: Vec<String> = e
                .line
                .and_then(|l| merged.lines().nth(l.checked_sub(1)?))
                .and_then(key_of_line)
                .into_iter()
                .chain(e.field.as_deref().into_iter().flat_map(|f| {
                    f.rsplit('.').map(|s| {
                        s.trim_end_matches(|c: char| c == ']' || c.is_ascii_digit() || c == '[')
                            .to_string()
                    })
                }))
                .collect();
            let base = match e.file.split_once('#') {
                Some((_, added)) => added.to_string(),
                None => e.file.clone(),
            };
            for key in &keys {
                for &oi in touched.iter().rev() {
                    let (oname, otext) = &overlays[oi];
                    let from = match e.file.split_once('#') {
                        Some((_, added)) => nth_add_clause(otext, added),
                        None => clause_tables(otext, merged),
                    };
                    if let Some(at) = find_key(otext, key, from) {
                        let mut moved = InputError::new(
                            oname.clone(),
                            format!("{} (作用于 {base} / applied to {base})", e.message),
                        )
                        .at(otext, at);
                        moved.field = e.field.clone();
                        return moved;
                    }
                }
            }
            let names: Vec<&str> = touched.iter().map(|&i| overlays[i].0.as_str()).collect();
            InputError {
                file: format!("{} → {base}", names.join(", ")),
                line: None,
                column: None,
                field: e.field.clone(),
                message: e.message,
            }
        })
        .collect()
}

/// Where an overlay's tables for the clause of a merged clause file begin (`[clause.N]` or
/// `[clause.N.award]`, ...), so that a key is looked for under its own clause; 0 otherwise.
fn clause_tables(overlay: &str, merged: &str) -> usize {
    let number = merged.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "clause").then(|| v.trim().to_string())
    });
    number
        .and_then(|n| {
            [format!("[clause.{n}]"), format!("[clause.{n}.")]
                .iter()
                .filter_map(|h| overlay.find(h.as_str()))
                .min()
        })
        .unwrap_or(0)
}

/// The byte offset of the `[[add_clause]]` header named by "add_clause[i]".
fn nth_add_clause(text: &str, added: &str) -> usize {
    let i: usize = added
        .trim_start_matches("add_clause[")
        .trim_end_matches(']')
        .parse()
        .unwrap_or(1);
    text.match_indices("[[add_clause]]")
        .nth(i.saturating_sub(1))
        .map_or(0, |(at, _)| at)
}

/// The key a line of TOML sets or opens: `rate = ...` → rate, `[award.rates]` → rates.
fn key_of_line(line: &str) -> Option<String> {
    let l = line.trim();
    let k = if let Some(h) = l.strip_prefix('[') {
        h.trim_matches(|c| c == '[' || c == ']')
            .rsplit('.')
            .next()?
            .to_string()
    } else {
        l.split_once('=')?.0.trim().to_string()
    };
    let k = k.trim_matches('"').to_string();
    (!k.is_empty()).then_some(k)
}

/// Where `key` is set or opened in TOML text, from byte `from`: as `key =`, `.key` in a
/// header or dotted key, or inside an inline table.
pub fn find_key(text: &str, key: &str, from: usize) -> Option<usize> {
    if key.is_empty() || from > text.len() {
        return None;
    }
    let mut start = from;
    while let Some(rel) = text.get(start..)?.find(key) {
        let at = start + rel;
        let before = text[..at].chars().next_back();
        let after = text[at + key.len()..].trim_start_matches([' ', '\t', '"']);
        let left_ok =
            before.is_none_or(|c| c.is_whitespace() || matches!(c, '{' | ',' | '.' | '[' | '"'));
        let right_ok = after.starts_with('=') || after.starts_with(']') || after.starts_with('.');
        if left_ok && right_ok {
            return Some(at);
        }
        start = at + key.len();
    }
    None
}

/// Whether a file name is a clause file (under clauses/ or added by an overlay).
pub fn is_clause_file(name: &str) -> bool {
    name.starts_with(&format!("{CLAUSES_DIR}/")) || name.contains("#add_clause[")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_merge_and_arrays_replace() {
        let mut base: Table = toml::from_str("a = 1\n[t]\nx = 1\ny = [1, 2]\n").unwrap();
        let patch: Table = toml::from_str("[t]\ny = [3]\nz = true\n").unwrap();
        deep_merge(&mut base, &patch);
        assert_eq!(base["a"].as_integer(), Some(1));
        assert_eq!(base["t"]["x"].as_integer(), Some(1));
        assert_eq!(base["t"]["y"].as_array().unwrap().len(), 1);
        assert_eq!(base["t"]["z"].as_bool(), Some(true));
    }

    #[test]
    fn keys_are_found_where_they_are_set() {
        let text = "[clause.1.award]\nrates = [{ rate = \"20%\" }]\n";
        assert_eq!(find_key(text, "rates", 0), Some(17));
        // "[clause.1.award]\n" is 17 bytes, "rates = [{ " 11 more.
        assert_eq!(find_key(text, "rate", 0), Some(28));
        assert_eq!(find_key(text, "award", 0), Some(10));
        assert_eq!(find_key(text, "colour", 0), None);
    }
}
