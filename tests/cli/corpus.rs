//! The bad-input corpus (tests/corpus/facts/): every file, run as `calc FILE`, exits with the code
//! its manifest entry gives and names what is wrong; none panics. Also a 100 MB line, made here.

use std::path::Path;

use serde::Deserialize;

use crate::common::{calc, root};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    why: String,
    exit: i32,
    message: Vec<String>,
}

#[derive(Deserialize)]
struct Manifest {
    case: Vec<Case>,
}

fn manifest(dir: &Path) -> Manifest {
    toml::from_str(&std::fs::read_to_string(dir.join("expect.toml")).unwrap()).unwrap()
}

#[test]
fn every_corpus_file_fails_as_its_manifest_says() {
    let dir = root().join("tests/corpus/facts");
    let m = manifest(&dir);
    assert!(m.case.len() >= 50, "the corpus has {} files", m.case.len());
    let mut failures = Vec::new();
    for c in &m.case {
        let out = calc().arg(dir.join(&c.file)).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let code = out.status.code().unwrap_or(-1);
        if code != c.exit {
            failures.push(format!(
                "{} ({}): exit {code}, expected {}\n{stderr}",
                c.file, c.why, c.exit
            ));
            continue;
        }
        let text = if c.exit == 0 { &stdout } else { &stderr };
        for k in &c.message {
            if !text.contains(k.as_str()) {
                failures.push(format!(
                    "{} ({}): output lacks {k:?}:\n{text}",
                    c.file, c.why
                ));
            }
        }
        if c.exit == 2 {
            if !stderr.contains(&c.file) {
                failures.push(format!(
                    "{}: the message does not name the file:\n{stderr}",
                    c.file
                ));
            }
            if !stdout.is_empty() {
                failures.push(format!("{}: printed to stdout on error", c.file));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[test]
fn the_manifest_lists_every_corpus_file() {
    let dir = root().join("tests/corpus/facts");
    let m = manifest(&dir);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name != "expect.toml" {
            assert!(
                m.case.iter().any(|c| c.file == name),
                "{name} is not in expect.toml"
            );
        }
    }
}

#[test]
fn a_100_mb_line_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    let mut text = String::from("[applicant]\nname = \"");
    text.push_str(&"很".repeat(100 * 1024 * 1024 / 3));
    text.push_str("\"\n");
    std::fs::write(&path, text).unwrap();
    calc()
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("too large"))
        .stderr(predicates::str::contains("huge.toml"));
}

#[test]
fn a_2_gb_round_or_facts_file_is_refused_before_reading() {
    // Sparse files: their size is what is checked, before any byte is read into memory.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("huge.csv");
    std::fs::File::create(&csv)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let out = dir.path().join("out.csv");
    calc()
        .arg("batch")
        .arg(&csv)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("too large"))
        .stderr(predicates::str::contains("split the round"));
    assert!(!out.exists(), "no output is written");
    let facts = dir.path().join("huge.toml");
    std::fs::File::create(&facts)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    calc()
        .arg(&facts)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("too large"));
}
