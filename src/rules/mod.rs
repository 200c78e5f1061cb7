//! The rule set: the policy file, the facts vocabulary and one file per clause, loaded from
//! the copy embedded in the binary or from a folder (`--rules DIR`), then checked whole.
//!
//! Every problem in a rule folder is reported at once, each with its file, line and column.

pub mod clause;
pub mod overlay;
pub mod policy;
pub mod read;
pub mod vocabulary;

use chrono::NaiveDate;
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use clause::{Award, CapScope, Clause, CombineMode, Condition, Payout};
pub use policy::Policy;
pub use vocabulary::{Field, FieldId, FieldType, Section, SectionId, Vocabulary};

use crate::error::{InputError, InputErrors};
use read::{Doc, Problem};

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

    /// Adds an overlay's text (`name` as given, for messages), applied after those added
    /// before it.
    pub fn add_overlay(&mut self, name: String, text: String) {
        self.overlays.push((name, text));
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
    pub applicant: SectionId,
    pub name: FieldId,
    pub credit_code: FieldId,
    pub kind: FieldId,
    pub district: FieldId,
    pub application: SectionId,
    pub as_of: FieldId,
    pub prior: SectionId,
    pub prior_clause: FieldId,
    pub prior_year: FieldId,
    pub prior_item: FieldId,
    pub prior_amount: FieldId,
    /// The subject a prior paid (clauses paid per subject); a vocabulary may go without it.
    pub prior_subject: Option<FieldId>,
    /// The title a prior paid (a clause paid per title), where the vocabulary has it.
    pub prior_title: Option<FieldId>,
    /// The claim period a prior paid (first and last day), where the vocabulary has them.
    pub prior_start: Option<FieldId>,
    pub prior_end: Option<FieldId>,
}

/// A compiled gate: applicant kinds and the applicant facts that must be true for them.
#[derive(Clone, Debug)]
pub struct Gate {
    pub kinds: Vec<u16>,
    pub require: Vec<FieldId>,
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
    /// The same overlays as people know them: each one's `name`, else its file (SPEC §5: the
    /// table's header names the overlays in effect for the applicant).
    pub overlay_names: Vec<String>,
    /// Problems that do not stop evaluation (a vocabulary title no clause pays).
    pub warnings: Vec<InputError>,
    /// Clauses kept for the record but not evaluated (`disabled`, as an overlay's `disable`).
    pub disabled: Vec<u32>,
    /// The sections of the disabled clauses, each with its clause: a round's rows of such a
    /// section are rows like others, said to be under a clause not in effect.
    pub disabled_sections: Vec<(u32, SectionId)>,
    /// The scoped overlays (by their names) that make these the rules of a district: a round's
    /// rows under them say so, since the round's other applicants are under other rules.
    pub scoped_names: Vec<String>,
}

impl RuleSet {
    /// Where a clause's money comes from, when its file says.
    pub fn funding(&self, clause: &Clause) -> Option<&policy::Funding> {
        clause.funding.and_then(|i| self.policy.funding.get(i))
    }

    /// The shipped rules.
    pub fn embedded() -> Result<RuleSet, InputErrors> {
        RuleSet::compile(&RuleSources::embedded())
    }

    /// The facts of a section that choose a rate (a rate case's `when`, such as `autonomous`):
    /// they must be stated, since guessing would pay the lower rate silently (SPEC §3).
    pub fn rate_facts(&self, section: SectionId) -> Vec<FieldId> {
        let mut out: Vec<FieldId> = Vec::new();
        for c in self.clauses.iter().filter(|c| c.section == section) {
            if let Award::Rate { cases, .. } = &c.award {
                for (f, _) in cases.iter().flat_map(|k| k.when.iter()) {
                    if !out.contains(f) {
                        out.push(*f);
                    }
                }
            }
        }
        out
    }

    pub fn clause(&self, number: u32) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.number == number)
    }

    pub fn section(&self, section: SectionId) -> &Section {
        &self.vocabulary.sections[section]
    }

    pub fn field(&self, section: SectionId, field: FieldId) -> &Field {
        &self.vocabulary.sections[section].fields[field]
    }

    pub fn kind_field(&self) -> &Field {
        self.field(self.roles.applicant, self.roles.kind)
    }

    /// Parses and checks every file, then applies the overlays; all problems are returned together.
    pub fn compile(sources: &RuleSources) -> Result<RuleSet, InputErrors> {
        let mut rules =
            compile_files(&sources.files, &|p, doc| doc.locate(p)).map_err(InputErrors)?;
        if !sources.overlays.is_empty() {
            let overlays = overlay::parse(&sources.overlays).map_err(InputErrors)?;
            let applied = overlay::apply(&sources.files, &overlays).map_err(InputErrors)?;
            // A problem in a file an overlay changed is shown in the overlay that brought it in.
            let place = |p: Problem, doc: &Doc| match applied.place(&p, &overlays) {
                Some(e) => e,
                None => doc.locate(p),
            };
            rules = compile_files(&applied.files, &place).map_err(InputErrors)?;
        }
        rules.digest = sources.digest();
        rules.origin = sources.origin.clone();
        rules.overlays = sources.overlays.iter().map(|(n, _)| n.clone()).collect();
        rules.overlay_names = (sources.overlays.iter())
            .map(|(file, text)| {
                let named = toml::from_str::<toml::Table>(text).ok().and_then(|t| {
                    t.get("name")
                        .and_then(|n| n.as_str())
                        .map(|n| n.trim().to_string())
                });
                named
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| file.clone())
            })
            .collect();
        Ok(rules)
    }
}

/// The rules in effect for each applicant (SPEC §2): the base, with every overlay that has no
/// `[scope]`, and for each district a scoped overlay names, the base with those overlays too,
/// in the order given. Every rule set carries the digest of all the sources, scoped overlays
/// included, and the names of the overlays that apply to its applicants.
pub struct RuleBook {
    pub base: RuleSet,
    /// (district, its rules), for the districts a scoped overlay names.
    pub scoped: Vec<(String, RuleSet)>,
}

impl RuleBook {
    /// The base rules, knowing also every clause a scoped overlay adds (its title, its
    /// funding source): for labelling, summing and reading back a round's outputs, never for
    /// evaluating an applicant (whose own rules are `for_district`'s).
    pub fn labels(&self) -> RuleSet {
        let mut all = self.base.clone();
        for (_, rules) in &self.scoped {
            for c in &rules.clauses {
                if all.clause(c.number).is_none() {
                    all.clauses.push(c.clone());
                }
            }
        }
        all.clauses.sort_by_key(|c| c.number);
        all
    }

    /// This book with `labels` as its base: what reads a round's output back for a notice.
    pub fn for_reading(&self) -> RuleBook {
        RuleBook {
            base: self.labels(),
            scoped: self.scoped.clone(),
        }
    }

    pub fn compile(sources: &RuleSources) -> Result<RuleBook, InputErrors> {
        let mut unscoped = Vec::new();
        let mut scoped: Vec<(&(String, String), Vec<String>)> = Vec::new();
        for o in &sources.overlays {
            match overlay::scope(&o.0, &o.1)? {
                Some(districts) => scoped.push((o, districts)),
                None => unscoped.push(o.clone()),
            }
        }
        let with = |overlays: Vec<(String, String)>| -> Result<RuleSet, InputErrors> {
            let mut rules = RuleSet::compile(&RuleSources {
                overlays,
                ..sources.clone()
            })?;
            rules.digest = sources.digest();
            Ok(rules)
        };
        let base = with(unscoped.clone())?;
        let divisions = &base.policy.divisions;
        for ((name, text), districts) in &scoped {
            if let Some(d) = districts
                .iter()
                .find(|d| !divisions.is_empty() && !divisions.contains(d))
            {
                let near = crate::suggest::nearest(
                    d,
                    divisions.iter().map(|n| (n.as_str(), vec![n.as_str()])),
                );
                // No name near it: every district is offered instead.
                let message = match near.is_empty() {
                    false => {
                        crate::text!("[scope] 的 `{d}` 不是区县，是否为: {}？", near.join("、"); "`{d}` in [scope] is not a district; did you mean {}?", near.join(" or "))
                    }
                    true => {
                        crate::text!("[scope] 的 `{d}` 不是区县，应为: {}", divisions.join("、"); "`{d}` in [scope] is not a district; expected one of: {}", divisions.join(", "))
                    }
                };
                let e = InputError::new(name.as_str(), message).field("scope.districts");
                // At the name as written in the overlay's [scope].
                let at = text.find("[scope]").and_then(|s| {
                    let quoted = format!("\"{d}\"");
                    text[s..].find(&quoted).map(|i| s + i)
                });
                return Err(match at {
                    Some(offset) => e.at(text, offset),
                    None => e,
                }
                .into());
            }
        }
        let districts: Vec<&String> = scoped.iter().flat_map(|(_, d)| d).collect();
        let mut book = RuleBook {
            base,
            scoped: Vec::new(),
        };
        for d in districts {
            if book.scoped.iter().any(|(seen, _)| seen == d) {
                continue;
            }
            // Every overlay that applies to the district, in the order given (SPEC §2): a later
            // one overrides an earlier one, scoped or not.
            let applies = |o: &(String, String)| {
                !scoped
                    .iter()
                    .any(|(s, ds)| std::ptr::eq(*s, o) && !ds.contains(d))
            };
            let overlays = sources.overlays.iter().filter(|o| applies(o)).cloned();
            let mut rules = with(overlays.collect())?;
            let base_names = &book.base.overlay_names;
            rules.scoped_names = (rules.overlay_names.iter())
                .filter(|n| !base_names.contains(n))
                .cloned()
                .collect();
            book.scoped.push((d.clone(), rules));
        }
        Ok(book)
    }

    /// One rule set for every applicant (no scoped overlay).
    pub fn single(rules: RuleSet) -> RuleBook {
        RuleBook {
            base: rules,
            scoped: Vec::new(),
        }
    }

    /// The rules for an applicant of `district`.
    pub fn for_district(&self, district: &str) -> &RuleSet {
        self.scoped
            .iter()
            .find(|(d, _)| d == district)
            .map_or(&self.base, |(_, rules)| rules)
    }
}

/// The rules an applicant of a district is under: a `RuleBook`'s (an overlay scoped to its
/// district applied), or one `RuleSet`'s for every district. What is read of earlier awards (a
/// clause an overlay adds or disables) is read under the applicant's own rules.
pub trait RulesFor: Sync {
    /// The rules without any scoped overlay: the vocabulary, the columns of a file.
    fn base(&self) -> &RuleSet;
    /// The rules of an applicant of `district`.
    fn of_district(&self, district: &str) -> &RuleSet;
}

impl RulesFor for RuleSet {
    fn base(&self) -> &RuleSet {
        self
    }

    fn of_district(&self, _: &str) -> &RuleSet {
        self
    }
}

impl RulesFor for RuleBook {
    fn base(&self) -> &RuleSet {
        &self.base
    }

    fn of_district(&self, district: &str) -> &RuleSet {
        self.for_district(district)
    }
}

/// Turns a problem of a parsed file into the error a person reads.
type Show<'a> = dyn Fn(Problem, &Doc) -> InputError + 'a;

/// Compiles one complete set of rule files (base, or with overlays applied): every file is
/// read whole first, then the names are resolved; every problem is returned, in file order.
fn compile_files(files: &[(String, String)], place: &Show) -> Result<RuleSet, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut problems = Vec::new();
    let docs: Vec<Doc> = files
        .iter()
        .filter_map(|(name, text)| match Doc::parse(name, text) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(e);
                None
            }
        })
        .collect();
    let finish = |mut errors: Vec<InputError>, problems: Vec<Problem>| {
        for p in problems {
            if let Some(doc) = docs.iter().find(|d| d.name == p.file) {
                errors.push(place(p, doc));
            }
        }
        let order = |e: &InputError| files.iter().position(|(n, _)| *n == e.file);
        errors.sort_by_key(|e| (order(e).unwrap_or(usize::MAX), e.line, e.column));
        errors
    };
    let policy: Option<Policy> = read_file(files, &docs, POLICY_FILE, &mut problems, &mut errors);
    let vocabulary: Option<Vocabulary> =
        read_file(files, &docs, VOCABULARY_FILE, &mut problems, &mut errors);
    let specs: Vec<(&Doc, Option<clause::ClauseFile>)> = docs
        .iter()
        .filter(|d| overlay::is_clause_file(&d.name))
        .map(|d| (d, d.read(&mut problems)))
        .collect();
    let (Some(policy), Some(mut vocabulary)) = (policy, vocabulary) else {
        return Err(finish(errors, problems));
    };
    check_vocabulary(&vocabulary, &mut problems);
    for s in &mut vocabulary.sections {
        s.key_index = s.key.as_ref().and_then(|k| s.field_index(k));
    }
    let roles = match resolve_roles(&vocabulary) {
        Ok(r) => r,
        Err(e) => {
            errors.push(e);
            return Err(finish(errors, problems));
        }
    };
    check_policy(&policy, &mut problems);
    set_divisions(&policy, &mut vocabulary);
    let gates = compile_gates(&policy, &vocabulary, &roles, &mut problems);

    let (mut clauses, disabled_sections) =
        compile_clauses(specs, &vocabulary, &roles, &policy.funding, &mut problems);
    let disabled = disabled_sections.iter().map(|&(n, _)| n).collect();
    if !errors.is_empty() || !problems.is_empty() {
        return Err(finish(errors, problems));
    }
    clauses.sort_by_key(|c| c.number);
    let warnings = finish(Vec::new(), unpaid_values(&vocabulary, &clauses));
    Ok(RuleSet {
        policy,
        vocabulary,
        clauses,
        gates,
        roles,
        digest: String::new(),
        origin: String::new(),
        overlays: Vec::new(),
        overlay_names: Vec::new(),
        warnings,
        disabled,
        disabled_sections,
        scoped_names: Vec::new(),
    })
}

/// District facts take their names from the policy file, so that an overlay can add one.
fn set_divisions(policy: &Policy, vocabulary: &mut Vocabulary) {
    if policy.divisions.is_empty() {
        return;
    }
    let fields = vocabulary
        .sections
        .iter_mut()
        .flat_map(|s| s.fields.iter_mut());
    for f in fields.filter(|f| f.ty == FieldType::District) {
        f.divisions = Some(vocabulary::Divisions {
            city: policy.city.clone(),
            names: policy.divisions.clone(),
        });
    }
}

/// Compiles the clause files that read cleanly, each number and key used once; the numbers of
/// the disabled ones are returned beside them.
fn compile_clauses(
    specs: Vec<(&Doc, Option<clause::ClauseFile>)>,
    vocabulary: &Vocabulary,
    roles: &Roles,
    funding: &[policy::Funding],
    problems: &mut Vec<Problem>,
) -> (Vec<Clause>, Vec<(u32, SectionId)>) {
    let mut clauses: Vec<Clause> = Vec::new();
    let mut disabled = Vec::new();
    for (doc, spec) in specs {
        let Some(spec) = spec else { continue };
        if spec.disabled {
            if let Some(section) = vocabulary.section_index(&spec.section) {
                disabled.push((spec.clause, section));
            }
            continue;
        }
        let name = doc.name.as_str();
        if let Some(prev) = clauses.iter().find(|c| c.number == spec.clause) {
            problems.push(Problem::new(
                name,
                read::at("clause"),
                crate::text!("条款号 {} 与 {} 重复", spec.clause, prev.source; "clause number {} is also used by {}", spec.clause, prev.source),
            ));
            continue;
        }
        if let Some(prev) = clauses.iter().find(|c| c.key == spec.key) {
            problems.push(Problem::new(
                name,
                read::at("key"),
                crate::text!("条款键 `{}` 与 {} 重复", spec.key, prev.source; "clause key `{}` is also used by {}", spec.key, prev.source),
            ));
            continue;
        }
        let kind = (roles.applicant, roles.kind);
        let source = spec.funding.clone();
        if let Some(mut c) = clause::compile(name, spec, vocabulary, kind, problems) {
            c.funding = source.and_then(|key| funding_index(name, &key, funding, problems));
            clauses.push(c);
        }
    }
    (clauses, disabled)
}

/// The policy's funding source a clause names; an unknown key is a problem naming the known ones.
fn funding_index(
    file: &str,
    key: &str,
    funding: &[policy::Funding],
    problems: &mut Vec<Problem>,
) -> Option<usize> {
    let found = funding.iter().position(|f| f.key == key);
    if found.is_none() {
        let known: Vec<&str> = funding.iter().map(|f| f.key.as_str()).collect();
        problems.push(Problem::new(
            file,
            read::at("funding"),
            crate::text!("未知的资金来源 `{key}`，policy.toml 的 [[funding]] 有: {}", known.join(", "); "unknown funding source `{key}`; policy.toml's [[funding]] has: {}", known.join(", ")),
        ));
    }
    found
}

/// Reads the policy or the vocabulary, which every rule set must have.
fn read_file<T: serde::de::DeserializeOwned>(
    files: &[(String, String)],
    docs: &[Doc],
    name: &str,
    problems: &mut Vec<Problem>,
    errors: &mut Vec<InputError>,
) -> Option<T> {
    if !files.iter().any(|(n, _)| n == name) {
        errors.push(InputError::new(
            name,
            crate::text!("规则文件缺失", "the rule file is missing"),
        ));
    }
    docs.iter().find(|d| d.name == name)?.read(problems)
}

/// Values of a `levels` fact (recognition titles) that no clause pays: a warning, since an
/// applicant claiming one would silently get nothing.
fn unpaid_values(v: &Vocabulary, clauses: &[Clause]) -> Vec<Problem> {
    let mut by_fields: Vec<(SectionId, FieldId)> = Vec::new();
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
                out.push(Problem::new(
                    VOCABULARY_FILE,
                    field_path(s, f).key("values").index(i).key("value"),
                    crate::text!("警告: `{}.{}` 的取值 `{}` ({}) 没有任何条款使用", v.sections[s].name, field.name, val.value, val.label; "warning: no clause pays the value `{}`", val.value),
                ));
            }
        }
    }
    out
}

/// The path of a section, and of one of its facts, in vocabulary.toml.
fn section_path(s: SectionId) -> read::Path {
    read::at("section").index(s.0)
}

fn field_path(s: SectionId, f: FieldId) -> read::Path {
    section_path(s).key("field").index(f.0)
}

fn check_vocabulary(v: &Vocabulary, problems: &mut Vec<Problem>) {
    let mut bad = |path: read::Path, msg: crate::text::Text| {
        problems.push(Problem::new(VOCABULARY_FILE, path, msg))
    };
    for (i, s) in v.each_section() {
        if v.sections[..i.0].iter().any(|o| o.name == s.name) {
            bad(
                section_path(i).key("name"),
                crate::text!("分组 `{}` 重复", s.name; "duplicate section"),
            );
        }
        for (j, f) in s.each_field() {
            if s.fields[..j.0].iter().any(|o| o.name == f.name) {
                bad(
                    field_path(i, j).key("name"),
                    crate::text!("事实 `{}.{}` 重复", s.name, f.name; "duplicate fact"),
                );
            }
            if (f.ty == FieldType::Enum) == f.values.is_empty() {
                bad(
                    field_path(i, j).key("type"),
                    crate::text!("`{}.{}`: 只有 enum 类型才有 values，且 enum 须有 values", s.name, f.name; "values go with type enum, and enum needs values"),
                );
            }
        }
        if let Some(k) = &s.key
            && s.field_index(k).is_none()
        {
            bad(
                section_path(i).key("key"),
                crate::text!("分组 `{}` 的 key `{k}` 不是它的事实", s.name; "the key is not a fact of the section"),
            );
        }
    }
}

fn resolve_roles(v: &Vocabulary) -> Result<Roles, InputError> {
    let find = |section: &str, field: Option<&str>| -> Result<(SectionId, FieldId), InputError> {
        let s = v.section_index(section).ok_or_else(|| {
            InputError::new(
                VOCABULARY_FILE,
                crate::text!(
                    "词汇表缺少分组 `{section}`",
                    "the vocabulary lacks section `{section}`"
                ),
            )
        })?;
        let Some(field) = field else {
            return Ok((s, FieldId(0)));
        };
        let f = v.sections[s].field_index(field).ok_or_else(|| {
            InputError::new(
                VOCABULARY_FILE,
                crate::text!(
                    "词汇表缺少事实 `{section}.{field}`",
                    "the vocabulary lacks `{section}.{field}`"
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
    let prior_subject = v.sections[prior].field_index("subject");
    let prior_title = v.sections[prior].field_index("title");
    let prior_start = v.sections[prior].field_index("start");
    let prior_end = v.sections[prior].field_index("end");
    if v.sections[applicant].fields[kind].ty != FieldType::Enum {
        return Err(InputError::new(
            VOCABULARY_FILE,
            crate::text!("`applicant.kind` 须为 enum", "must be an enum"),
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
        prior_subject,
        prior_title,
        prior_start,
        prior_end,
    })
}

fn check_policy(p: &Policy, problems: &mut Vec<Problem>) {
    let mut bad = |key: &str, msg: crate::text::Text| {
        problems.push(Problem::new(POLICY_FILE, read::at(key), msg))
    };
    if p.effective_from > p.effective_until {
        bad(
            "effective_until",
            crate::text!(
                "施行日期晚于有效期截止日",
                "effective_from is after effective_until"
            ),
        );
    }
    if p.events_from > p.effective_until {
        bad(
            "events_from",
            crate::text!(
                "奖补起算日晚于有效期截止日",
                "events_from is after effective_until"
            ),
        );
    }
    // Amounts are shown and summed at 0.01 yuan: more decimals would part the rows from the total.
    if p.rounding_dp > 2 {
        let n = p.rounding_dp;
        bad(
            "rounding_dp",
            crate::text!(
                "舍入位数为 {n}，应为 0、1 或 2 (元、角、分)",
                "rounding_dp is {n}; expected 0, 1 or 2"
            ),
        );
    }
    if p.districts.is_empty() {
        bad(
            "districts",
            crate::text!("适用区县不能为空", "districts must not be empty"),
        );
    }
}

fn compile_gates(
    p: &Policy,
    v: &Vocabulary,
    roles: &Roles,
    problems: &mut Vec<Problem>,
) -> Vec<Gate> {
    let applicant = &v.sections[roles.applicant];
    let kind = &applicant.fields[roles.kind];
    let mut out = Vec::new();
    for (gi, g) in p.gates.iter().enumerate() {
        let here = read::at("gates").index(gi);
        let mut kinds = Vec::new();
        for (i, k) in g.kinds.iter().enumerate() {
            match kind.enum_index(k) {
                Some(i) => kinds.push(i),
                None => problems.push(Problem::new(
                    POLICY_FILE,
                    here.key("kinds").index(i),
                    crate::text!("未知的主体类型 `{k}`", "unknown applicant kind"),
                )),
            }
        }
        let mut require = Vec::new();
        for (i, r) in g.require.iter().enumerate() {
            match applicant.field_index(r) {
                Some(i) if applicant.fields[i].ty == FieldType::Bool => require.push(i),
                _ => problems.push(Problem::new(
                    POLICY_FILE,
                    here.key("require").index(i),
                    crate::text!(
                        "`applicant.{r}` 不是词汇表中的布尔事实",
                        "not a boolean applicant fact"
                    ),
                )),
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
    let text = match toml::Value::deserialize(d)? {
        toml::Value::Datetime(dt) => dt.to_string(),
        toml::Value::String(s) => s,
        other => other.to_string(),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
        D::Error::custom(format!(
            "不是日期 YYYY-MM-DD / not a date YYYY-MM-DD: {text}"
        ))
    })
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
                *text = text.replace("\"partnership\"]", "\"person\"]");
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

    /// Every problem of one clause file at once, each at its line and column: a wrong type,
    /// an unknown key, a rate above 1, a negative amount and a missing table.
    #[test]
    fn every_problem_of_a_file_is_reported() {
        let text = "clause = \"one\"\nkey = \"k\"\ncolour = 1\ntitle = \"t\"\ntitle_en = \"t\"\nsection = \"s\"\napplicants = []\ntext = \"x\"\n[award]\nkind = \"rate\"\nbase = \"amount\"\nrates = [{ rate = \"130%\" }]\n[cap]\nscope = \"item\"\namount = -5\n";
        let doc = Doc::parse("c.toml", text).unwrap();
        let mut problems = Vec::new();
        let read: Option<clause::ClauseFile> = doc.read(&mut problems);
        assert!(read.is_none());
        let errs: Vec<String> = problems
            .into_iter()
            .map(|p| doc.locate(p).to_string())
            .collect();
        let all = errs.join("\n");
        assert!(
            all.contains("c.toml:1:10") && all.contains("integer"),
            "{all}"
        );
        assert!(
            all.contains("c.toml:3:1") && all.contains("colour"),
            "{all}"
        );
        assert!(all.contains("130%"), "{all}");
        assert!(
            all.contains("c.toml:12:19: 字段 field `award.rates[1].rate`"),
            "{all}"
        );
        assert!(
            all.contains("c.toml:15:10: 字段 field `cap.amount`"),
            "{all}"
        );
        assert!(all.contains("`combine`: 缺少必填键"), "{all}");
        assert_eq!(errs.len(), 5, "{all}");
    }

    /// Every other line of each shipped file (every fourth of the long vocabulary) deleted, or
    /// its value made a number or a table, in turn: the rules compile or are refused, never
    /// panic, and every problem has its line (but those of the vocabulary's missing facts,
    /// which belong to no line).
    #[test]
    fn a_broken_line_anywhere_is_reported_at_a_line() {
        let shipped = RuleSources::embedded();
        for (f, (name, text)) in shipped.files.iter().enumerate() {
            let lines: Vec<&str> = text.lines().collect();
            let step = if name == VOCABULARY_FILE { 4 } else { 2 };
            for i in (0..lines.len()).step_by(step) {
                let key = lines[i].split_once(" = ").map(|(k, _)| k);
                let changes = [
                    None,
                    key.map(|k| format!("{k} = 7")),
                    key.map(|k| format!("{k} = {{ x = 1 }}")),
                ];
                let tries = if key.is_some() && name != VOCABULARY_FILE {
                    3
                } else {
                    1
                };
                for change in changes.iter().take(tries) {
                    let mut broken = lines.clone();
                    match change {
                        None => {
                            broken.remove(i);
                        }
                        Some(c) => broken[i] = c,
                    }
                    let mut src = shipped.clone();
                    src.files[f].1 = broken.join("\n");
                    let Err(e) = RuleSet::compile(&src) else {
                        continue;
                    };
                    for e in &e.0 {
                        assert!(
                            e.line.is_some() || e.message.contains("词汇表缺少"),
                            "{name} line {} {change:?}: {e}",
                            i + 1
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_digest_changes_with_any_byte() {
        let a = RuleSources::embedded();
        let mut b = a.clone();
        b.files[0].1.push(' ');
        assert_ne!(a.digest(), b.digest());
    }
}
