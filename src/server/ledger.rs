//! The ledger as the server reads it (SPEC §9: it reads priors from the ledger and never writes
//! to it). The live awards are read again only when the chain's head has moved, so that an
//! output recorded meanwhile with `calc ledger record` is seen by the next request, while a
//! request on an unchanged ledger reads one row (the head) and not the whole ledger.
//!
//! A request is given its applicant's own entries and the entries of clauses with a quota (the
//! places other applicants hold in a district and year), which is all `prior::gather` needs for
//! one applicant; the whole ledger is not gathered again for each request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::InputError;
use crate::ledger::{Entry, Head, Ledger, LedgerPriors, canonical_code};
use crate::rules::RulesFor;

/// The live awards at one head, arranged for a request.
pub struct Snapshot {
    pub head: Head,
    /// Each applicant's live awards, by canonical code.
    by_code: HashMap<String, Vec<Entry>>,
    /// The live awards of clauses with a quota (every applicant's).
    quota: Vec<Entry>,
}

impl Snapshot {
    fn new(head: Head, priors: LedgerPriors, book: &dyn RulesFor) -> Snapshot {
        let mut by_code: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut quota = Vec::new();
        for e in priors.entries {
            let rules = book.of_district(&e.district);
            let has_quota = u32::try_from(e.clause)
                .ok()
                .and_then(|n| rules.clause(n))
                .is_some_and(|c| c.quota.is_some());
            if has_quota {
                quota.push(e.clone());
            }
            by_code.entry(e.credit_code.clone()).or_default().push(e);
        }
        Snapshot {
            head,
            by_code,
            quota,
        }
    }

    /// The applicant's live awards (for the page's list of earlier awards).
    pub fn of(&self, credit_code: &str) -> &[Entry] {
        (self.by_code.get(&canonical_code(credit_code))).map_or(&[], Vec::as_slice)
    }

    /// Every live award (a round's priors).
    pub fn all(&self) -> LedgerPriors {
        let mut entries: Vec<Entry> = self.by_code.values().flatten().cloned().collect();
        entries.sort_by_key(|e| e.seq);
        LedgerPriors { entries }
    }

    /// The priors one applicant's evaluation needs: its own awards and the quota clauses'.
    pub fn priors_for(&self, credit_code: &str) -> LedgerPriors {
        let code = canonical_code(credit_code);
        let mut entries: Vec<Entry> = self.of(&code).to_vec();
        entries.extend(self.quota.iter().filter(|e| e.credit_code != code).cloned());
        entries.sort_by_key(|e| e.seq);
        LedgerPriors { entries }
    }
}

/// A ledger opened by the shell, read by requests one at a time (a connection is not shared
/// between threads); the last snapshot kept until the head moves.
pub struct LedgerView {
    ledger: Mutex<Ledger>,
    snapshot: Mutex<Option<Arc<Snapshot>>>,
}

/// A lock whose holder panicked is still a good ledger connection or snapshot: nothing is
/// written through either.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl LedgerView {
    pub fn new(ledger: Ledger) -> LedgerView {
        LedgerView {
            ledger: Mutex::new(ledger),
            snapshot: Mutex::new(None),
        }
    }

    /// The live awards at the ledger's current head: the kept snapshot while the head is the
    /// same, else the awards and their head read again in one transaction.
    pub fn current(&self, book: &dyn RulesFor) -> Result<Arc<Snapshot>, InputError> {
        let mut ledger = lock(&self.ledger);
        let head = ledger.head()?;
        let mut kept = lock(&self.snapshot);
        if let Some(s) = kept.as_ref()
            && s.head == head
        {
            return Ok(s.clone());
        }
        let (head, priors) = ledger.snapshot()?;
        let snapshot = Arc::new(Snapshot::new(head, priors, book));
        *kept = Some(snapshot.clone());
        Ok(snapshot)
    }
}

/// `X-Calc-Ledger-Head: SEQ HASH` on an answer computed with the ledger (a header is ASCII,
/// so without the `台账 #` of `Head::shown`); nothing without a ledger.
pub fn head_header(
    head: Option<&Head>,
) -> axum::response::AppendHeaders<Vec<(&'static str, axum::http::HeaderValue)>> {
    let value =
        head.and_then(|h| axum::http::HeaderValue::from_str(&format!("{} {}", h.seq, h.hash)).ok());
    axum::response::AppendHeaders(
        value
            .map(|v| ("x-calc-ledger-head", v))
            .into_iter()
            .collect(),
    )
}
