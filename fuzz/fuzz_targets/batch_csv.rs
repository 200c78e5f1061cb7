//! Fuzz `calc batch` on an arbitrary CSV: it either stops with a located input error or writes
//! every row back with a status; it never panics. Each input is written to a temporary file,
//! since the batch reads a path.
#![no_main]

use std::sync::OnceLock;

use calc::RuleSet;
use calc::rules::RuleBook;
use calc::batch::{Options, run};
use calc::render::Lang;
use calc::sheet::read::Encoding;
use libfuzzer_sys::fuzz_target;

fn book() -> &'static RuleBook {
    static BOOK: OnceLock<RuleBook> = OnceLock::new();
    BOOK.get_or_init(|| RuleBook::single(RuleSet::embedded().expect("the shipped rules load")))
}

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("round.csv");
    std::fs::write(&input, data).expect("write input");
    let opts = Options {
        input,
        output: dir.path().join("out.csv"),
        priors: Vec::new(),
        summary: Some(dir.path().join("summary.csv")),
        bom: true,
        encoding: Encoding::Auto,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("a date"),
        lang: Lang::Zh,
        keep_columns: Vec::new(),
        sheet: None,
        check: false,
    };
    if let Ok(report) = run(book(), &opts, &()) {
        let code = report.exit_code();
        assert!(code == 0 || code == 3, "unexpected exit code {code}");
        let out = std::fs::read(dir.path().join("out.csv")).expect("the output exists");
        assert!(out.starts_with(b"\xef\xbb\xbf"), "the CSV output starts with a BOM");
    }
});
