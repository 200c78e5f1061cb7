//! Fuzz a round on arbitrary bytes, in memory through the library: it either stops with a
//! located input error or writes every row back with a status; it never panics.
#![no_main]

use std::sync::OnceLock;

use calc::RuleSet;
use calc::batch::write::Output;
use calc::batch::{Options, evaluate};
use calc::render::Lang;
use calc::rules::RuleBook;
use calc::sheet::{Form, Format};
use calc::sheet::read::{Encoding, Table};
use libfuzzer_sys::fuzz_target;

fn book() -> &'static RuleBook {
    static BOOK: OnceLock<RuleBook> = OnceLock::new();
    BOOK.get_or_init(|| RuleBook::single(RuleSet::embedded().expect("the shipped rules load")))
}

fuzz_target!(|data: &[u8]| {
    let Ok(table) = Table::from_bytes("round.csv", data.to_vec(), Encoding::Auto, None) else {
        return;
    };
    let opts = Options {
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("a date"),
        lang: Lang::Zh,
        keep_columns: Vec::new(),
    };
    let priors = calc::prior::Gathered::default();
    if let Ok(round) = evaluate(book(), table, &opts, &priors, &()) {
        let rules = &book().base;
        let to = Output {
            format: Format::Csv,
            bom: true,
            lang: Lang::Zh,
            shown: "out.csv",
            scratch: None,
        };
        let mut out = Vec::new();
        round.write(rules, &mut out, &to, &()).expect("a round writes to memory");
        assert!(out.starts_with(b"\xef\xbb\xbf"), "the CSV output starts with a BOM");
        let mut summary = Vec::new();
        let s = round.summary(rules);
        calc::batch::summary::write(
            &mut summary,
            Form {
                format: Format::Csv,
                bom: true,
            },
            "summary.csv",
            &s,
            rules,
            &calc::batch::summary::About::new(opts.as_of),
            Lang::Zh,
        )
        .expect("a summary writes to memory");
    }
});
