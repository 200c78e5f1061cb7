//! The library alone, as a web API would use it: a round held in memory and an applicant given
//! as JSON, with no file opened and no command line; each gives the command line's figures.

use calc::batch::write::Output;
use calc::batch::{Options, evaluate};
use calc::render::Lang;
use calc::rules::RuleBook;
use calc::sheet::read::{Encoding, Table};
use calc::sheet::{Form, Format};
use calc::{Facts, RuleSet};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, without an inherited rules folder or ledger: the library calls beside it use
/// the embedded rules and no ledger.
fn calc() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_calc"));
    cmd.env_remove("CALC_RULES").env_remove("CALC_LEDGER");
    cmd
}

const AS_OF: &str = "2026-06-30";

#[test]
fn a_round_in_memory_gives_the_command_lines_output_and_summary() {
    let book = RuleBook::single(RuleSet::embedded().unwrap());
    let rules = &book.base;
    let bytes = std::fs::read(root().join("examples/round.csv")).unwrap();
    let table = Table::from_bytes("round.csv", bytes, Encoding::Auto, None).unwrap();
    let opts = Options {
        keep_columns: Vec::new(),
        as_of: AS_OF.parse().unwrap(),
        lang: Lang::Zh,
    };
    let priors = calc::prior::Gathered::default();
    let round = evaluate(&book, table, &opts, &priors, &()).unwrap();
    let mut csv = Vec::new();
    let to = Output {
        format: Format::Csv,
        bom: true,
        lang: Lang::Zh,
        shown: "out.csv",
        scratch: None,
    };
    round.write(rules, &mut csv, &to, &()).unwrap();
    let mut summary = Vec::new();
    let s = round.summary(rules);
    calc::batch::summary::write(
        &mut summary,
        Form {
            format: Format::Csv,
            bom: true,
        },
        "s.csv",
        &s,
        rules,
        &calc::batch::summary::About::new(opts.as_of),
        Lang::Zh,
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let status = calc()
        .current_dir(dir.path())
        .arg("batch")
        .arg(root().join("examples/round.csv"))
        .args(["-o", "out.csv", "--summary", "s.csv", "--as-of", AS_OF])
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let file = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        String::from_utf8(file("out.csv")).unwrap()
    );
    assert_eq!(
        String::from_utf8(summary).unwrap(),
        String::from_utf8(file("s.csv")).unwrap()
    );
}

#[test]
fn an_applicant_as_json_gives_the_figures_of_its_toml_file() {
    let book = RuleBook::single(RuleSet::embedded().unwrap());
    let json = std::fs::read_to_string(root().join("examples/enterprise.json")).unwrap();
    let facts = Facts::from_json(&book.base, "enterprise.json", &json).unwrap();
    let rules = facts.rules(&book);
    let as_of = facts.as_of_or(rules, None, AS_OF.parse().unwrap());
    let outcome = calc::evaluate(rules, &facts, as_of).unwrap();
    let from_library = calc::render::json::render(&outcome, rules, Lang::Zh);

    let out = calc()
        .arg(root().join("examples/enterprise.toml"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let from_cli = String::from_utf8(out.stdout).unwrap();
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&from_library).unwrap(),
        serde_json::from_str(&from_cli).unwrap(),
    );
    assert_eq!(a, b);
    // One figure worked by hand, so that two equal wrong outputs cannot pass: clause 1 is
    // 1,200,000 × 30% + 800,000 × 10% = 360,000 + 80,000 = 440,000, under the 2026 cap of
    // 500,000 less the prior HT-000's 100,000 = 400,000.
    let clause1 = (a["clauses"].as_array().unwrap().iter())
        .find(|c| c["clause"] == 1)
        .unwrap();
    assert_eq!(clause1["amount"], "400000.00");
}

#[test]
fn a_bad_json_value_is_named_by_its_json_pointer() {
    let rules = RuleSet::embedded().unwrap();
    let json = std::fs::read_to_string(root().join("examples/enterprise.json")).unwrap();
    let bad = json.replacen("\"80万\"", "\"八十万\"", 1);
    let e = Facts::from_json(&rules, "req.json", &bad).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("/compute/1/amount"), "{e}");
    let typo = json.replacen("\"registered\"", "\"registred\"", 1);
    let e = Facts::from_json(&rules, "req.json", &typo).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("/applicant/registred"), "{e}");
    assert!(e.message.en.contains("registered"), "suggests the key: {e}");
    let error = calc::Error::from(e).json();
    assert_eq!(error["error"]["field"], "/applicant/registred");
}

/// `null` is an unstated fact, but only under a key the vocabulary knows: an unknown key is
/// refused whatever its value (schemathesis sent `{"applicant": {…}, "": null}`, which was
/// taken; `"registred": null` was taken the same way), while a known key's `null` is dropped.
#[test]
fn an_unknown_key_is_refused_even_with_a_null_value() {
    let rules = RuleSet::embedded().unwrap();
    let json = std::fs::read_to_string(root().join("examples/enterprise.json")).unwrap();
    let typo = json.replacen("\"registered\": true", "\"registred\": null", 1);
    assert_ne!(typo, json, "the example states registered");
    let e = Facts::from_json(&rules, "req.json", &typo).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("/applicant/registred"), "{e}");
    assert!(e.message.en.contains("registered"), "suggests the key: {e}");
    let top = json.replacen('{', "{\"\": null, ", 1);
    let e = Facts::from_json(&rules, "req.json", &top).unwrap_err();
    assert!(e.message.en.contains("unknown key"), "{e}");
    let known = json.replacen("\"registered\": true", "\"registered\": null", 1);
    assert!(Facts::from_json(&rules, "req.json", &known).is_ok());
}
