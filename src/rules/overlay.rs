//! Overlays (`--overlay FILE`, repeatable): small TOML files applied in order on top of a
//! rule set, so that a district or a county can change parameters without copying `rules/`.
//!
//! Format (documented in docs/rules.md, read as `OverlayFile`):
//! - `name`, `description`: free text for people;
//! - `[policy]`: deep-merged into policy.toml;
//! - `[clause.N]`: deep-merged into the file of clause N (tables merge key by key, any other
//!   value, arrays included, is replaced whole);
//! - `disable = [N, ...]`: clauses not evaluated;
//! - `[[add_clause]]`: a whole clause file's keys, added as a new clause.
//!
//! A problem in a file an overlay changed is shown in the overlay, at the deepest key of its
//! path that the overlay sets (found in the overlay's own parse).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::{Table, Value};

use super::read::{Doc, Path, Place, Problem, at};
use super::{CLAUSES_DIR, POLICY_FILE, VOCABULARY_FILE};
use crate::error::InputError;

/// The keys of an overlay file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayFile {
    #[serde(default)]
    #[allow(dead_code)] // for people only
    name: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    policy: Option<Table>,
    #[serde(default)]
    clause: BTreeMap<String, Table>,
    #[serde(default)]
    disable: Vec<u32>,
    #[serde(default)]
    add_clause: Vec<Table>,
    /// `[scope] districts = [...]`: the overlay applies to those districts' applicants only.
    #[serde(default)]
    #[allow(dead_code)] // read by `scope`
    scope: Option<Scope>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scope {
    #[allow(dead_code)] // the schema checks it; `scope` reads it
    districts: Vec<String>,
}

/// The districts an overlay is scoped to (`[scope] districts`), if it is; read before the
/// overlay is applied, so that each district's rules can be compiled with its own overlays.
pub fn scope(name: &str, text: &str) -> Result<Option<Vec<String>>, InputError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| crate::error::from_toml(name, text, &e))?;
    let Some(scope) = table.get("scope") else {
        return Ok(None);
    };
    let districts = scope.get("districts").and_then(|d| d.as_array());
    let names: Option<Vec<String>> = districts
        .map(|d| d.iter().map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or(None);
    match names {
        Some(names) if !names.is_empty() => Ok(Some(names)),
        _ => Err(InputError::new(
            name,
            crate::text!(
                "[scope] 须写 districts = [\"鹿城区\", ...]",
                "[scope] needs districts = [\"鹿城区\", ...]"
            ),
        )
        .field("scope.districts")),
    }
}

/// Parses the overlays (name, text) with their spans; every overlay's syntax error at once.
pub fn parse(overlays: &[(String, String)]) -> Result<Vec<Doc<'_>>, Vec<InputError>> {
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in overlays {
        match Doc::parse(name, text) {
            Ok(d) => docs.push(d),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(docs)
    } else {
        Err(errors)
    }
}

/// A rule file after the overlays: its text, and which overlays changed it.
pub struct Applied {
    pub files: Vec<(String, String)>,
    /// For each changed or added file: the overlays (index into the list) that touched it,
    /// each with the path of its table for the file (`clause.N`, `policy`, `add_clause[i]`).
    pub touched: Vec<(String, Vec<(usize, Path)>)>,
}

impl Applied {
    /// A problem of a changed file, shown in the overlay that sets most of its path (the later
    /// overlay on a tie); `None` for a file no overlay touched.
    pub fn place(&self, p: &Problem, overlays: &[Doc]) -> Option<InputError> {
        let (_, touched) = self.touched.iter().find(|(n, _)| *n == p.file)?;
        let (doc, path) = touched
            .iter()
            .map(|(oi, root)| (&overlays[*oi], root.join(&p.path)))
            .max_by_key(|(doc, path)| doc.depth(path))?;
        let base = p
            .file
            .split_once('#')
            .map_or(p.file.as_str(), |(_, added)| added);
        let mut e = doc.locate(Problem {
            file: doc.name.clone(),
            path,
            place: p.place,
            message: crate::text!("{} (作用于 {base})", p.message.zh; "{} (applied to {base})", p.message.en),
        });
        e.field = (!p.path.0.is_empty()).then(|| p.path.to_string());
        Some(e)
    }
}

struct Working {
    name: String,
    text: String,
    table: Option<Table>,
    touched: Vec<(usize, Path)>,
}

impl Working {
    fn touch(&mut self, overlay: usize, root: Path) {
        if !self.touched.iter().any(|(o, _)| *o == overlay) {
            self.touched.push((overlay, root));
        }
    }
}

/// Applies the overlays in order to the (already valid) rule files.
pub fn apply(files: &[(String, String)], overlays: &[Doc]) -> Result<Applied, Vec<InputError>> {
    let mut work: Vec<Working> = files
        .iter()
        .map(|(n, t)| Working {
            name: n.clone(),
            text: t.clone(),
            table: None,
            touched: Vec::new(),
        })
        .collect();
    let mut problems = Vec::new();
    for (oi, doc) in overlays.iter().enumerate() {
        let Some(o) = doc.read::<OverlayFile>(&mut problems) else {
            continue;
        };
        let missing = |path: Path, number: &str| Problem {
            file: doc.name.clone(),
            path,
            place: Place::Key,
            message: crate::text!(
                "规则中没有第 {number} 条",
                "the rules have no clause {number}"
            ),
        };
        for (i, t) in o.add_clause.into_iter().enumerate() {
            let root = at("add_clause").index(i);
            work.push(Working {
                name: format!("{}#add_clause[{}]", doc.name, i + 1),
                text: String::new(),
                table: Some(t),
                touched: vec![(oi, root)],
            });
        }
        for (number, patch) in &o.clause {
            let root = at("clause").key(number);
            if let Some(p) = renumbering(&doc.name, &root, number, patch) {
                problems.push(p);
                continue;
            }
            match clause_file(&mut work, number) {
                Some(w) => merge_into(w, patch, oi, root),
                None => problems.push(missing(root, number)),
            }
        }
        for (i, number) in o.disable.iter().enumerate() {
            let mut patch = Table::new();
            patch.insert("disabled".into(), Value::Boolean(true));
            match clause_file(&mut work, &number.to_string()) {
                Some(w) => merge_into(w, &patch, oi, at("disable")),
                None => problems.push(missing(at("disable").index(i), &number.to_string())),
            }
        }
        if let Some(t) = &o.policy
            && let Some(w) = work.iter_mut().find(|w| w.name == POLICY_FILE)
        {
            merge_into(w, t, oi, at("policy"));
        }
    }
    if !problems.is_empty() {
        return Err(problems
            .into_iter()
            .filter_map(|p| {
                let doc = overlays.iter().find(|d| d.name == p.file)?;
                Some(doc.locate(p))
            })
            .collect());
    }
    let mut errors = Vec::new();
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
                        crate::text!("合并后无法写出", "cannot write the merged rules: {e}"),
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

/// A `[clause.N]` table that sets `clause` to another number: a clause's number is its identity
/// (priors, rows and the policy's text name it), so an overlay may not change it; a new clause is
/// an `[[add_clause]]`. Caught here, at the overlay's key, since after merging the clash would
/// be reported in the shipped file that holds the other number.
fn renumbering(file: &str, root: &Path, number: &str, patch: &Table) -> Option<Problem> {
    let value = patch.get("clause")?;
    if number.trim().parse::<i64>().ok() == value.as_integer() {
        return None;
    }
    Some(Problem {
        file: file.to_string(),
        path: root.key("clause"),
        place: Place::Value,
        message: crate::text!(
            "叠加规则不能改变第 {number} 条的条款号 (写为 {value})；新增条款请用 [[add_clause]]",
            "an overlay cannot renumber clause {number} (set to {value}); add a clause with [[add_clause]]"
        ),
    })
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

fn merge_into(w: &mut Working, patch: &Table, overlay: usize, root: Path) {
    if w.table.is_none() {
        w.table = toml::from_str(&w.text).ok();
    }
    if let Some(t) = w.table.as_mut() {
        deep_merge(t, patch);
        w.touch(overlay, root);
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
    fn keys_are_found_where_the_parser_put_them() {
        let text = "[clause.1.award]\nrates = [{ rate = \"20%\" }]\n";
        let doc = Doc::parse("o.toml", text).unwrap();
        let award = at("clause").key("1").key("award");
        assert_eq!(doc.offset(&award.key("rates"), Place::Key), 17);
        // "[clause.1.award]\n" is 17 bytes, "rates = [{ " 11 more.
        let rate = award.key("rates").index(0).key("rate");
        assert_eq!(doc.offset(&rate, Place::Key), 28);
        assert_eq!(doc.offset(&rate, Place::Value), 35);
        assert_eq!(doc.offset(&award, Place::Key), 10);
        // A key the overlay does not set: the deepest key it does.
        assert_eq!(doc.offset(&award.key("colour"), Place::Key), 10);
        assert_eq!(doc.depth(&award.key("colour")), 3);
    }
}
