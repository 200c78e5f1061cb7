//! The official's screen (SPEC §5, issue 13): at 80 and at 120 columns no line of the table,
//! `rules list`, `rules show` or `explain` is wider than the terminal (a Chinese character counts
//! two columns), a number is never split across lines, and a clause of several items lists each.

use unicode_width::UnicodeWidthStr;

use crate::common::{ENTERPRISE, calc, facts_file};

/// Three compute contracts under one annual cap: 30% of 1,000,000, 800,000 and 600,000 is
/// 300,000, 240,000 and 180,000; the cap of 500,000 leaves 300,000, 200,000 and 0.00.
fn three_items() -> tempfile::NamedTempFile {
    let mut text = ENTERPRISE.to_string();
    for (id, amount) in [("HT-A", 1_000_000), ("HT-B", 800_000), ("HT-C", 600_000)] {
        text += &format!(
            "[[compute]]\nid = \"{id}\"\nautonomous = true\namount = {amount}\ndate = 2026-02-01\n"
        );
    }
    facts_file(&text)
}

fn shown(columns: usize, args: &[&str]) -> String {
    let out = calc()
        .env("COLUMNS", columns.to_string())
        .args(args)
        .args(["--as-of", "2026-06-30"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn no_line_is_wider_than_the_terminal() {
    let three = three_items();
    let three = three.path().to_str().unwrap();
    for columns in [80, 120] {
        let mut runs: Vec<Vec<&str>> = vec![vec!["explain", three], vec![three]];
        for f in [
            "examples/enterprise.toml",
            "examples/university.toml",
            "examples/outside-district.toml",
        ] {
            runs.push(vec![f]);
            runs.push(vec!["explain", f]);
            runs.push(vec![f, "--lang", "en"]);
        }
        for args in runs {
            for line in shown(columns, &args).lines() {
                // The sha256 of the rules (64 characters) is the one piece wider than a line can be
                // at 80 columns less its label; it stands on a line of its own.
                assert!(
                    line.width() <= columns,
                    "{columns}: {args:?}: {} columns: {line}",
                    line.width()
                );
            }
        }
        for args in [
            &["rules", "list"][..],
            &["rules", "show", "12"],
            &["rules", "list", "--lang", "en"],
        ] {
            let out = calc()
                .env("COLUMNS", columns.to_string())
                .args(args)
                .output()
                .unwrap();
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                assert!(line.width() <= columns, "{columns}: {args:?}: {line}");
            }
        }
    }
}

#[test]
fn a_clause_of_several_items_lists_each_with_its_amount() {
    let three = three_items();
    let out = shown(80, &[three.path().to_str().unwrap()]);
    // The clause's total, then each item: 300,000 + 200,000 + 0.00 = 500,000 (worked above).
    for want in [
        "500,000.00",
        "HT-A: ",
        "300,000.00",
        "HT-B: ",
        "200,000.00",
        "HT-C: ",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    // At 120 columns the title column is back and the ids stand in it.
    let wide = shown(120, &[three.path().to_str().unwrap()]);
    assert!(wide.contains("· HT-C") && wide.contains("算力券"), "{wide}");
    // No figure is split across lines: every amount of the table stands whole on its line.
    for n in ["300,000.00", "200,000.00", "500,000.00"] {
        assert!(out.lines().any(|l| l.contains(n)), "{n}: {out}");
    }
}

#[test]
fn every_failed_condition_is_in_the_table_not_only_the_first() {
    // 条款三 needs 上架交易 and 入选: both fail here, and both are said.
    let both = facts_file(&format!(
        "{ENTERPRISE}[[dataset]]\nid = \"DS-1\"\ninvestment = 100000\nlisted = false\ndate = 2026-02-01\n"
    ));
    let out = shown(200, &[both.path().to_str().unwrap()]);
    assert!(
        out.contains("在温州数据交易中心上架交易: 否；入选区级年度择优评选: 未填写 (视为否)"),
        "{out}"
    );
    // An enterprise that confirms none of the three gates hears of all three.
    let gates = ENTERPRISE
        .lines()
        .filter(|l| !l.ends_with("= true"))
        .collect::<Vec<_>>()
        .join("\n");
    let none = facts_file(&format!(
        "{gates}\n[[dataset]]\nid = \"DS-1\"\ninvestment = 100000\nlisted = false\nselected = true\ndate = 2026-02-01\n"
    ));
    let out = shown(400, &[none.path().to_str().unwrap()]);
    // ... and of the item's own failed condition beside them, though the gates close the clause.
    for gate in [
        "依法登记在册: 未确认",
        "依法纳税: 未确认",
        "符合人工智能产业集聚发展导向: 未确认",
        "在温州数据交易中心上架交易: 否",
    ] {
        assert!(out.contains(gate), "{gate}: {out}");
    }
}

#[test]
fn every_command_s_help_ends_with_examples() {
    for cmd in [
        &[][..],
        &["batch"],
        &["explain"],
        &["rules"],
        &["template"],
        &["schema"],
        &["test"],
        &["notice"],
        &["completions"],
    ] {
        let out = calc().args(cmd).arg("--help").output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("示例 / Examples:\n  calc"), "{cmd:?}: {help}");
    }
}

#[test]
fn an_error_fits_the_terminal_chinese_and_english_on_lines_of_their_own() {
    // A long message: a missing kind lists the six kinds in both languages.
    let text = ENTERPRISE.replace("kind = \"enterprise\"\n", "");
    let f = facts_file(&text);
    for columns in [60, 80, 120] {
        let out = calc()
            .env("COLUMNS", columns.to_string())
            .arg(f.path())
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8(out.stderr).expect("UTF-8");
        for line in err.lines() {
            assert!(line.width() <= columns, "{columns}: `{line}` in\n{err}");
        }
        // The Chinese sentence first, the English on a line of its own; no word is cut.
        assert!(err.starts_with("错误: "), "{err}");
        let en = err.find("\nerror: ").expect("an English line");
        assert!(!err[..en].contains("missing required"), "{err}");
        assert!(!err[en..].contains("缺少必填项"), "{err}");
        for word in ["research_institute", "individual", "partnership"] {
            assert!(err[en..].contains(word), "{columns}: {word} cut in\n{err}");
        }
    }
}

#[test]
fn at_80_columns_the_document_and_the_digest_stay_whole_and_the_header_names_the_overlays() {
    let out = calc()
        .env("COLUMNS", "80")
        .args([
            "--overlay",
            "examples/overlays/lucheng-compute-20.toml",
            "examples/enterprise.toml",
            "--lang",
            "en",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    // The document number on a line of its own, whole (it was cut inside 温政办〔2025〕45号).
    assert!(lines.contains(&"温政办〔2025〕45号"), "{text}");
    // The overlay in effect, by its `name` (examples/overlays/lucheng-compute-20.toml).
    assert!(
        lines.contains(&"Overlays: 鹿城区算力券 20% (示例)"),
        "{text}"
    );
    // The digest with its label, on one line of 71 columns.
    let last = lines.last().expect("a footer");
    assert!(last.starts_with("sha256 ") && last.len() == 71, "{text}");
    // A range in the amount column is written on two lines at 80 columns, leaving the reason
    // more than 24 columns.
    let talent = calc()
        .env("COLUMNS", "80")
        .arg("tests/fixtures/screen/talent.toml")
        .output()
        .expect("runs");
    let talent = String::from_utf8(talent.stdout).expect("UTF-8");
    assert!(talent.contains("┆ 5,000,000.00 ~ ┆"), "{talent}");
    assert!(talent.contains("┆  30,000,000.00 ┆"), "{talent}");
}
