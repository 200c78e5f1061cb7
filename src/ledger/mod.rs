//! The ledger (SPEC §8): what was approved and paid, on SQLite or PostgreSQL, one more source
//! of priors and quota places (`LedgerPriors`), and the guard against paying twice.
//!
//! - `store`: the seam over the two databases (one enum; the SQL written once).
//! - `schema`: the versioned migrations embedded in the binary, applied only by `init`.
//! - `chain`: the sha256 chain over the canonical encoding `calc-ledger-v1`.
//! - `record`: an output re-evaluated under the write lock, only what it reproduces recorded.
//!
//! The shell opens the database (a path is the shell's) and hands the connection in.

mod chain;
mod record;
mod schema;
pub mod store;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{InputError, InputErrors};
use crate::money::Money;
use crate::prior::{Origin, Period, PriorAward, PriorSource};
use crate::rules::{RuleSet, RulesFor};
use crate::text::Text;

pub use chain::{VERSION as CHAIN_VERSION, genesis, sha256};
pub use record::{Exclusion, RecordReport, RecordRequest, TopUp};
pub use schema::{LATEST as SCHEMA_VERSION, Migration};
use store::{DbError, Fault, Store, Val};

/// Where a ledger is: a SQLite file, or a PostgreSQL database by URL (`postgres://...`) or by
/// its key-value form (`host=/socket/dir dbname=...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Locator {
    Sqlite(String),
    Postgres(String),
}

impl Locator {
    pub fn parse(text: &str) -> Locator {
        let t = text.trim();
        let kv = t.split_whitespace().next().is_some_and(|w| {
            ["host=", "dbname=", "user=", "port=", "hostaddr="]
                .iter()
                .any(|k| w.starts_with(k))
        });
        if t.starts_with("postgres://") || t.starts_with("postgresql://") || kv {
            Locator::Postgres(t.to_string())
        } else {
            Locator::Sqlite(text.to_string())
        }
    }

    /// How a message names it: a file's path, or a database without its password.
    pub fn shown(&self) -> String {
        match self {
            Locator::Sqlite(p) => p.clone(),
            Locator::Postgres(u) => {
                // postgres://user:secret@host/db → postgres://user@host/db
                match (u.find("://"), u.find('@')) {
                    (Some(s), Some(at)) if at > s + 3 && u[s + 3..at].contains(':') => {
                        let user_end = s + 3 + u[s + 3..at].find(':').unwrap_or(0);
                        format!("{}{}", &u[..user_end], &u[at..])
                    }
                    _ => u
                        .split_whitespace()
                        .filter(|w| !w.starts_with("password="))
                        .collect::<Vec<_>>()
                        .join(" "),
                }
            }
        }
    }
}

/// An entry: an award, or a void reversing one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub seq: i64,
    /// `award` or `void`.
    pub kind: String,
    /// Canonical (`canonical_code`).
    pub credit_code: String,
    pub name: String,
    pub district: String,
    pub clause: i64,
    /// The item's key: folded (`fold::key`); a clause-4 award's expense year; a clause-12
    /// award's loan with its period.
    pub item: String,
    /// The item as written.
    pub item_text: Option<String>,
    pub subject: Option<String>,
    pub title: Option<String>,
    pub year: Option<i64>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    /// Whole fen; negative on a void.
    pub amount_fen: i64,
    /// How many awards of the same key came before (each of them voided).
    pub attempt: i64,
    pub reverses: Option<i64>,
    pub reason: Option<String>,
    pub round: String,
    pub output_sha256: Option<String>,
    pub output_row: Option<i64>,
    pub rules_digest: Option<String>,
    pub rules_version: Option<String>,
    pub as_of: Option<String>,
    pub approved_by: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
    pub run_id: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// The columns of `entries`, in the chain's order (`hash` last, not hashed).
const COLUMNS: &str = "seq, kind, credit_code, name, district, clause, item, item_text, subject, \
    title, year, period_start, period_end, amount_fen, attempt, reverses, reason, round, \
    output_sha256, output_row, rules_digest, rules_version, as_of, approved_by, recorded_by, \
    recorded_at, run_id, prev_hash, hash";
const NCOLS: usize = 29;

impl Entry {
    /// Every hashed field, in the chain's order, as text (`None` for none).
    pub fn fields(&self) -> [(&'static str, Option<String>); NCOLS - 1] {
        let s = |v: &str| Some(v.to_string());
        let o = |v: &Option<String>| v.clone();
        let i = |v: i64| Some(v.to_string());
        let oi = |v: Option<i64>| v.map(|v| v.to_string());
        [
            ("seq", i(self.seq)),
            ("kind", s(&self.kind)),
            ("credit_code", s(&self.credit_code)),
            ("name", s(&self.name)),
            ("district", s(&self.district)),
            ("clause", i(self.clause)),
            ("item", s(&self.item)),
            ("item_text", o(&self.item_text)),
            ("subject", o(&self.subject)),
            ("title", o(&self.title)),
            ("year", oi(self.year)),
            ("period_start", o(&self.period_start)),
            ("period_end", o(&self.period_end)),
            ("amount_fen", i(self.amount_fen)),
            ("attempt", i(self.attempt)),
            ("reverses", oi(self.reverses)),
            ("reason", o(&self.reason)),
            ("round", s(&self.round)),
            ("output_sha256", o(&self.output_sha256)),
            ("output_row", oi(self.output_row)),
            ("rules_digest", o(&self.rules_digest)),
            ("rules_version", o(&self.rules_version)),
            ("as_of", o(&self.as_of)),
            ("approved_by", o(&self.approved_by)),
            ("recorded_by", s(&self.recorded_by)),
            ("recorded_at", s(&self.recorded_at)),
            ("run_id", i(self.run_id)),
            ("prev_hash", s(&self.prev_hash)),
        ]
    }

    fn values(&self) -> Vec<Val> {
        let mut v: Vec<Val> = vec![
            Val::Int(self.seq),
            self.kind.as_str().into(),
            self.credit_code.as_str().into(),
            self.name.as_str().into(),
            self.district.as_str().into(),
            Val::Int(self.clause),
            self.item.as_str().into(),
            self.item_text.clone().into(),
            self.subject.clone().into(),
            self.title.clone().into(),
            self.year.into(),
            self.period_start.clone().into(),
            self.period_end.clone().into(),
            Val::Int(self.amount_fen),
            Val::Int(self.attempt),
            self.reverses.into(),
            self.reason.clone().into(),
            self.round.as_str().into(),
            self.output_sha256.clone().into(),
            self.output_row.into(),
            self.rules_digest.clone().into(),
            self.rules_version.clone().into(),
            self.as_of.clone().into(),
            self.approved_by.clone().into(),
            self.recorded_by.as_str().into(),
            self.recorded_at.as_str().into(),
            Val::Int(self.run_id),
            self.prev_hash.as_str().into(),
        ];
        v.push(self.hash.as_str().into());
        v
    }

    fn from_row(r: &[Val]) -> Entry {
        let t = |i: usize| r[i].text();
        let s = |i: usize| r[i].text().unwrap_or_default();
        let n = |i: usize| r[i].int();
        Entry {
            seq: n(0).unwrap_or(0),
            kind: s(1),
            credit_code: s(2),
            name: s(3),
            district: s(4),
            clause: n(5).unwrap_or(0),
            item: s(6),
            item_text: t(7),
            subject: t(8),
            title: t(9),
            year: n(10),
            period_start: t(11),
            period_end: t(12),
            amount_fen: n(13).unwrap_or(0),
            attempt: n(14).unwrap_or(0),
            reverses: n(15),
            reason: t(16),
            round: s(17),
            output_sha256: t(18),
            output_row: n(19),
            rules_digest: t(20),
            rules_version: t(21),
            as_of: t(22),
            approved_by: t(23),
            recorded_by: s(24),
            recorded_at: s(25),
            run_id: n(26).unwrap_or(0),
            prev_hash: s(27),
            hash: s(28),
        }
    }

    pub fn is_award(&self) -> bool {
        self.kind == "award"
    }

    pub fn amount(&self) -> Money {
        money_of_fen(self.amount_fen)
    }

    /// `台账 #SEQ`.
    pub fn named(&self) -> Text {
        Origin::Ledger {
            seq: self.seq as u64,
        }
        .text()
    }

    /// The entry as an earlier award.
    pub fn prior(&self) -> PriorAward {
        let date = |d: &Option<String>| d.as_deref().and_then(|d| d.parse::<NaiveDate>().ok());
        let period = match (date(&self.period_start), date(&self.period_end)) {
            (Some(start), Some(end)) => Some(Period { start, end }),
            _ => None,
        };
        PriorAward {
            credit_code: self.credit_code.clone(),
            name: self.name.clone(),
            district: self.district.clone(),
            clause: self.clause as u32,
            item: self.item_text.clone(),
            subject: self.subject.clone(),
            title: self.title.clone(),
            year: self.year.and_then(|y| i32::try_from(y).ok()),
            period,
            amount: self.amount(),
            origin: Origin::Ledger {
                seq: self.seq as u64,
            },
        }
    }
}

/// Whole fen of an amount (amounts are exact to the fen).
pub fn fen_of(m: Money) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    (m.as_decimal() * Decimal::from(100))
        .round()
        .to_i64()
        .unwrap_or(i64::MAX)
}

/// An amount in fen as a plain decimal string (`-90000.00` on a void).
pub fn fen_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

pub fn money_of_fen(fen: i64) -> Money {
    Money::from_decimal(Decimal::new(fen, 2)).unwrap_or(Money::ZERO)
}

/// A credit code or 公民身份号码 as the ledger keys it: full width folded, spaces removed,
/// upper case.
pub fn canonical_code(code: &str) -> String {
    (crate::fold::width(code).chars())
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// The key of an award's item under its clause: the expense year where the year is the item
/// (clause 4), else the item's id folded (`fold::key`); with the period it paid where it has
/// one (clause 12's loan). `None` where the award names none.
pub fn item_key(
    rules: &RuleSet,
    clause: u32,
    item: Option<&str>,
    year: Option<i32>,
    period: Option<(NaiveDate, NaiveDate)>,
) -> Option<String> {
    let c = rules.clause(clause)?;
    let base = if crate::prior::year_is_item(rules, c) {
        year?.to_string()
    } else {
        Some(crate::fold::key(item?)).filter(|k| !k.is_empty())?
    };
    Some(match period {
        Some((s, e)) => format!("{base} {s}~{e}"),
        None => base,
    })
}

/// Who writes and when (the shell knows: the user, the clock).
#[derive(Clone, Debug)]
pub struct Who {
    pub user: String,
    /// ISO 8601, UTC.
    pub at: String,
}

/// A run, as the log keeps it (SPEC §8).
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub command: String,
    pub input_sha256: Option<String>,
    pub output_sha256: Option<String>,
    pub rules_digest: Option<String>,
    pub as_of: Option<String>,
    pub counts: String,
    pub outcome: String,
}

/// A ledger open on its database.
pub struct Ledger {
    store: Store,
    /// How messages name it.
    pub shown: String,
}

/// The ledger's live awards (not voided), as a source of priors: each names its entry.
pub struct LedgerPriors {
    pub entries: Vec<Entry>,
}

impl PriorSource for LedgerPriors {
    fn awards(&self, _: &dyn RulesFor) -> Result<Vec<PriorAward>, InputError> {
        Ok((self.entries.iter())
            .filter(|e| e.amount_fen > 0)
            .map(Entry::prior)
            .collect())
    }
}

/// The awards not voided, in order.
pub fn live(entries: &[Entry]) -> Vec<Entry> {
    let voided: HashSet<i64> = entries.iter().filter_map(|e| e.reverses).collect();
    (entries.iter())
        .filter(|e| e.is_award() && !voided.contains(&e.seq))
        .cloned()
        .collect()
}

/// The chain's head: the number and hash of its last entry (0 and the genesis hash when the
/// ledger is empty), as every writing command prints it and `verify --expect` checks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    /// `台账 #SEQ HASH`.
    pub fn shown(&self) -> String {
        format!("台账 #{} {}", self.seq, self.hash)
    }
}

/// What `import` recorded: the new entries, how many it found held, and the head.
pub type Imported = (Vec<Entry>, usize, Head);

/// What `verify` found.
#[derive(Clone, Debug)]
pub enum Verified {
    Intact { entries: i64, head: Head },
    Broken { seq: i64, what: Text },
}

impl Ledger {
    pub fn new(store: Store, shown: impl Into<String>) -> Ledger {
        Ledger {
            store,
            shown: shown.into(),
        }
    }

    pub fn backend(&self) -> store::Backend {
        self.store.backend()
    }

    /// A database error as an input error naming the ledger.
    fn fail(&self, e: DbError) -> InputError {
        let m = e.message;
        InputError::new(
            &self.shown,
            crate::text!("台账数据库出错: {m}", "the ledger's database failed: {m}"),
        )
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>, InputError> {
        match self.store.query(sql, params) {
            Ok(r) => Ok(r),
            Err(e) => {
                self.store.rollback();
                Err(self.fail(e))
            }
        }
    }

    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, InputError> {
        match self.store.exec(sql, params) {
            Ok(r) => Ok(r),
            Err(e) => {
                self.store.rollback();
                Err(self.fail(e))
            }
        }
    }

    /// Creates the ledger or brings it to this program's schema; the migrations applied.
    pub fn init(&mut self, who: &Who) -> Result<Vec<Migration>, InputError> {
        let shown = self.shown.clone();
        schema::init(&mut self.store, &shown, &who.at)
    }

    /// Refuses a ledger of another schema than this program's, naming `calc ledger init`.
    pub fn check_schema(&mut self) -> Result<(), InputError> {
        let shown = self.shown.clone();
        schema::check(&mut self.store, &shown)
    }

    /// Every entry, in order.
    pub fn entries(&mut self) -> Result<Vec<Entry>, InputError> {
        let sql = format!("SELECT {COLUMNS} FROM entries ORDER BY seq");
        Ok(self
            .query(&sql, &[])?
            .iter()
            .map(|r| Entry::from_row(r))
            .collect())
    }

    /// The ledger's live awards as a source of priors (the fields a prior has, and the round and
    /// as-of date that the server's page shows).
    pub fn priors(&mut self) -> Result<LedgerPriors, InputError> {
        let rows = self.query(
            "SELECT seq, credit_code, name, district, clause, item_text, subject, title, year, \
             period_start, period_end, amount_fen, round, as_of FROM entries AS e \
             WHERE kind = 'award' AND \
             NOT EXISTS (SELECT 1 FROM entries AS v WHERE v.kind = 'void' AND v.reverses = e.seq) \
             ORDER BY seq",
            &[],
        )?;
        let entries = (rows.iter())
            .map(|r| {
                let t = |i: usize| r[i].text();
                let s = |i: usize| r[i].text().unwrap_or_default();
                Entry {
                    seq: r[0].int().unwrap_or(0),
                    kind: "award".into(),
                    credit_code: s(1),
                    name: s(2),
                    district: s(3),
                    clause: r[4].int().unwrap_or(0),
                    item: String::new(),
                    item_text: t(5),
                    subject: t(6),
                    title: t(7),
                    year: r[8].int(),
                    period_start: t(9),
                    period_end: t(10),
                    amount_fen: r[11].int().unwrap_or(0),
                    attempt: 0,
                    reverses: None,
                    reason: None,
                    round: s(12),
                    output_sha256: None,
                    output_row: None,
                    rules_digest: None,
                    rules_version: None,
                    as_of: t(13),
                    approved_by: None,
                    recorded_by: String::new(),
                    recorded_at: String::new(),
                    run_id: 0,
                    prev_hash: String::new(),
                    hash: String::new(),
                }
            })
            .collect();
        Ok(LedgerPriors { entries })
    }

    /// The live awards and the head they are the awards of, read in one transaction (a
    /// record committed meanwhile is in both or in neither): what a computation with the
    /// ledger names as the head it was computed against.
    pub fn snapshot(&mut self) -> Result<(Head, LedgerPriors), InputError> {
        self.store.begin_read().map_err(|e| self.fail(e))?;
        let priors = self.priors()?;
        let head = self.head()?;
        self.store.rollback();
        Ok((head, priors))
    }

    /// The chain's head: its last entry's number and hash (0 and the genesis when empty).
    pub fn head(&mut self) -> Result<Head, InputError> {
        let rows = self.query("SELECT seq, hash FROM chain_head WHERE id = 1", &[])?;
        let row = rows.first().cloned().unwrap_or_default();
        let seq = row.first().and_then(Val::int).unwrap_or(0);
        let hash = row.get(1).and_then(Val::text).unwrap_or_default();
        let hash = if seq == 0 { genesis() } else { hash };
        Ok(Head { seq, hash })
    }

    /// Logs a run (outside any transaction of the caller); its number.
    pub fn log_run(&mut self, run: &Run, who: &Who) -> Result<i64, InputError> {
        self.insert_run(run, who)
    }

    fn insert_run(&mut self, run: &Run, who: &Who) -> Result<i64, InputError> {
        let rows = self.query(
            "INSERT INTO runs (command, input_sha256, output_sha256, rules_digest, as_of, \
             user_name, at, counts, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
            &[
                run.command.as_str().into(),
                run.input_sha256.clone().into(),
                run.output_sha256.clone().into(),
                run.rules_digest.clone().into(),
                run.as_of.clone().into(),
                who.user.as_str().into(),
                who.at.as_str().into(),
                run.counts.as_str().into(),
                run.outcome.as_str().into(),
            ],
        )?;
        Ok(rows.first().and_then(|r| r[0].int()).unwrap_or(0))
    }

    /// Appends entries (numbered and chained here) after `head`, in many-row statements, and
    /// moves the head. Inside the caller's write transaction.
    fn append(
        &mut self,
        head: &Head,
        mut entries: Vec<Entry>,
    ) -> Result<(Vec<Entry>, Head), InputError> {
        let (mut seq, mut prev) = if head.seq == 0 {
            (0, genesis())
        } else {
            (head.seq, head.hash.clone())
        };
        for e in &mut entries {
            seq += 1;
            e.seq = seq;
            e.prev_hash = prev.clone();
            e.hash = chain::hash(e);
            prev = e.hash.clone();
        }
        const PER_STATEMENT: usize = 500;
        let statement = |rows: usize| {
            let mut sql = format!("INSERT INTO entries ({COLUMNS}) VALUES ");
            for i in 0..rows {
                sql.push_str(if i > 0 { ",(" } else { "(" });
                for c in 0..NCOLS {
                    if c > 0 {
                        sql.push(',');
                    }
                    sql.push('$');
                    sql.push_str(&(i * NCOLS + c + 1).to_string());
                }
                sql.push(')');
            }
            sql
        };
        let full = statement(PER_STATEMENT.min(entries.len()));
        for part in entries.chunks(PER_STATEMENT) {
            let sql = match part.len() == PER_STATEMENT.min(entries.len()) {
                true => std::borrow::Cow::Borrowed(full.as_str()),
                false => std::borrow::Cow::Owned(statement(part.len())),
            };
            let mut params = Vec::with_capacity(part.len() * NCOLS);
            for e in part {
                params.extend(e.values());
            }
            if let Err(err) = self.store.exec(&sql, &params) {
                self.store.rollback();
                return Err(self.unique_or_fail(err, part));
            }
        }
        if !entries.is_empty() {
            self.exec(
                "UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1",
                &[Val::Int(seq), prev.as_str().into()],
            )?;
        }
        Ok((entries, Head { seq, hash: prev }))
    }

    /// A unique key's refusal names the entry holding the key (read after the rollback).
    fn unique_or_fail(&mut self, err: DbError, part: &[Entry]) -> InputError {
        if err.fault != Fault::Unique {
            return self.fail(err);
        }
        let Ok(all) = self.entries() else {
            return self.fail(err);
        };
        let live = live(&all);
        for e in part {
            if let Some(w) = live.iter().find(|w| {
                w.credit_code == e.credit_code && w.clause == e.clause && w.item == e.item
            }) {
                let (n, c, i, r) = (w.named(), e.clause, &e.item, &w.round);
                return InputError::new(
                    &self.shown,
                    crate::text!(
                        "第 {c} 条事项 {i} 已由 {} (批次 {r}) 记账，本次未记任何一条", n.zh;
                        "clause {c}, item {i} is already paid by {} (round {r}); nothing of this was recorded", n.en
                    ),
                );
            }
        }
        self.fail(err)
    }

    /// `void SEQ --reason`: a new entry reversing a live award; the item may then be paid again.
    pub fn void(&mut self, seq: i64, reason: &str, who: &Who) -> Result<(Entry, Head), InputError> {
        let head = self.store.begin_write().map_err(|e| self.fail(e))?;
        let all = self.entries()?;
        let refuse = |this: &mut Ledger, t: Text| {
            this.store.rollback();
            Err(InputError::new(&this.shown, t))
        };
        let Some(target) = all.iter().find(|e| e.seq == seq).cloned() else {
            return refuse(
                self,
                crate::text!("台账中没有 #{seq}", "the ledger has no entry #{seq}"),
            );
        };
        if !target.is_award() {
            return refuse(
                self,
                crate::text!(
                    "台账 #{seq} 是冲销，不能再冲销",
                    "ledger #{seq} is a void: it cannot be voided"
                ),
            );
        }
        if let Some(v) = all.iter().find(|e| e.reverses == Some(seq)) {
            let n = v.seq;
            return refuse(
                self,
                crate::text!(
                    "台账 #{seq} 已由 #{n} 冲销",
                    "ledger #{seq} was already voided by #{n}"
                ),
            );
        }
        let run = Run {
            command: format!("ledger void {seq}"),
            counts: "voided=1".into(),
            outcome: "recorded".into(),
            ..Run::default()
        };
        let run_id = self.insert_run(&run, who)?;
        let entry = Entry {
            kind: "void".into(),
            amount_fen: -target.amount_fen,
            reverses: Some(seq),
            reason: Some(reason.to_string()),
            output_sha256: None,
            output_row: None,
            approved_by: None,
            recorded_by: who.user.clone(),
            recorded_at: who.at.clone(),
            run_id,
            ..target
        };
        let (mut done, head) = self.append(&head, vec![entry])?;
        self.store.commit().map_err(|e| self.fail(e))?;
        Ok((done.remove(0), head))
    }

    /// `import FILE --round NAME`: awards paid before the ledger, from a prior table's awards
    /// (already read and checked): each needs its applicant's name and district; an award the
    /// ledger holds with the same amount is held, with another amount refused naming its
    /// entry; nothing is recorded unless all are.
    pub fn import(
        &mut self,
        book: &dyn RulesFor,
        awards: Vec<PriorAward>,
        round: &str,
        file_sha256: &str,
        who: &Who,
    ) -> Result<Imported, InputError> {
        let rules = book.base();
        let mut errors = Vec::new();
        let mut fresh: Vec<(PriorAward, String)> = Vec::new();
        for a in awards {
            let (line, file) = match &a.origin {
                Origin::File { file, line } => (Some(*line), file.clone()),
                _ => (None, self.shown.clone()),
            };
            let at = |t: Text, field: &str| {
                let mut e = InputError::new(&file, t).field(field);
                e.line = line;
                e
            };
            if a.name.trim().is_empty() {
                errors.push(at(
                    crate::text!(
                        "记入台账的往期奖补须有单位名称",
                        "an award imported into the ledger needs the applicant's name"
                    ),
                    "name",
                ));
                continue;
            }
            if a.district.trim().is_empty() {
                errors.push(at(
                    crate::text!(
                        "记入台账的往期奖补须有所属区县",
                        "an award imported into the ledger needs the applicant's district"
                    ),
                    "district",
                ));
                continue;
            }
            let rules_d = book.of_district(&a.district);
            let period = a.period.map(|p| (p.start, p.end));
            let key = item_key(rules_d, a.clause, a.item.as_deref(), a.year, period)
                .unwrap_or_else(|| format!("@{file}:{}", line.unwrap_or(0)));
            fresh.push((a, key));
        }
        if !errors.is_empty() {
            return Err(first_of(errors));
        }
        let head = self.store.begin_write().map_err(|e| self.fail(e))?;
        let all = self.entries()?;
        let live_now = live(&all);
        let mut held = 0;
        let mut keys: HashMap<(String, i64, String), Money> = HashMap::new();
        let mut out = Vec::new();
        let run = Run {
            command: "ledger import".into(),
            input_sha256: Some(file_sha256.to_string()),
            rules_digest: Some(rules.digest.clone()),
            ..Run::default()
        };
        for (a, key) in fresh {
            let code = canonical_code(&a.credit_code);
            let clause = i64::from(a.clause);
            let fen = fen_of(a.amount);
            let id = (code.clone(), clause, key.clone());
            let line = match &a.origin {
                Origin::File { line, .. } => Some(*line),
                _ => None,
            };
            let at = |t: Text| {
                let mut e = InputError::new(a.origin.text().zh, t).field("amount");
                if let Origin::File { file, .. } = &a.origin {
                    e.file = file.clone();
                }
                e.line = line;
                e
            };
            if let Some(e) = live_now
                .iter()
                .find(|e| e.credit_code == code && e.clause == clause && e.item == key)
            {
                if e.amount_fen == fen {
                    held += 1;
                    continue;
                }
                let (n, m) = (e.named(), e.amount());
                errors.push(at(crate::text!(
                    "第 {clause} 条事项 {key} 已由 {} 记账 {m} 元，与本行金额 {} 元不同", n.zh, a.amount;
                    "clause {clause}, item {key} is already paid by {} ({m}), not {}", n.en, a.amount
                )));
                continue;
            }
            match keys.get(&id) {
                Some(m) if *m == a.amount => continue,
                Some(m) => {
                    errors.push(at(crate::text!(
                        "第 {clause} 条事项 {key} 在本文件中有两个金额: {m} 元与 {} 元", a.amount;
                        "clause {clause}, item {key} has two amounts in this file: {m} and {}", a.amount
                    )));
                    continue;
                }
                None => {
                    keys.insert(id, a.amount);
                }
            }
            let attempt = all
                .iter()
                .filter(|e| {
                    e.is_award() && e.credit_code == code && e.clause == clause && e.item == key
                })
                .count() as i64;
            out.push(Entry {
                seq: 0,
                kind: "award".into(),
                credit_code: code,
                name: a.name.clone(),
                district: a.district.clone(),
                clause,
                item: key,
                item_text: a.item.clone(),
                subject: a.subject.clone(),
                title: a.title.clone(),
                year: a.year.map(i64::from),
                period_start: a.period.map(|p| p.start.to_string()),
                period_end: a.period.map(|p| p.end.to_string()),
                amount_fen: fen,
                attempt,
                reverses: None,
                reason: None,
                round: round.to_string(),
                output_sha256: Some(file_sha256.to_string()),
                output_row: line.map(|l| l as i64),
                rules_digest: Some(rules.digest.clone()),
                rules_version: Some(rules.policy.version.clone()),
                as_of: None,
                approved_by: None,
                recorded_by: who.user.clone(),
                recorded_at: who.at.clone(),
                run_id: 0,
                prev_hash: String::new(),
                hash: String::new(),
            });
        }
        if !errors.is_empty() {
            self.store.rollback();
            let n = errors.len();
            let _ = self.insert_run(
                &Run {
                    counts: format!("refused_rows={n}"),
                    outcome: "refused".into(),
                    ..run
                },
                who,
            );
            return Err(first_of(errors));
        }
        let run = Run {
            counts: format!("recorded={} held={held}", out.len()),
            outcome: "recorded".into(),
            ..run
        };
        let run_id = self.insert_run(&run, who)?;
        for e in &mut out {
            e.run_id = run_id;
        }
        let (done, head) = self.append(&head, out)?;
        self.store.commit().map_err(|e| self.fail(e))?;
        Ok((done, held, head))
    }

    /// Walks the chain: every entry's number, link and hash, the head, one live award per
    /// item; with `expect`, that the entry SEQ still has HASH (the ledger extends that head).
    pub fn verify(&mut self, expect: Option<(i64, &str)>) -> Result<Verified, InputError> {
        self.store.begin_read().map_err(|e| self.fail(e))?;
        let all = self.entries();
        let head = self.head();
        self.store.rollback();
        let (all, head) = (all?, head?);
        let broken = |seq: i64, what: Text| Ok(Verified::Broken { seq, what });
        let mut prev = genesis();
        let mut seen: HashMap<i64, &Entry> = HashMap::new();
        for (i, e) in all.iter().enumerate() {
            let want = i as i64 + 1;
            if e.seq != want {
                return broken(
                    want,
                    crate::text!(
                        "台账 #{want} 缺失 (下一条为 #{})", e.seq;
                        "ledger #{want} is missing (the next is #{})", e.seq
                    ),
                );
            }
            if e.prev_hash != prev {
                return broken(
                    e.seq,
                    crate::text!(
                        "台账 #{want} 与前一条的链接不符 (被改动、删除或调换)",
                        "ledger #{want} does not link to the entry before it (changed, deleted or moved)"
                    ),
                );
            }
            if chain::hash(e) != e.hash {
                return broken(
                    e.seq,
                    crate::text!(
                        "台账 #{want} 的内容与其哈希不符 (被改动)",
                        "ledger #{want} does not match its hash (changed)"
                    ),
                );
            }
            if let Some(r) = e.reverses {
                let ok = seen.get(&r).is_some_and(|t| t.is_award());
                if e.is_award() || !ok {
                    return broken(
                        e.seq,
                        crate::text!(
                            "台账 #{want} 冲销的 #{r} 不是此前的奖补",
                            "ledger #{want} reverses #{r}, which is no earlier award"
                        ),
                    );
                }
            }
            seen.insert(e.seq, e);
            prev = e.hash.clone();
        }
        let last = all.last().map_or(0, |e| e.seq);
        if head.seq != last || head.hash != prev {
            return broken(
                head.seq.max(last),
                crate::text!(
                    "台账链头 #{} 与最后一条 #{last} 不符", head.seq;
                    "the ledger's head #{} does not match its last entry #{last}", head.seq
                ),
            );
        }
        let mut keys: HashMap<(&str, i64, &str), i64> = HashMap::new();
        let lives = live(&all);
        for e in &lives {
            if let Some(first) = keys.insert((&e.credit_code, e.clause, &e.item), e.seq) {
                let s = e.seq;
                return broken(
                    s,
                    crate::text!(
                        "台账 #{s} 与 #{first} 为同一事项的两笔有效奖补",
                        "ledger #{s} and #{first} are two live awards of one item"
                    ),
                );
            }
        }
        if let Some((seq, hash)) = expect {
            match all.iter().find(|e| e.seq == seq) {
                Some(e) if e.hash.eq_ignore_ascii_case(hash.trim()) => {}
                Some(_) => {
                    return broken(
                        seq,
                        crate::text!(
                            "台账 #{seq} 的哈希已不是此前打印的 {hash}: 台账被重算或改写",
                            "ledger #{seq} no longer has the hash printed earlier, {hash}: the ledger was recomputed or rewritten"
                        ),
                    );
                }
                None => {
                    return broken(
                        seq,
                        crate::text!(
                            "台账中已没有此前打印的 #{seq}",
                            "the ledger no longer has #{seq}, printed earlier"
                        ),
                    );
                }
            }
        }
        Ok(Verified::Intact {
            entries: last,
            head: Head {
                seq: last,
                hash: if last == 0 { genesis() } else { prev },
            },
        })
    }
}

/// Several row errors as one error (the first alone when there is one).
fn first_of(mut errors: Vec<InputError>) -> InputError {
    if errors.len() == 1 {
        return errors.remove(0);
    }
    // The shell prints every one of them: InputErrors through calc::Error.
    let all = InputErrors(errors);
    let mut e = all.0[0].clone();
    let text = all.text();
    e.message = text;
    e.line = None;
    e.column = None;
    e.field = None;
    e
}

/// A ledger's personal number masked for a list: a 公民身份号码's middle hidden (its first six
/// and last four kept); a credit code as it is.
pub fn masked(code: &str) -> String {
    if crate::credit_code::is_id_number(code) && code.len() == 18 {
        format!("{}********{}", &code[..6], &code[14..])
    } else {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_keyed_in_one_canonical_form() {
        // Full-width digits, a space and lower case: the code a round folds.
        assert_eq!(
            canonical_code("９１３３０３０２ 000000001k"),
            "91330302000000001K"
        );
        assert_eq!(canonical_code("11010519491231002x"), "11010519491231002X");
    }

    #[test]
    fn amounts_are_whole_fen() {
        let m = Money::parse("80000.05").unwrap();
        assert_eq!(fen_of(m), 8_000_005);
        assert_eq!(money_of_fen(8_000_005), m);
        assert_eq!(fen_text(-36_000_000), "-360000.00");
        assert_eq!(fen_text(5), "0.05");
    }

    #[test]
    fn a_personal_number_is_masked_in_a_list() {
        assert_eq!(masked("11010519491231002X"), "110105********002X");
        assert_eq!(masked("91330302000000001K"), "91330302000000001K");
    }

    #[test]
    fn locators_name_their_store() {
        assert_eq!(
            Locator::parse("postgres://a:secret@h/db").shown(),
            "postgres://a@h/db"
        );
        assert!(matches!(
            Locator::parse("host=/tmp/x dbname=l"),
            Locator::Postgres(_)
        ));
        assert!(matches!(Locator::parse("台账.db"), Locator::Sqlite(_)));
        // A password in the key-value form is left out; an `@` before `://` is no user.
        assert_eq!(
            Locator::parse("host=/s dbname=l password=a@b://").shown(),
            "host=/s dbname=l"
        );
    }

    #[test]
    fn items_are_keyed_as_the_clause_identifies_them() {
        let rules = RuleSet::embedded().unwrap();
        // Clause 1: the contract's id, folded.
        assert_eq!(
            item_key(&rules, 1, Some(" ｈｔ-01 "), Some(2026), None).as_deref(),
            Some("ht-01")
        );
        // A clause whose items are years (clause 4, R&D expense): the year.
        let by_year = (rules.clauses.iter())
            .find(|c| crate::prior::year_is_item(&rules, c))
            .map(|c| c.number)
            .unwrap();
        assert_eq!(
            item_key(&rules, by_year, None, Some(2025), None).as_deref(),
            Some("2025")
        );
        // A loan with the period it paid.
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            item_key(
                &rules,
                1,
                Some("DK-1"),
                None,
                Some((d("2025-06-01"), d("2025-12-31")))
            )
            .as_deref(),
            Some("dk-1 2025-06-01~2025-12-31")
        );
    }
}
