//! A round's spreadsheet as the vocabulary names it: the columns the template writes
//! (`columns`), the header row a batch, a prior file and a notice read (`headers`), and the
//! columns a batch adds to each row with the statuses it writes (`Added`, `RowStatus`), in
//! either language. The batch's pipeline is in `batch`; the files themselves in `sheet`.

pub mod columns;
pub mod headers;
pub mod output;

use crate::text::Lang;

/// The most lines of a round a message names (a row's message, a run's stderr, a list of
/// changes): a credit code with thousands of rows would otherwise put thousands of numbers on
/// each of its rows (past what a workbook cell holds).
pub const LINES_NAMED: usize = 20;

/// How a continuation row's reason begins (a row's item under a further clause over its
/// section), in each language: how a round's output read back knows its continuation rows.
pub const CONTINUED: [&str; 2] = ["（续上行）", "(continued) "];
use crate::rules::vocabulary::{BatchColumns, written};

/// A column the batch adds to each row. A new column is one more variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    Clause,
    Award,
    /// A discretionary row's ceiling.
    Ceiling,
    /// A discretionary row's floor, where it has one.
    Floor,
    Status,
    Reason,
}

impl Added {
    /// In the order they are written.
    pub const ALL: [Added; 6] = [
        Added::Clause,
        Added::Award,
        Added::Ceiling,
        Added::Floor,
        Added::Status,
        Added::Reason,
    ];

    /// Its header names in the vocabulary: the first written under `--lang zh`, the second
    /// under `--lang en`; all are read.
    pub fn names(self, b: &BatchColumns) -> &[String] {
        match self {
            Added::Clause => &b.clause,
            Added::Award => &b.award,
            Added::Ceiling => &b.ceiling,
            Added::Floor => &b.floor,
            Added::Status => &b.status,
            Added::Reason => &b.reason,
        }
    }

    /// Its header in the output's language.
    pub fn header(self, b: &BatchColumns, lang: Lang) -> &str {
        written(self.names(b), lang.en())
    }

    /// Whether a file must have it to be read as a round's output: the range columns came
    /// later, so an earlier round's output without them is still calc's own.
    pub fn required(self) -> bool {
        !matches!(self, Added::Ceiling | Added::Floor)
    }
}

/// What a row comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    Awarded,
    Discretionary,
    Ineligible,
    /// An item already paid (a prior award of the same clause and item): 已兑现 (SPEC §5).
    Paid,
    Error,
    /// A blank row, kept in its place.
    Empty,
}

impl RowStatus {
    /// Every status, in declaration order.
    pub const ALL: [RowStatus; 6] = [
        RowStatus::Awarded,
        RowStatus::Discretionary,
        RowStatus::Ineligible,
        RowStatus::Paid,
        RowStatus::Error,
        RowStatus::Empty,
    ];

    /// Its name in the outcome's terms (as `calc test` cases and JSON name a status).
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Awarded => "awarded",
            RowStatus::Discretionary => "discretionary",
            RowStatus::Ineligible => "ineligible",
            RowStatus::Paid => "paid",
            RowStatus::Error => "error",
            RowStatus::Empty => "",
        }
    }

    /// Its words in the vocabulary (none for a blank row).
    fn words(self, b: &BatchColumns) -> &[String] {
        let w = &b.statuses;
        match self {
            RowStatus::Awarded => &w.awarded,
            RowStatus::Discretionary => &w.discretionary,
            RowStatus::Ineligible => &w.ineligible,
            RowStatus::Paid => &w.paid,
            RowStatus::Error => &w.error,
            RowStatus::Empty => &[],
        }
    }

    /// The word written in the status column, in the output's language.
    pub fn word(self, b: &BatchColumns, lang: Lang) -> &str {
        written(self.words(b), lang.en())
    }

    /// The status a round's output names, by any of its words in either language.
    pub fn read(text: &str, b: &BatchColumns) -> Option<RowStatus> {
        let named = |s: &RowStatus| s.words(b).iter().any(|w| w.eq_ignore_ascii_case(text));
        RowStatus::ALL.into_iter().find(named)
    }
}
