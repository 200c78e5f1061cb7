//! `ledger record OUT`: a round's output read as an input, evaluated again at its as-of date
//! with the ledger's priors (less the entries of this round) under the write lock, and only the
//! figures it reproduces recorded, in one transaction: a 核定 row at its amount to the fen, a
//! 酌定 row with a decided amount within the range computed; a 酌定 row without one is pending.
//! Any mismatch refuses the whole output, naming each row, both figures and the entry that
//! paid the item. A row a live entry of the same round holds with the same amount is held.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::batch;
use crate::error::{Error, InputError, InputErrors};
use crate::money::Money;
use crate::progress::Progress;
use crate::round::RowStatus;
use crate::round::output::{self, AwardRow, Figure, Wanted};
use crate::rules::{RuleBook, RulesFor};
use crate::sheet::read::Table;
use crate::text::{Lang, Text};

use super::{Entry, Head, Ledger, LedgerPriors, Run, Who, canonical_code, fen_of, item_key, live};

/// A row withheld (`--exclude ROW --reason TEXT`): its 公示 objection was upheld.
#[derive(Clone, Debug)]
pub struct Exclusion {
    pub row: usize,
    pub reason: String,
}

/// What `record` is asked.
pub struct RecordRequest<'a> {
    pub round: &'a str,
    pub as_of: NaiveDate,
    pub approved_by: Option<String>,
    pub output_sha256: String,
    pub excluded: Vec<Exclusion>,
    pub who: Who,
    /// Tests only: a pause inside the write transaction, after the entries are written and
    /// before the commit (a process killed there must leave nothing).
    pub pause: Option<std::time::Duration>,
}

/// What was recorded.
#[derive(Clone, Debug)]
pub struct RecordReport {
    pub recorded: Vec<Entry>,
    /// Rows a live entry of this round already holds: (row, entry).
    pub held: Vec<(usize, i64)>,
    /// 酌定 rows with no decided amount yet.
    pub pending: Vec<usize>,
    pub excluded: Vec<Exclusion>,
    /// Items paid again after a void (a top-up): the row, the voided award and its amount in
    /// fen, and the amount now recorded; the difference is what is still to be paid.
    pub top_ups: Vec<TopUp>,
    pub head: Head,
    pub run: i64,
}

/// An item recorded again after its earlier award was voided.
#[derive(Clone, Debug)]
pub struct TopUp {
    pub row: usize,
    pub voided: i64,
    pub voided_fen: i64,
    pub fen: i64,
}

/// The computed figure of a row, as a message shows it.
fn shown(f: Option<&Figure>) -> Text {
    match f {
        Some(Figure::Decided(m)) => Text::new(m.to_string(), m.to_string()),
        Some(Figure::Undecided { floor, ceiling }) => {
            let f = floor.map_or("—".into(), |m| m.to_string());
            let c = ceiling.map_or("—".into(), |m| m.to_string());
            crate::text!("酌定 {f}–{c}", "discretionary {f}–{c}")
        }
        None => crate::text!("无奖补", "no award"),
    }
}

impl Ledger {
    /// Records a round's output (`table`, calc's own output); see the module's doc.
    pub fn record(
        &mut self,
        book: &RuleBook,
        table: Table,
        req: &RecordRequest<'_>,
        progress: &dyn Progress,
    ) -> Result<RecordReport, Error> {
        let rules = &book.base;
        let file = table.file.clone();
        let cols = output::columns(rules, &table)?;
        if !cols.own {
            return Err(InputError::new(
                &file,
                crate::text!(
                    "这不是 calc 的一轮输出 (没有条款、核定金额、状态列): record 只记录一轮的输出；往期奖补表请用 `calc ledger import`",
                    "this is not a round's output from calc (no clause, award and status columns): record takes a round's output; a prior table is imported with `calc ledger import`"
                ),
            )
            .into());
        }
        let in_file = output::awards(book, &table, &cols, Wanted::WithUndecided)?;
        let rows: HashSet<usize> = in_file.iter().map(|a| a.line).collect();
        for x in &req.excluded {
            if !rows.contains(&x.row) {
                let r = x.row;
                let mut e = InputError::new(
                    &file,
                    crate::text!(
                        "--exclude {r}: 第 {r} 行没有奖补",
                        "--exclude {r}: row {r} has no award"
                    ),
                );
                e.line = Some(r);
                return Err(e.into());
            }
        }
        let excluded: HashSet<usize> = req.excluded.iter().map(|x| x.row).collect();
        let keep_columns = table.headers.clone();
        let run = Run {
            command: format!("ledger record --round {}", req.round),
            input_sha256: Some(req.output_sha256.clone()),
            rules_digest: Some(rules.digest.clone()),
            as_of: Some(req.as_of.to_string()),
            ..Run::default()
        };

        // Under the write lock from here to the commit.
        let head = self.store.begin_write().map_err(|e| self.fail(e))?;
        let all = self.entries()?;
        let live_now = live(&all);
        let priors = LedgerPriors {
            entries: (live_now.iter())
                .filter(|e| e.round != req.round)
                .cloned()
                .collect(),
        };
        let computed = match self.recompute(book, table, req.as_of, keep_columns, &priors, progress)
        {
            Ok(c) => c,
            Err(e) => {
                self.store.rollback();
                return Err(e);
            }
        };
        let mut errors = Vec::new();
        let mut fresh: Vec<Entry> = Vec::new();
        let mut held = Vec::new();
        let mut pending = Vec::new();
        let mut top_ups = Vec::new();
        let mut keys: HashSet<(String, i64, String)> = HashSet::new();
        for a in &in_file {
            if excluded.contains(&a.line) {
                continue;
            }
            let code = canonical_code(&a.credit_code);
            let clause = i64::from(a.clause);
            let rules_d = book.of_district(&a.district);
            let key = item_key(rules_d, a.clause, a.item.as_deref(), a.year, a.period)
                .unwrap_or_else(|| format!("@{}:{}", req.output_sha256, a.line));
            let payer = || -> Option<&Entry> {
                (live_now.iter())
                    .find(|e| e.credit_code == code && e.clause == clause && e.item == key)
                    .or_else(|| {
                        (live_now.iter())
                            .filter(|e| e.round != req.round)
                            .find(|e| e.credit_code == code && e.clause == clause)
                    })
            };
            let mismatch = |got: Option<&Figure>, errors: &mut Vec<InputError>| {
                let want = shown(Some(&a.figure));
                let got = shown(got);
                let paid = match payer() {
                    Some(e) => {
                        let (n, r, m) = (e.named(), &e.round, e.amount());
                        crate::text!(
                            "；已由 {} (批次 {r}，{m} 元) 支付", n.zh;
                            "; paid by {} (round {r}, {m})", n.en
                        )
                    }
                    None => Text::default(),
                };
                let n = a.clause;
                let mut e = InputError::new(
                    &file,
                    crate::text!(
                        "第 {n} 条: 文件中为 {}，按台账重算为 {}{}", want.zh, got.zh, paid.zh;
                        "clause {n}: the file says {}, computed with the ledger {}{}", want.en, got.en, paid.en
                    ),
                );
                e.line = Some(a.line);
                errors.push(e);
            };
            let got = computed.get(&(a.line, a.clause));
            let amount: Money = match (&a.figure, got) {
                (Figure::Undecided { .. }, Some(Figure::Undecided { .. })) => {
                    pending.push(a.line);
                    continue;
                }
                (Figure::Decided(m), Some(Figure::Decided(c))) if m == c => *m,
                (Figure::Decided(m), Some(Figure::Undecided { floor, ceiling }))
                    if floor.is_none_or(|f| *m >= f) && ceiling.is_none_or(|c| *m <= c) =>
                {
                    *m
                }
                _ => {
                    mismatch(got, &mut errors);
                    continue;
                }
            };
            let fen = fen_of(amount);
            if let Some(e) = (live_now.iter())
                .find(|e| e.credit_code == code && e.clause == clause && e.item == key)
            {
                if e.round == req.round && e.amount_fen == fen {
                    held.push((a.line, e.seq));
                } else {
                    mismatch(got, &mut errors);
                }
                continue;
            }
            if !keys.insert((code.clone(), clause, key.clone())) {
                mismatch(None, &mut errors);
                continue;
            }
            let attempt = (all.iter())
                .filter(|e| {
                    e.is_award() && e.credit_code == code && e.clause == clause && e.item == key
                })
                .count() as i64;
            if let Some(before) = (all.iter()).rfind(|e| {
                e.is_award() && e.credit_code == code && e.clause == clause && e.item == key
            }) {
                top_ups.push(TopUp {
                    row: a.line,
                    voided: before.seq,
                    voided_fen: before.amount_fen,
                    fen,
                });
            }
            fresh.push(entry(a, (code, clause, key), fen, attempt, req, rules));
        }
        if !errors.is_empty() {
            self.store.rollback();
            let n = errors.len();
            let _ = self.insert_run(
                &Run {
                    counts: format!("rows={} refused_rows={n}", in_file.len()),
                    outcome: "refused".into(),
                    ..run
                },
                &req.who,
            );
            return Err(InputErrors(errors).into());
        }
        let run = Run {
            counts: format!(
                "recorded={} held={} pending={} excluded={}",
                fresh.len(),
                held.len(),
                pending.len(),
                req.excluded.len()
            ),
            outcome: "recorded".into(),
            ..run
        };
        let run_id = self.insert_run(&run, &req.who)?;
        for e in &mut fresh {
            e.run_id = run_id;
        }
        let (recorded, head) = self.append(&head, fresh)?;
        if let Some(p) = req.pause {
            std::thread::sleep(p);
        }
        self.store.commit().map_err(|e| self.fail(e))?;
        Ok(RecordReport {
            recorded,
            held,
            pending,
            excluded: req.excluded.clone(),
            top_ups,
            head,
            run: run_id,
        })
    }

    /// The round evaluated again with `priors`: each row's (line, clause) and what it awards.
    fn recompute(
        &mut self,
        book: &RuleBook,
        table: Table,
        as_of: NaiveDate,
        keep_columns: Vec<String>,
        priors: &LedgerPriors,
        progress: &dyn Progress,
    ) -> Result<HashMap<(usize, u32), Figure>, Error> {
        let gathered = crate::prior::gather(book, &[priors])?;
        let options = batch::Options {
            keep_columns,
            as_of,
            lang: Lang::Zh,
        };
        let round = batch::evaluate(book, table, &options, &gathered, progress)?;
        // Row by row as the output would be written: a continuation row of the file carries
        // its own clause's result (`batch` moves it there), so each line has one figure.
        let mut out = HashMap::with_capacity(round.results.len());
        for (line, r) in round.lines.iter().zip(&round.results) {
            let Some(clause) = r.clause else { continue };
            let figure = match (r.status, r.award) {
                (RowStatus::Awarded, Some(m)) if !m.is_zero() => Figure::Decided(m),
                (RowStatus::Discretionary, _) => Figure::Undecided {
                    floor: r.floor(),
                    ceiling: r.ceiling(),
                },
                _ => continue,
            };
            out.insert((line.get(), clause), figure);
        }
        // The process ends soon: a large round is not freed value by value.
        std::mem::forget(round);
        Ok(out)
    }
}

fn entry(
    a: &AwardRow,
    (code, clause, key): (String, i64, String),
    fen: i64,
    attempt: i64,
    req: &RecordRequest<'_>,
    rules: &crate::rules::RuleSet,
) -> Entry {
    Entry {
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
        period_start: a.period.map(|p| p.0.to_string()),
        period_end: a.period.map(|p| p.1.to_string()),
        amount_fen: fen,
        attempt,
        reverses: None,
        reason: None,
        round: req.round.to_string(),
        output_sha256: Some(req.output_sha256.clone()),
        output_row: Some(a.line as i64),
        rules_digest: Some(rules.digest.clone()),
        rules_version: Some(rules.policy.version.clone()),
        as_of: Some(req.as_of.to_string()),
        approved_by: req.approved_by.clone(),
        recorded_by: req.who.user.clone(),
        recorded_at: req.who.at.clone(),
        run_id: 0,
        prev_hash: String::new(),
        hash: String::new(),
    }
}
