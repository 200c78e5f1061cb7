//! The rule set: the policy file, the facts vocabulary and one file per clause, loaded from
//! the copy embedded in the binary or from a folder (`--rules DIR`), then checked whole.
//!
//! Every problem in a rule folder is reported at once, each with its file, line and column.

pub mod clause;
pub mod lint;
pub mod overlay;
pub mod policy;
pub mod vocabulary;

use std::path::Path;

use chrono::NaiveDate;
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use clause::{Award, CapScope, Clause, CombineMode, Condition, Payout};
pub use policy::Policy;
pub use vocabulary::{Field, FieldType, Section, Vocabulary};

use crate::error::{InputError, InputErrors, from_toml};

/// The shipped rules, compiled into the binary so that `calc` works from any directory.
static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

pub const POLICY_FILE: &str = "policy.toml";
pub const VOCABULARY_FILE: &str = "vocabulary.toml";
pub const CLAUSES_DIR: &str = "clauses";

/// The text of every rule file, by its path relative to the rules folder.
#[derive(Clone, Debug, Default)]
pub struct RuleSources {
    pub files: Vec<(String, String)>,
    /// Where they came from: "embedded" or the folder.
    pub origin: String,
    /// Overlay files applied on top, in order: (name as given, text).
    pub overlays: Vec<(String, String)>,
}

impl RuleSources {
    pub fn embedded() -> RuleSources {
        let mut files = Vec::new();
        for f in [POLICY_FILE, VOCABULARY_FILE] {
            if let Some(file) = EMBEDDED.get_file(f) {
                files.push((
                    f.to_string(),
                    file.contents_utf8().unwrap_or_default().to_string(),
                ));
            }
        }
        if let Some(dir) = EMBEDDED.get_dir(CLAUSES_DIR) {
            let mut clauses: Vec<_> = dir
                .files()
                .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
                .map(|f| {
                    (
                        f.path().to_string_lossy().replace('\\', "/"),
                        f.contents_utf8().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            clauses.sort();
            files.extend(clauses);
        }
        RuleSources {
            files,
            origin: "embedded".to_string(),
            overlays: Vec::new(),
        }
    }

    /// Reads `policy.toml`, `vocabulary.toml` and `clauses/*.toml` from a folder.
    pub fn from_dir(dir: &Path) -> Result<RuleSources, InputErrors> {
        let shown = dir.display().to_string();
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for f in [POLICY_FILE, VOCABULARY_FILE] {
            match std::fs::read_to_string(dir.join(f)) {
                Ok(t) => files.push((f.to_string(), t)),
                Err(e) => errors.push(InputError::new(
                    format!("{shown}/{f}"),
                    format!("无法读取规则文件 / cannot read the rule file: {e}"),
                )),
            }
        }
        match std::fs::read_dir(dir.join(CLAUSES_DIR)) {
            Ok(entries) => {
                let mut names: Vec<_> = entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .collect();
                names.sort();
                for p in names {
                    let name = format!(
                        "{CLAUSES_DIR}/{}",
                        p.file_name().unwrap_or_default().to_string_lossy()
                    );
                    match std::fs::read_to_string(&p) {
                        Ok(t) => files.push((name, t)),
                        Err(e) => errors.push(InputError::new(
                            format!("{shown}/{name}"),
                            format!("无法读取规则文件 / cannot read the rule file: {e}"),
                        )),
                    }
                }
            }
            Err(e) => errors.push(InputError::new(
                format!("{shown}/{CLAUSES_DIR}"),
                format!("无法读取条款目录 / cannot read the clauses folder: {e}"),
            )),
        }
        if !errors.is_empty() {
            return Err(InputErrors(errors));
        }
        Ok(RuleSources {
            files,
            origin: shown,
            overlays: Vec::new(),
        })
    }

    /// Adds an overlay file, applied after those added before it.
    pub fn add_overlay(&mut self, path: &Path) -> Result<(), InputError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::new(
                &shown,
                format!("无法读取 overlay 文件 / cannot read the overlay file: {e}"),
            )
        })?;
        self.overlays.push((shown, text));
        Ok(())
    }

    /// The text of one rule file, by its relative path.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }

    /// sha256 over every file's name and text, in order: the version an auditor can quote.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (name, text) in &self.files {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.update([0]);
        }
        // Overlays by content and order, not by path: the same overlay gives the same digest anywhere.
        for (_, text) in &self.overlays {
            h.update(b"overlay");
            h.update([0]);
            h.update(text.as_bytes());
            h.update([0]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Where the engine finds the facts it reads by name (SPEC §3), resolved once.
#[derive(Clone, Debug)]
pub struct Roles {
    pub applicant: usize,
    pub name: usize,
    pub credit_code: usize,
    pub kind: usize,
    pub district: usize,
    pub application: usize,
    pub as_of: usize,
    pub prior: usize,
    pub prior_clause: usize,
    pub prior_year: usize,
    pub prior_item: usize,
    pub prior_amount: usize,
}

/// A compiled gate: applicant kinds and the applicant facts that must be true for them.
#[derive(Clone, Debug)]
pub struct Gate {
    pub kinds: Vec<u16>,
    pub require: Vec<usize>,
    pub text: String,
}

/// Everything the evaluator needs, checked and resolved.
#[derive(Clone, Debug)]
pub struct RuleSet {
    pub policy: Policy,
    pub vocabulary: Vocabulary,
    pub clauses: Vec<Clause>,
    pub gates: Vec<Gate>,
    pub roles: Roles,
    pub digest: String,
    pub origin: String,
    /// The overlays applied, by name, in order.
    pub overlays: Vec<String>,
    /// Problems that do not stop evaluation (a vocabulary title no clause pays).
    pub warnings: Vec<InputError>,
    /// Clauses kept for the record but not evaluated (`disabled`, as an overlay's `disable`).
    pub disabled: Vec<u32>,
}

impl RuleSet {
    /// The shipped rules.
    pub fn embedded() -> Result<RuleSet, InputErrors> {
        RuleSet::compile(&RuleSources::embedded())
    }

    pub fn clause(&self, number: u32) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.number == number)
    }

    pub fn section(&self, idx: usize) -> &Section {
        &self.vocabulary.sections[idx]
    }

    pub fn field(&self, section: usize, field: usize) -> &Field {
        &self.vocabulary.sections[section].fields[field]
    }

    pub fn kind_field(&self) -> &Field {
        self.field(self.roles.applicant, self.roles.kind)
    }

    /// Parses and checks every file, then applies the overlays; all problems are returned together.
    pub fn compile(sources: &RuleSources) -> Result<RuleSet, InputErrors> {
        let mut rules = compile_files(&sources.files).map_err(InputErrors)?;
        if !sources.overlays.is_empty() {
            let applied = overlay::apply(&sources.files, &sources.overlays).map_err(InputErrors)?;
            rules = compile_files(&applied.files)
                .map_err(|e| InputErrors(overlay::remap(e, &applied, &sources.overlays)))?;
            rules.warnings = overlay::remap(rules.warnings, &applied, &sources.overlays);
        }
        rules.digest = sources.digest();
        rules.origin = sources.origin.clone();
        rules.overlays = sources.overlays.iter().map(|(n, _)| n.clone()).collect();
        Ok(rules)
    }
}

/// Compiles one complete set of rule files (base, or with overlays applied).
fn compile_files(files: &[(String, String)]) -> Result<RuleSet, Vec<InputError>> {
    let mut errors = Vec::new();
    // The structural check first: every unknown key and wrong type of every file at once.
    let mut malformed: Vec<&str> = Vec::new();
    for (name, text) in files {
        let kind = match name.as_str() {
            POLICY_FILE => lint::FileKind::Policy,
            VOCABULARY_FILE => lint::FileKind::Vocabulary,
            _ => lint::FileKind::Clause,
        };
        let found = lint::check(kind, name, text);
        if !found.is_empty() {
            malformed.push(name);
            errors.extend(found);
        }
    }
    let text_of = |name: &str| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_default()
    };
    let policy: Option<Policy> = parse_file(files, POLICY_FILE, &malformed, &mut errors);
    let vocabulary: Option<Vocabulary> =
        parse_file(files, VOCABULARY_FILE, &malformed, &mut errors);
    let (Some(policy), Some(mut vocabulary)) = (policy, vocabulary) else {
        return Err(errors);
    };
    check_vocabulary(&vocabulary, text_of(VOCABULARY_FILE), &mut errors);
    for s in &mut vocabulary.sections {
        s.key_index = s.key.as_ref().and_then(|k| s.field_index(k));
    }
    let roles = match resolve_roles(&vocabulary) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            return Err(errors);
        }
    };
    check_policy(&policy, text_of(POLICY_FILE), &mut errors);
    let gates = compile_gates(&policy, &vocabulary, &roles, &mut errors);

    let mut clauses: Vec<Clause> = Vec::new();
    let mut disabled = Vec::new();
    for (name, text) in files {
        if !overlay::is_clause_file(name) || malformed.contains(&name.as_str()) {
            continue;
        }
        let spec: clause::ClauseFile = match toml::from_str(text) {
            Ok(s) => s,
            Err(e) => {
                errors.push(from_toml(name, text, &e));
                continue;
            }
        };
        if spec.disabled {
            disabled.push(spec.clause);
            continue;
        }
        if let Some(prev) = clauses.iter().find(|c| c.number == spec.clause) {
            errors.push(
                InputError::new(
                    name.clone(),
                    format!(
                        "条款号 {} 与 {} 重复 / clause number {} is also used by {}",
                        spec.clause, prev.source, spec.clause, prev.source
                    ),
                )
                .at(text, overlay::find_key(text, "clause", 0).unwrap_or(0))
                .field("clause"),
            );
            continue;
        }
        if let Some(prev) = clauses.iter().find(|c| c.key == spec.key) {
            errors.push(
                InputError::new(
                    name.clone(),
                    format!(
                        "条款键 `{}` 与 {} 重复 / clause key `{}` is also used by {}",
                        spec.key, prev.source, spec.key, prev.source
                    ),
                )
                .at(text, overlay::find_key(text, "key", 0).unwrap_or(0))
                .field("key"),
            );
            continue;
        }
        if let Some(c) = clause::compile(
            name,
            text,
            spec,
            &vocabulary,
            (roles.applicant, roles.kind),
            &mut errors,
        ) {
            clauses.push(c);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    clauses.sort_by_key(|c| c.number);
    let warnings = unpaid_values(&vocabulary, &clauses, text_of(VOCABULARY_FILE));
    Ok(RuleSet {
        policy,
        vocabulary,
        clauses,
        gates,
        roles,
        digest: String::new(),
        origin: String::new(),
        overlays: Vec::new(),
        warnings,
        disabled,
    })
}

/// Values of a `levels` fact (recognition titles) that no clause pays: a warning, since an
/// applicant claiming one would silently get nothing.
fn unpaid_values(v: &Vocabulary, clauses: &[Clause], text: &str) -> Vec<InputError> {
    let mut by_fields: Vec<(usize, usize)> = Vec::new();
    for c in clauses {
        if let Award::Levels { by, .. } = &c.award
            && !by_fields.contains(&(c.section, *by))
        {
            by_fields.push((c.section, *by));
        }
    }
    let mut out = Vec::new();
    for (s, f) in by_fields {
        let field = &v.sections[s].fields[f];
        for (i, val) in field.values.iter().enumerate() {
            let paid = clauses.iter().any(|c| match &c.award {
                Award::Levels { by, levels } if c.section == s && *by == f => {
                    levels.iter().any(|l| l.value as usize == i)
                }
                _ => false,
            });
            if !paid {
                let quoted = format!("\"{}\"", val.value);
                let mut w = InputError::new(
                    VOCABULARY_FILE,
                    format!(
                        "警告: `{}.{}` 的取值 `{}` ({}) 没有任何条款使用 / warning: no clause pays the value `{}`",
                        v.sections[s].name, field.name, val.value, val.label, val.value
                    ),
                )
                .field(format!("{}.{}.values", v.sections[s].name, field.name));
                if let Some(at) = text.find(&quoted) {
                    w = w.at(text, at);
                }
                out.push(w);
            }
        }
    }
    out
}

fn parse_file<T: for<'de> Deserialize<'de>>(
    files: &[(String, String)],
    name: &str,
    malformed: &[&str],
    errors: &mut Vec<InputError>,
) -> Option<T> {
    if malformed.contains(&name) {
        return None;
    }
    let Some(text) = files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t.as_str())
    else {
        errors.push(InputError::new(
            name,
            "规则文件缺失 / the rule file is missing",
        ));
        return None;
    };
    match toml::from_str(text) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(from_toml(name, text, &e));
            None
        }
    }
}

fn check_vocabulary(v: &Vocabulary, text: &str, errors: &mut Vec<InputError>) {
    // Each problem is placed at the first mention of the name it concerns.
    let at = |e: InputError, name: &str| match text.find(&format!("\"{name}\"")) {
        Some(o) => e.at(text, o),
        None => e,
    };
    for (i, s) in v.sections.iter().enumerate() {
        if v.sections[..i].iter().any(|o| o.name == s.name) {
            errors.push(at(
                InputError::new(
                    VOCABULARY_FILE,
                    format!("分组 `{}` 重复 / duplicate section", s.name),
                )
                .field("section.name"),
                &s.name,
            ));
        }
        for (j, f) in s.fields.iter().enumerate() {
            if s.fields[..j].iter().any(|o| o.name == f.name) {
                errors.push(at(
                    InputError::new(
                        VOCABULARY_FILE,
                        format!("事实 `{}.{}` 重复 / duplicate fact", s.name, f.name),
                    )
                    .field("section.field.name"),
                    &f.name,
                ));
            }
            if (f.ty == FieldType::Enum) == f.values.is_empty() {
                errors.push(
                    InputError::new(
                        VOCABULARY_FILE,
                        format!(
                            "`{}.{}`: 只有 enum 类型才有 values，且 enum 须有 values / values go with type enum, and enum needs values",
                            s.name, f.name
                        ),
                    )
                    .field("section.field.values"),
                );
            }
        }
        if let Some(k) = &s.key
            && s.field_index(k).is_none()
        {
            errors.push(
                InputError::new(
                    VOCABULARY_FILE,
                    format!("分组 `{}` 的 key `{k}` 不是它的事实 / the key is not a fact of the section", s.name),
                )
                .field("section.key"),
            );
        }
    }
}

fn resolve_roles(v: &Vocabulary) -> Result<Roles, InputError> {
    let find = |section: &str, field: Option<&str>| -> Result<(usize, usize), InputError> {
        let s = v.section_index(section).ok_or_else(|| {
            InputError::new(
                VOCABULARY_FILE,
                format!("词汇表缺少分组 `{section}` / the vocabulary lacks section `{section}`"),
            )
        })?;
        let Some(field) = field else {
            return Ok((s, 0));
        };
        let f = v.sections[s].field_index(field).ok_or_else(|| {
            InputError::new(
                VOCABULARY_FILE,
                format!(
                    "词汇表缺少事实 `{section}.{field}` / the vocabulary lacks `{section}.{field}`"
                ),
            )
        })?;
        Ok((s, f))
    };
    let (applicant, name) = find("applicant", Some("name"))?;
    let (_, credit_code) = find("applicant", Some("credit_code"))?;
    let (_, kind) = find("applicant", Some("kind"))?;
    let (_, district) = find("applicant", Some("district"))?;
    let (application, as_of) = find("application", Some("date"))?;
    let (prior, prior_clause) = find("prior", Some("clause"))?;
    let (_, prior_year) = find("prior", Some("year"))?;
    let (_, prior_item) = find("prior", Some("item"))?;
    let (_, prior_amount) = find("prior", Some("amount"))?;
    if v.sections[applicant].fields[kind].ty != FieldType::Enum {
        return Err(InputError::new(
            VOCABULARY_FILE,
            "`applicant.kind` 须为 enum / must be an enum",
        ));
    }
    Ok(Roles {
        applicant,
        name,
        credit_code,
        kind,
        district,
        application,
        as_of,
        prior,
        prior_clause,
        prior_year,
        prior_item,
        prior_amount,
    })
}

fn check_policy(p: &Policy, text: &str, errors: &mut Vec<InputError>) {
    let mut bad = |field: &str, msg: &str| {
        let e = InputError::new(POLICY_FILE, msg.to_string()).field(field);
        errors.push(match overlay::find_key(text, field, 0) {
            Some(o) => e.at(text, o),
            None => e,
        });
    };
    if p.effective_from > p.effective_until {
        bad(
            "effective_until",
            "施行日期晚于有效期截止日 / effective_from is after effective_until",
        );
    }
    if p.events_from > p.effective_until {
        bad(
            "events_from",
            "奖补起算日晚于有效期截止日 / events_from is after effective_until",
        );
    }
    if p.rounding_dp > 4 {
        bad(
            "rounding_dp",
            "舍入位数应为 0 到 4 / rounding_dp must be 0..4",
        );
    }
    if p.districts.is_empty() {
        bad(
            "districts",
            "适用区县不能为空 / districts must not be empty",
        );
    }
}

fn compile_gates(
    p: &Policy,
    v: &Vocabulary,
    roles: &Roles,
    errors: &mut Vec<InputError>,
) -> Vec<Gate> {
    let applicant = &v.sections[roles.applicant];
    let kind = &applicant.fields[roles.kind];
    let mut out = Vec::new();
    for g in &p.gates {
        let mut kinds = Vec::new();
        for k in &g.kinds {
            match kind.enum_index(k) {
                Some(i) => kinds.push(i),
                None => errors.push(
                    InputError::new(
                        POLICY_FILE,
                        format!("未知的主体类型 `{k}` / unknown applicant kind"),
                    )
                    .field("gates.kinds"),
                ),
            }
        }
        let mut require = Vec::new();
        for r in &g.require {
            match applicant.field_index(r) {
                Some(i) if applicant.fields[i].ty == FieldType::Bool => require.push(i),
                _ => errors.push(
                    InputError::new(
                        POLICY_FILE,
                        format!(
                            "`applicant.{r}` 不是词汇表中的布尔事实 / not a boolean applicant fact"
                        ),
                    )
                    .field("gates.require"),
                ),
            }
        }
        out.push(Gate {
            kinds,
            require,
            text: g.text.clone(),
        });
    }
    out
}

/// TOML dates (or "YYYY-MM-DD" strings) in rule files.
pub(crate) fn de_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    use serde::de::Error;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Date(toml::value::Datetime),
        Text(String),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Date(dt) => dt.to_string(),
        Raw::Text(s) => s,
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| D::Error::custom(format!("not a date YYYY-MM-DD: {text}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_load() {
        let rules = RuleSet::embedded().unwrap();
        assert_eq!(rules.clauses.len(), 12);
        let numbers: Vec<u32> = rules.clauses.iter().map(|c| c.number).collect();
        assert_eq!(numbers, (1..=12).collect::<Vec<_>>());
        assert_eq!(rules.digest.len(), 64);
    }

    #[test]
    fn every_clause_quotes_the_policy_verbatim() {
        let policy = include_str!("../../policy/wenzhengban-2025-45.txt");
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let policy = squash(policy);
        let rules = RuleSet::embedded().unwrap();
        for c in &rules.clauses {
            assert!(
                policy.contains(&squash(&c.text)),
                "clause {} text is not verbatim",
                c.number
            );
        }
        for g in &rules.policy.gates {
            assert!(policy.contains(&squash(&g.text)));
        }
    }

    #[test]
    fn an_unknown_key_is_reported_with_file_and_line() {
        let mut src = RuleSources::embedded();
        let (_, text) = src
            .files
            .iter_mut()
            .find(|(n, _)| n.starts_with("clauses/01"))
            .unwrap();
        *text = text.replacen("title_en", "colour = \"red\"\ntitle_en", 1);
        let err = RuleSet::compile(&src).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("clauses/01-compute-voucher.toml:4:1"), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
    }

    #[test]
    fn unknown_facts_and_kinds_are_all_reported() {
        let mut src = RuleSources::embedded();
        for (n, text) in src.files.iter_mut() {
            if n.starts_with("clauses/02") {
                *text = text.replace("field = \"vertical\"", "field = \"verticle\"");
            }
            if n.starts_with("clauses/05") {
                *text = text.replace("\"individual\", ", "\"person\", ");
            }
        }
        let msg = RuleSet::compile(&src).unwrap_err().to_string();
        assert!(
            msg.contains("verticle") && msg.contains("clauses/02"),
            "{msg}"
        );
        assert!(
            msg.contains("person") && msg.contains("clauses/05"),
            "{msg}"
        );
    }

    #[test]
    fn a_rate_above_one_is_refused() {
        let mut src = RuleSources::embedded();
        for (n, text) in src.files.iter_mut() {
            if n.starts_with("clauses/05") {
                *text = text.replace("rate = \"20%\"", "rate = \"120%\"");
            }
        }
        let msg = RuleSet::compile(&src).unwrap_err().to_string();
        assert!(msg.contains("120%") && msg.contains("clauses/05"), "{msg}");
    }

    #[test]
    fn the_digest_changes_with_any_byte() {
        let a = RuleSources::embedded();
        let mut b = a.clone();
        b.files[0].1.push(' ');
        assert_ne!(a.digest(), b.digest());
    }
}
