//! `calc FILE`: the table and JSON for one applicant, on the shipped examples.

use crate::common::calc;
use predicates::str::contains;

#[test]
fn the_enterprise_example_shows_each_clause_and_the_total() {
    // Figures worked by hand in examples/enterprise.toml's comments and README:
    // clause 1: 30% × 1,200,000 = 360,000; 10% × 800,000 = 80,000; cap 500,000 less prior 100,000
    //           leaves 400,000, so HT-002 gets 40,000 → 400,000.
    // clause 2: 30% × 300,000 = 90,000. clause 3: 30% × 800,000 = 240,000.
    // clause 5: 20% × 12,000,000 = 2,400,000 → cap 2,000,000.
    // clause 6: 行业型 150,000. clause 9: 小巨人 1,000,000 less prior 100,000 = 900,000.
    // clause 12: 2025-06-01 to 2026-05-31, the end counted (SPEC rev. 2): 365 days;
    //            10,000,000 × 1.5% × 365 / 360 = 152,083.333… → 152,083.33.
    // total = 400,000 + 90,000 + 240,000 + 2,000,000 + 150,000 + 900,000 + 152,083.33 = 3,932,083.33
    calc()
        .arg("examples/enterprise.toml")
        .assert()
        .success()
        .stdout(contains("确定金额合计: 3,932,083.33 元"))
        .stdout(contains("≤ 3,000,000.00"))
        .stdout(contains("sha256"));
}

#[test]
fn json_carries_the_contract_fields() {
    let out = calc()
        .args(["examples/enterprise.toml", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["as_of"], "2026-06-30");
    assert_eq!(v["total"], "3932083.33");
    assert_eq!(v["rules_digest"].as_str().unwrap().len(), 64);
    assert_eq!(v["applicant"]["credit_code"], "91330302MA2H00001Y");
    let c4 = v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == 4)
        .unwrap();
    assert_eq!(c4["status"], "discretionary");
    assert_eq!(c4["ceiling"], "3000000.00");
    let c1 = v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == 1)
        .unwrap();
    assert_eq!(c1["amount"], "400000.00");
    assert_eq!(c1["items"][1]["amount"], "40000.00");
    assert!(!c1["items"][0]["steps"].as_array().unwrap().is_empty());
}

#[test]
fn outside_the_city_districts_nothing_is_payable() {
    calc()
        .arg("examples/outside-district.toml")
        .assert()
        .success()
        .stdout(contains("不适用: 仅限市区"))
        .stdout(contains("确定金额合计: 0.00 元"));
}

#[test]
fn english_labels_on_request() {
    calc()
        .env("COLUMNS", "1000")
        .args(["examples/university.toml", "--lang", "en"])
        .assert()
        .success()
        .stdout(contains("Determinate total: 2,150,000.00 yuan"))
        .stdout(contains("does not cover"));
}

#[test]
fn as_of_flag_overrides_the_file() {
    // 2028-01-01 is after the policy's end: nothing is payable.
    calc()
        .args(["examples/enterprise.toml", "--as-of", "2028-01-01"])
        .assert()
        .success()
        .stdout(contains("计算基准日: 2028-01-01"))
        .stdout(contains("确定金额合计: 0.00 元"));
}

#[test]
fn the_readme_shows_the_real_output_of_the_example() {
    let readme = std::fs::read_to_string(crate::common::root().join("README.md")).unwrap();
    let start = "<!-- example-output: calc examples/enterprise.toml -->\n```text\n";
    let from = readme
        .find(start)
        .expect("README has the example-output block")
        + start.len();
    let to = from
        + readme[from..]
            .find("```\n<!-- /example-output -->")
            .expect("block end");
    let out = calc().arg("examples/enterprise.toml").output().unwrap();
    assert_eq!(
        &readme[from..to],
        String::from_utf8(out.stdout).unwrap(),
        "README.md's example output is stale: cargo build --release && scripts/update-readme.py"
    );
}

/// The whole JSON of the enterprise example, byte for byte. Its figures are the ones worked by
/// hand in the test above (360,000, 80,000 → 40,000 under the 2026 cap with the 100,000 prior,
/// 2,400,000 → 2,000,000, 1,000,000 − 100,000, 10,000,000 × 1.5% × 365 / 360), each step with
/// its figures as strings beside its sentence. To refresh after an intended change, check the
/// figures again, then: calc examples/enterprise.toml --format json > tests/fixtures/json/enterprise.json
#[test]
fn the_enterprise_json_is_pinned_whole() {
    let out = calc()
        .args(["examples/enterprise.toml", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let pinned =
        std::fs::read_to_string(crate::common::root().join("tests/fixtures/json/enterprise.json"))
            .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), pinned);
}

#[test]
fn each_json_step_carries_its_figures_and_names_what_it_used() {
    let out = calc()
        .args(["examples/enterprise.toml", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let clause = |n: u64| {
        v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clause"] == n)
            .unwrap()
            .clone()
    };
    // HT-002: 10% × 800,000 = 80,000, cut to the 40,000 left of the 2026 cap
    // (500,000 − prior 100,000 − HT-001's 360,000).
    let ht2 = &clause(1)["items"][1]["steps"];
    // First the date window as checked: 2026-03-15 within 2025-01-01 (awards count from) to
    // 2026-06-30 (the as-of date, before the policy's end 2027-12-31).
    assert_eq!(ht2[0]["kind"], "date_in_window");
    assert_eq!(ht2[0]["from"], "2025-01-01");
    assert_eq!(ht2[0]["until"], "2026-06-30");
    assert_eq!(ht2[1]["kind"], "rate_applied");
    assert_eq!(ht2[1]["base"], "800000.00");
    assert_eq!(ht2[1]["rate"], "0.10");
    assert_eq!(ht2[1]["rounded"], "80000.00");
    assert_eq!(ht2[1]["base_field"], "amount");
    assert_eq!(ht2[1]["case"], "autonomous = false");
    assert_eq!(ht2[2]["kind"], "annual_cap");
    assert_eq!(ht2[2]["cap"], "500000.00");
    assert_eq!(ht2[2]["prior"], "100000.00");
    assert_eq!(ht2[2]["earlier"], "360000.00");
    assert_eq!(ht2[2]["before"], "80000.00");
    assert_eq!(ht2[2]["after"], "40000.00");
    // The prior it counts is named: HT-000, 2026, 100,000, and where it came from (the facts
    // file's first [[prior]]).
    assert_eq!(
        ht2[2]["priors"],
        serde_json::json!([{"item": "HT-000", "year": "2026", "amount": "100000.00", "origin": "prior[1]"}])
    );
    assert!(
        ht2[2]["text"]
            .as_str()
            .unwrap()
            .contains("80,000.00 → 40,000.00")
    );
    // 小巨人 1,000,000 less the prior 100,000 under clause 9 (RZ-002, 2025).
    let rz1 = &clause(9)["items"][0]["steps"];
    assert_eq!(rz1[1]["level"], "little_giant");
    assert_eq!(rz1[3]["kind"], "prior_deducted");
    assert_eq!(rz1[3]["deducted"], "100000.00");
    assert_eq!(rz1[3]["after"], "900000.00");
    assert_eq!(rz1[3]["priors"][0]["item"], "RZ-002");
    // RZ-002 itself was paid (the prior names it): status paid, not awarded 0.00.
    assert_eq!(clause(9)["items"][1]["status"], "paid");
    assert_eq!(clause(9)["items"][0]["status"], "awarded");
    assert_eq!(clause(9)["status"], "awarded");
    // 2025-06-01 to 2026-05-31, both counted: until 2026-06-01, 365 days of the 360-day year.
    let dk = &clause(12)["items"][0]["steps"][0];
    assert_eq!(dk["kind"], "interest_days");
    assert_eq!(dk["days"], "365");
    assert_eq!(dk["day_basis"], "360");
    assert_eq!(dk["rounded"], "152083.33");
}

#[test]
fn a_failed_condition_names_the_field_the_condition_and_the_fact() {
    let facts = crate::common::facts_file(&format!(
        "{}\n[application]\ndate = 2026-06-30\n\n[[model]]\nid = \"MX-9\"\nmode = \"api\"\nvertical = false\namount = 100000\ndate = 2026-01-10\n",
        crate::common::ENTERPRISE
    ));
    let out = calc()
        .args([facts.path().to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // After the date window as checked (2026-01-10 is within it).
    let steps = &v["clauses"][0]["items"][0]["steps"];
    assert_eq!(steps[0]["kind"], "date_in_window");
    let step = &steps[1];
    assert_eq!(step["kind"], "condition_failed");
    assert_eq!(step["field"], "vertical");
    assert_eq!(step["condition"], "vertical = true");
    assert_eq!(step["found"], "false");
}

#[test]
fn the_json_names_the_overlays_the_funding_and_the_discretionary_sums() {
    let overlay = "examples/overlays/lucheng-compute-20.toml";
    let v = crate::common::json_of(&["--overlay", overlay, "examples/enterprise.toml"]);
    assert_eq!(v["overlays"], serde_json::json!([overlay]));
    // SPEC §4: clauses 1-3 district with city support, 4-9 city and district, 12 the upper level.
    let funding = |n: u64| {
        let c = v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clause"] == n)
            .unwrap();
        c["funding"]["source"].as_str().unwrap().to_string()
    };
    assert_eq!(funding(1), "district_city_support");
    assert_eq!(funding(5), "shared");
    assert_eq!(funding(12), "upper_level");
    // The university: clause 10 talent_high_level ≤ 2,000,000, no floor; nothing else is open.
    let u = crate::common::json_of(&["examples/university.toml", "--as-of", "2026-06-30"]);
    assert_eq!(
        u["discretionary"],
        serde_json::json!({"floor": "0.00", "ceiling": "2000000.00"})
    );
}

/// Runs `calc` on facts of the test enterprise plus `items`, expecting an input error (exit 2);
/// returns its message.
fn input_error(items: &str) -> String {
    let facts = crate::common::facts_file(&format!(
        "{}\n[application]\ndate = 2026-06-30\n\n{items}",
        crate::common::ENTERPRISE
    ));
    let out = calc().arg(facts.path()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_rate_choosing_fact_left_out_is_an_input_error_naming_it() {
    // SPEC §3 rev. 2: `autonomous` chooses 30% or 10%; absent it is not taken as false.
    let e = input_error("[[compute]]\nid = \"HT-1\"\namount = 100000\ndate = 2026-02-01\n");
    assert!(e.contains("`compute[1].autonomous`"), "{e}");
    assert!(
        e.contains("须填写自主智能算力") || e.contains("须填写"),
        "{e}"
    );
    assert!(e.contains("must be stated"), "{e}");
}

#[test]
fn a_prior_that_names_no_product_of_two_is_an_input_error_asking_which() {
    let e = input_error(
        "[[recognition]]\nid = \"A\"\ntitle = \"first_set_national\"\nsubject = \"产品甲\"\ndate = 2026-02-01\n\n\
         [[recognition]]\nid = \"B\"\ntitle = \"first_set_national\"\nsubject = \"产品乙\"\ndate = 2026-02-02\n\n\
         [[prior]]\nclause = 7\namount = 500000\n",
    );
    assert!(e.contains("`prior[1].subject`"), "{e}");
    assert!(e.contains("say which"), "{e}");
}

#[test]
fn two_priors_for_one_item_with_different_amounts_are_an_input_error_naming_both() {
    let e = input_error(
        "[[recognition]]\nid = \"LG\"\ntitle = \"little_giant\"\ndate = 2026-02-01\nfirst_time = true\n\n\
         [[prior]]\nclause = 9\nitem = \"SME\"\namount = 100000\n\n\
         [[prior]]\nclause = 9\nitem = \"SME\"\namount = 120000\n",
    );
    assert!(e.contains("`prior[2].amount`"), "{e}");
    assert!(
        e.contains("prior[1]") && e.contains("100,000") && e.contains("120,000"),
        "{e}"
    );
}

#[test]
fn a_clause_4_prior_without_its_year_is_an_input_error() {
    let e = input_error(
        "[[rnd]]\nyear = 2025\nexpense = 8000000\n\n[[prior]]\nclause = 4\namount = 1000000\n",
    );
    assert!(e.contains("`prior[1].year`"), "{e}");
}

#[test]
fn an_unnamed_subject_is_grouped_and_the_reason_says_so() {
    // Two 首台（套） without `subject`: one group of the unit's unnamed subjects; 国内 1,000,000
    // beats 省内 500,000, and each item's steps say it was grouped so.
    let facts = crate::common::facts_file(&format!(
        "{}\n[application]\ndate = 2026-06-30\n\n\
         [[recognition]]\nid = \"A\"\ntitle = \"first_set_national\"\ndate = 2026-02-01\n\n\
         [[recognition]]\nid = \"B\"\ntitle = \"first_set_provincial\"\ndate = 2026-02-02\n",
        crate::common::ENTERPRISE
    ));
    let out = calc()
        .args([facts.path().to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c7 = &v["clauses"][0];
    assert_eq!(c7["amount"], "1000000.00");
    for item in c7["items"].as_array().unwrap() {
        let steps = item["steps"].as_array().unwrap();
        let s = steps
            .iter()
            .find(|s| s["kind"] == "unnamed_subject")
            .expect("said");
        assert_eq!(s["field"], "subject");
        assert!(s["text"].as_str().unwrap().contains("未具名"));
    }
}

/// Issue 11 item 6: in a single facts file the clause-3 quota ranks the applicant's own
/// datasets; a tie at the boundary cannot be settled by arithmetic and is an input error.
#[test]
fn a_tie_at_the_quota_boundary_in_a_facts_file_asks_for_a_decision() {
    let scores = [90, 70, 95, 80, 70, 85];
    let items: String = (scores.iter().enumerate())
        .map(|(i, s)| {
            format!(
                "[[dataset]]\nid = \"DS-{i}\"\ninvestment = 100000\nlisted = true\nselected = true\nscore = {s}\ndate = 2026-03-01\n\n"
            )
        })
        .collect();
    // 5th and 6th places both score 70 (DS-1, DS-4): the first of them is named, at its line.
    let e = input_error(&items);
    assert!(e.contains("并列于名额边界"), "{e}");
    assert!(e.contains("decide which are selected"), "{e}");
    assert!(
        e.contains(":21"),
        "the line of DS-1's [[dataset]] table: {e}"
    );
}

#[test]
fn a_prior_of_0_00_is_no_prior_and_marks_nothing_paid() {
    // HT-1 30% × 100,000 = 30,000.00; a prior of 0.00 naming HT-1 is not an award (SPEC §4:
    // only awards above 0.00 are priors), so HT-1 is paid, not 已兑现.
    let facts = crate::common::facts_file(&format!(
        "{}\n[[compute]]\nid = \"HT-1\"\nautonomous = true\namount = 100000\ndate = 2026-02-01\n\n[[prior]]\nclause = 1\nyear = 2026\nitem = \"HT-1\"\namount = 0\n",
        crate::common::ENTERPRISE
    ));
    let v = crate::common::json_of(&[facts.path().to_str().unwrap(), "--as-of", "2026-06-30"]);
    assert_eq!(v["total"], "30000.00");
    assert_eq!(v["clauses"][0]["items"][0]["status"], "awarded");
}
