//! The audit and rule-tooling commands through the binary: `explain`, `rules list|show|check|
//! digest`, `--overlay`, the 13th clause of docs/rules.md, `template`, `schema`, `completions`.

use std::path::Path;

use predicates::str::contains;

use crate::common::{ENTERPRISE, calc, copy_rules, facts_file, root};

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The output of `calc ARGS` on a terminal wide enough that no line wraps: these tests read
/// words; the layout at 80 and 120 columns is tested in screen.rs.
fn stdout_of(args: &[&str]) -> String {
    let out = calc().env("COLUMNS", "1000").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn embedded_digest() -> String {
    stdout_of(&["rules", "digest"]).trim().to_string()
}

// ---- explain ----------------------------------------------------------------------------

#[test]
fn explain_on_a_capped_case_shows_the_cap_and_what_was_deducted() {
    // examples/enterprise.toml, clause 1: HT-001 30% × 1,200,000 = 360,000; HT-002 10% × 800,000
    // = 80,000; the 2026 cap 500,000 less the prior 100,000 less HT-001's 360,000 leaves 40,000.
    let out = stdout_of(&["explain", "examples/enterprise.toml", "--clause", "1"]);
    assert!(out.contains("第 1 条 算力券"), "{out}");
    assert!(out.contains("条款原文: “（一）实施“算力券”"), "{out}");
    assert!(out.contains("合同实际执行金额 = 800,000.00"), "{out}");
    assert!(
        out.contains("合同实际执行金额 1,200,000.00 × 30% (自主智能算力) = 360,000.00"),
        "{out}"
    );
    assert!(
        out.contains(
            "2026年度上限 500,000.00，已获 100,000.00 (HT-000，prior[1])，前项已用 360,000.00: 80,000.00 → 40,000.00"
        ),
        "{out}"
    );
    assert!(out.contains("“同一单位每年补助金额不超过50万元”"), "{out}");
    assert!(out.contains("本项由 80,000.00 减为 40,000.00"), "{out}");
    assert!(out.contains("“不高于30%/10%”按上限比例计算"), "{out}");
    // Only clause 1, and the footer names the rules and the as-of date.
    assert!(!out.contains("第 9 条"), "{out}");
    let digest = embedded_digest();
    assert!(
        out.contains(&format!(
            "规则版本 2025.45.7 · 计算基准日 2026-06-30\nsha256 {digest}\n"
        )),
        "{out}"
    );
}

#[test]
fn explain_shows_the_non_duplication_decision_and_the_prior_deduction() {
    // Clause 9: 小巨人 1,000,000 beats 专精特新 100,000 (就高执行); the prior 100,000 is deducted.
    let out = stdout_of(&["explain", "examples/enterprise.toml", "--clause", "9"]);
    assert!(
        out.contains("就高执行、不重复享受: 按 RZ-001 (1,000,000.00) 执行"),
        "{out}"
    );
    assert!(
        out.contains("本项 100,000.00 不高于 RZ-001 的 1,000,000.00"),
        "{out}"
    );
    assert!(
        out.contains(
            "扣除本条已获奖励 100,000.00 (RZ-002，2025年度，prior[2]): 1,000,000.00 → 900,000.00"
        ),
        "{out}"
    );
    // The gates checked, passed ones too, and each item's date window.
    assert!(out.contains("已核对的门槛:"), "{out}");
    assert!(out.contains("  ✓ 所属区县 鹿城区 在市区范围内"), "{out}");
    assert!(out.contains("  ✓ 依法纳税: 是"), "{out}");
    assert!(
        out.contains("日期 2025-11-02 在时间窗 2025-01-01 至 2026-06-30 内"),
        "{out}"
    );
    assert!(
        out.contains("该事项已兑现 100,000.00 (2025年度，prior[2])，不再重复兑现"),
        "{out}"
    );
    assert!(out.contains("    = 已兑现，本次不再兑现 (0.00)"), "{out}");
    assert!(out.contains("= 本项 900,000.00 元"), "{out}");
}

#[test]
fn explain_on_an_ineligible_case_names_the_failed_condition_and_the_value() {
    // 依法纳税 not stated: every clause is ineligible for an enterprise (附则1).
    let text = ENTERPRISE.replace("tax_compliant = true\n", "")
        + "[application]\ndate = 2026-06-30\n\n[[dataset]]\nid = \"DS-1\"\ninvestment = 100000\nlisted = false\nselected = true\ndate = 2026-04-01\n";
    let f = facts_file(&text);
    let path = f.path().to_str().unwrap();
    let out = stdout_of(&["explain", path]);
    assert!(out.contains("第 3 条 语料券 ━━ 不符合 0.00 元"), "{out}");
    assert!(out.contains("✗ 依法纳税: 未确认 (未填写)"), "{out}");
    assert!(
        out.contains("依据: “所指企业原则上为申报时依法登记在册、依法纳税"),
        "{out}"
    );

    // With the gate confirmed, the item's own condition fails, with the fact's value.
    let f = facts_file(
        &(ENTERPRISE.to_string()
            + "[application]\ndate = 2026-06-30\n\n[[dataset]]\nid = \"DS-1\"\ninvestment = 100000\nlisted = false\nselected = true\ndate = 2026-04-01\n"),
    );
    let out = stdout_of(&["explain", f.path().to_str().unwrap(), "--lang", "en"]);
    assert!(
        out.contains("✗ listed on the Wenzhou data exchange: no"),
        "{out}"
    );
    assert!(out.contains("= not eligible, 0.00"), "{out}");
}

#[test]
fn explain_json_carries_the_steps_and_the_digest() {
    let out = stdout_of(&["explain", "examples/enterprise.toml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rules_digest"], embedded_digest());
    assert_eq!(v["as_of"], "2026-06-30");
    assert_eq!(v["total"], "3932083.33");
    let c1 = v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == 1)
        .unwrap();
    let ht2 = &c1["items"][1];
    assert_eq!(ht2["id"], "HT-002");
    assert_eq!(ht2["amount"], "40000.00");
    assert_eq!(ht2["facts"]["amount"], "800000.00");
    let cap = ht2["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "annual_cap")
        .unwrap();
    assert!(cap["note"].as_str().unwrap().contains("减为 40,000.00"));
}

#[test]
fn explain_of_an_unknown_clause_is_refused() {
    calc()
        .args(["explain", "examples/enterprise.toml", "--clause", "99"])
        .assert()
        .code(2)
        .stderr(contains("99"));
}

#[test]
fn the_readme_shows_a_real_explain_output() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start =
        "<!-- example-output: calc explain examples/enterprise.toml --clause 9 -->\n```text\n";
    let at = readme.find(start).expect("README has the explain block") + start.len();
    let end = at + readme[at..].find("```\n").unwrap();
    let shown = &readme[at..end];
    // At the default width (no terminal, no COLUMNS), as scripts/update-readme.py makes it.
    let out = calc()
        .args(["explain", "examples/enterprise.toml", "--clause", "9"])
        .output()
        .unwrap();
    assert_eq!(shown, String::from_utf8(out.stdout).unwrap());
}

// ---- rules ------------------------------------------------------------------------------

#[test]
fn rules_list_shows_every_clause_with_its_cap_and_units() {
    let out = stdout_of(&["rules", "list"]);
    for title in ["算力券", "语料券", "企业做优做强", "贷款贴息"] {
        assert!(out.contains(title), "{title}: {out}");
    }
    assert!(out.contains("每单位每年 500,000.00"), "{out}");
    assert!(out.contains("每项 2,000,000.00"), "{out}");
    assert!(out.contains("人行温州市分行"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&stdout_of(&["rules", "list", "--format", "json"])).unwrap();
    assert_eq!(v["clauses"].as_array().unwrap().len(), 12);
    assert_eq!(v["clauses"][3]["award_kind"], "tiers");
}

#[test]
fn rules_show_gives_text_parameters_and_notes() {
    let out = stdout_of(&["rules", "show", "12"]);
    assert!(
        out.contains("对符合贴息条件的贷款本金给予 1.5 个百分点的贴息支持"),
        "{out}"
    );
    assert!(out.contains("本金 × 1.5% × 天数 / 360"), "{out}");
    assert!(out.contains("符合贴息条件 须为是"), "{out}");
    assert!(out.contains("算头不算尾"), "{out}");
    calc().args(["rules", "show", "13"]).assert().code(2);
}

#[test]
fn rules_check_passes_on_the_shipped_rules_and_a_copy() {
    let dir = copy_rules();
    let out = stdout_of(&["rules", "check", dir.path().to_str().unwrap()]);
    assert!(out.contains("12 条款 clauses"), "{out}");
    // The same files give the same digest, wherever they are.
    assert!(out.contains(&embedded_digest()), "{out}");
}

#[test]
fn a_rules_folder_with_an_unknown_key_is_rejected_with_file_line_and_key() {
    let dir = copy_rules();
    let c1 = dir.path().join("clauses/01-compute-voucher.toml");
    // Line 4 of the file is `title_en = ...`; the unknown key goes in front of it.
    edit(&c1, "title_en", "colour = \"red\"\ntitle_en");
    let out = calc()
        .args(["rules", "check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("clauses/01-compute-voucher.toml:4:1"),
        "{text}"
    );
    assert!(text.contains("colour"), "{text}");
    // Evaluating with the folder is refused the same way.
    calc()
        .args([
            "examples/enterprise.toml",
            "--rules",
            dir.path().to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(contains("clauses/01-compute-voucher.toml:4:1"))
        .stderr(contains("colour"));
}

#[test]
fn rules_check_reports_every_problem_at_once() {
    let dir = copy_rules();
    let d = dir.path();
    edit(
        &d.join("clauses/05-major-project.toml"),
        "rate = \"20%\"",
        "rate = \"120%\"",
    );
    edit(
        &d.join("clauses/02-model-voucher.toml"),
        "amount = \"500000\"",
        "amount = \"-500000\"",
    );
    edit(
        &d.join("clauses/02-model-voucher.toml"),
        "clause = 2",
        "clause = \"two\"",
    );
    edit(
        &d.join("clauses/03-data-voucher.toml"),
        "field = \"listed\"",
        "field = \"lsited\"",
    );
    edit(
        &d.join("clauses/07-first-set.toml"),
        "clause = 7",
        "clause = 6",
    );
    edit(
        &d.join("clauses/08-poc-pilot.toml"),
        "\"poc_center\"",
        "\"poc_centre\"",
    );
    edit(
        &d.join("policy.toml"),
        "effective_until = 2027-12-31",
        "effective_until = 2024-12-31",
    );
    let out = calc()
        .args(["rules", "check", d.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "clauses/05-major-project.toml",
        "120%",
        "clauses/02-model-voucher.toml:1:10",
        "integer",
        "cap.amount",
        "clauses/03-data-voucher.toml",
        "lsited",
        "条款号 6",
        "poc_centre",
        "policy.toml",
        "effective_until",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

/// Regression: a fact of the wrong type was reported with the type's name in both languages in
/// each half ("应为 金额: … / an amount: …" in the Chinese and again in the English).
#[test]
fn a_fact_of_the_wrong_type_names_the_type_in_each_language_once() {
    let dir = copy_rules();
    let d = dir.path();
    edit(
        &d.join("clauses/01-compute-voucher.toml"),
        "base = \"amount\"",
        "base = \"autonomous\"",
    );
    let out = calc()
        .args(["rules", "check", d.to_str().unwrap()])
        .env("COLUMNS", "400") // one line a problem
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = (text.lines())
        .find(|l| l.contains("autonomous"))
        .unwrap_or_else(|| panic!("{text}"));
    let (zh, en) = line.split_once(" / ").unwrap_or_else(|| panic!("{line}"));
    assert!(zh.contains("应为 金额"), "{line}");
    assert!(!zh.contains("an amount"), "{line}");
    assert!(en.contains("expected an amount"), "{line}");
    assert!(!en.contains("金额:"), "{line}");
}

/// Regression: a misspelt fact was placed at its first quoted mention in the file, here in the
/// clause's own text (line 11), instead of at the key that names it (line 23, `field = ...`).
#[test]
fn a_problem_is_placed_at_its_key_not_at_a_mention_in_the_clause_text() {
    let dir = copy_rules();
    let c3 = dir.path().join("clauses/03-data-voucher.toml");
    edit(&c3, "field = \"listed\"", "field = \"lsited\"");
    edit(
        &c3,
        "text = \"\"\"\n",
        "text = \"\"\"\n\"lsited\" 是一个拼错的事实名。\n",
    );
    let text = std::fs::read_to_string(&c3).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_eq!((line("是一个拼错的"), line("field = \"lsited\"")), (11, 23));
    let out = calc()
        .args(["rules", "check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = String::from_utf8(out.stdout).unwrap();
    // Column 9: the value of `field = "lsited"`, the first of the clause's conditions.
    assert!(
        out.contains("clauses/03-data-voucher.toml:23:9: 字段 field `conditions[1].field`: 未知的事实 `lsited`"),
        "{out}"
    );
    assert!(!out.contains("clauses/03-data-voucher.toml:11:"), "{out}");
}

/// Every missing key of a file is reported, each at its table, and a misspelt key names the
/// key it is nearest to.
#[test]
fn rules_check_reports_every_missing_key_and_suggests_the_nearest() {
    let dir = copy_rules();
    std::fs::write(
        dir.path().join("clauses/13-draft.toml"),
        "clause = 13\nkey = \"draft\"\ntitel = \"x\"\n[award]\nkind = \"levels\"\n[cap]\nscope = \"item\"\n",
    )
    .unwrap();
    let out = calc()
        .args(["rules", "check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.contains(
            "clauses/13-draft.toml:3:1: 字段 field `titel`: 未知的键 `titel`，是否应为 `title`？"
        ),
        "{out}"
    );
    for (at, key) in [
        ("1:1", "title"),
        ("1:1", "title_en"),
        ("1:1", "section"),
        ("1:1", "applicants"),
        ("1:1", "text"),
        ("1:1", "combine"),
        ("4:2", "award.by"),
        ("4:2", "award.levels"),
        ("6:2", "cap.amount"),
    ] {
        assert!(
            out.contains(&format!(
                "clauses/13-draft.toml:{at}: 字段 field `{key}`: 缺少必填键"
            )),
            "{key}: {out}"
        );
    }
    assert!(
        out.contains("发现 10 个问题 / 10 problem(s) found"),
        "{out}"
    );
}

#[test]
fn a_title_no_clause_pays_is_a_warning_not_an_error() {
    let dir = copy_rules();
    // Clause 9 no longer pays 单项冠军: the vocabulary still lists it.
    edit(
        &dir.path().join("clauses/09-excellence.toml"),
        "  { value = \"single_champion\", amount = \"2000000\", requires = [\"first_time\"] },\n",
        "",
    );
    let out = stdout_of(&["rules", "check", dir.path().to_str().unwrap()]);
    assert!(
        out.contains("警告") && out.contains("single_champion"),
        "{out}"
    );
    assert!(out.contains("1 警告 warnings"), "{out}");
}

// ---- overlays ---------------------------------------------------------------------------

#[test]
fn an_overlay_changes_the_figure_and_the_digest() {
    // 鹿城区 at 20%: HT-001 20% × 1,200,000 = 240,000; HT-002 10% × 800,000 = 80,000; together
    // 320,000 within the 400,000 left of the 2026 cap. Total: 3,932,083.33 − 400,000 + 320,000
    // = 3,852,083.33 (3,932,083.33: the example's total, clause 12's end day counted, SPEC rev. 2).
    let overlay = "examples/overlays/lucheng-compute-20.toml";
    let out = stdout_of(&[
        "examples/enterprise.toml",
        "--overlay",
        overlay,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], "3852083.33");
    let c1 = &v["clauses"][0];
    assert_eq!(c1["amount"], "320000.00");
    let digest = v["rules_digest"].as_str().unwrap();
    assert_ne!(digest, embedded_digest());
    assert_eq!(
        stdout_of(&["rules", "digest", "--overlay", overlay]).trim(),
        digest
    );
    let explained = stdout_of(&[
        "explain",
        "examples/enterprise.toml",
        "--overlay",
        overlay,
        "--clause",
        "1",
    ]);
    assert!(
        explained.contains("× 20% (自主智能算力 (鹿城区 20%)) = 240,000.00"),
        "{explained}"
    );
    assert!(
        explained.contains(&format!("sha256 {digest}")),
        "{explained}"
    );
    assert!(
        explained.contains("overlay examples/overlays/lucheng-compute-20.toml"),
        "{explained}"
    );
}

#[test]
fn a_county_adopting_the_policy_by_overlay() {
    // 瑞安市 enterprise, autonomous compute 1,000,000 × 30% = 300,000 (under the 500,000 cap).
    let overlay = "examples/overlays/ruian-adopts.toml";
    calc()
        .args(["examples/outside-district.toml", "--overlay", overlay])
        .assert()
        .success()
        .stdout(contains("确定金额合计: 300,000.00 元"));
    let out = stdout_of(&[
        "explain",
        "examples/outside-district.toml",
        "--overlay",
        overlay,
    ]);
    assert!(
        out.contains("参照执行: 瑞安市 (4.各县（市）可参照执行。)"),
        "{out}"
    );
}

#[test]
fn illustrative_clause_4_tiers_make_it_computable() {
    // ILLUSTRATIVE tiers: expense 8,000,000 ≥ 5,000,000 → tier 2, 500,000 (ceiling 3,000,000).
    // Total: 3,932,083.33 + 500,000 = 4,432,083.33.
    let overlay = "examples/overlays/clause4-tiers-ILLUSTRATIVE.toml";
    let text = std::fs::read_to_string(root().join(overlay)).unwrap();
    assert!(text.contains("ILLUSTRATIVE ONLY — NOT THE OFFICIAL 温政发〔2025〕8号 TIERS"));
    let out = stdout_of(&[
        "examples/enterprise.toml",
        "--overlay",
        overlay,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], "4432083.33");
    let c4 = v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == 4)
        .unwrap();
    assert_eq!(c4["status"], "awarded");
    assert_eq!(c4["amount"], "500000.00");
    assert!(c4["title"].as_str().unwrap().contains("非正式"));
}

#[test]
fn overlays_apply_in_order_and_can_disable_and_add() {
    let a = facts_file("[clause.1.award]\nrates = [{ rate = \"20%\" }]\n");
    let b = facts_file("disable = [6]\n[clause.1.award]\nrates = [{ rate = \"25%\" }]\n");
    let out = stdout_of(&[
        "examples/enterprise.toml",
        "--overlay",
        a.path().to_str().unwrap(),
        "--overlay",
        b.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The later overlay wins: 25% × 1,200,000 = 300,000; 25% × 800,000 = 200,000 → cut to 100,000
    // (400,000 left of the 2026 cap after the prior 100,000 and HT-001's 300,000).
    assert_eq!(v["clauses"][0]["items"][0]["amount"], "300000.00");
    assert_eq!(v["clauses"][0]["items"][1]["amount"], "100000.00");
    // Clause 6 (RZ-003, 行业型服务商) is disabled; clause 9 still counts.
    assert!(
        v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["clause"] == 9)
    );
    assert!(
        !v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["clause"] == 6)
    );
}

#[test]
fn an_error_in_an_overlay_names_the_overlay_file_and_line() {
    let bad = facts_file("name = \"x\"\n\n[clause.1.award]\nrates = [{ rate = \"130%\" }]\n");
    let shown = bad.path().to_str().unwrap();
    calc()
        .args(["examples/enterprise.toml", "--overlay", shown])
        .assert()
        .code(2)
        .stderr(contains(format!("{shown}:4:")))
        .stderr(contains("130%"));
    let unknown = facts_file("[clause.99]\ntitle = \"x\"\n");
    let shown = unknown.path().to_str().unwrap();
    calc()
        .args(["rules", "check", "--overlay", shown])
        .assert()
        .code(2)
        .stdout(contains(format!("{shown}:1:")))
        .stdout(contains("99"));
    let key = facts_file("[clause.2]\ncolour = \"red\"\n");
    let shown = key.path().to_str().unwrap();
    calc()
        .args(["rules", "check", "--overlay", shown])
        .assert()
        .code(2)
        .stdout(contains(format!("{shown}:2:1")))
        .stdout(contains("colour"));
}

/// An overlay that makes a key of the shipped file wrong (clause 1's `rates` under a `tiers`
/// award) is placed at the overlay's table for that clause, not left without a line, and not at
/// another clause's table of the same name.
#[test]
fn an_overlay_error_from_a_base_key_is_placed_at_the_clause_s_table() {
    let overlay =
        facts_file("[clause.2.award]\nkind = \"rate\"\n\n[clause.1.award]\nkind = \"tiers\"\n");
    let shown = overlay.path().to_str().unwrap();
    calc()
        .args(["examples/enterprise.toml", "--overlay", shown])
        .assert()
        .code(2)
        // Each error's Chinese and English on lines of their own (SPEC §5).
        .stderr(contains(format!("错误: {shown}:4:11: 字段 `award.rates`")))
        .stderr(contains(format!(
            "error: {shown}:4:11: field `award.rates`"
        )))
        .stderr(contains(format!(
            "错误: {shown}:4:11: 字段 `award.ceiling`"
        )));
}

// ---- the 13th clause of docs/rules.md ---------------------------------------------------

/// The TOML block of docs/rules.md that follows `<!-- rules-guide: NAME -->`.
fn guide_block(name: &str) -> String {
    let guide = std::fs::read_to_string(root().join("docs/rules.md")).unwrap();
    let marker = format!("<!-- rules-guide: {name} -->\n```toml\n");
    let at = guide
        .find(&marker)
        .unwrap_or_else(|| panic!("no block {name}"))
        + marker.len();
    let end = at + guide[at..].find("```\n").unwrap();
    guide[at..end].to_string()
}

#[test]
fn a_13th_clause_written_from_the_guide_works_without_rebuilding() {
    let dir = copy_rules();
    let vocab = dir.path().join("vocabulary.toml");
    let mut text = std::fs::read_to_string(&vocab).unwrap();
    text.push('\n');
    text.push_str(&guide_block("vocabulary.toml (append)"));
    std::fs::write(&vocab, text).unwrap();
    std::fs::write(
        dir.path().join("clauses/13-scenario.toml"),
        guide_block("clauses/13-scenario.toml"),
    )
    .unwrap();
    let rules = dir.path().to_str().unwrap();
    let check = stdout_of(&["rules", "check", rules]);
    assert!(check.contains("13 条款 clauses"), "{check}");

    let facts = facts_file(
        &(ENTERPRISE.to_string()
            + "[application]\ndate = 2026-06-30\n\n"
            + &guide_block("applicant items")),
    );
    let out = stdout_of(&[
        facts.path().to_str().unwrap(),
        "--rules",
        rules,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Worked in docs/rules.md: 345,678.905 → 345,678.91; 200,000 cut to 154,321.09; SC-003 not
    // accepted; clause 13 = 500,000.00.
    let c = &v["clauses"][0];
    assert_eq!(c["clause"], 13);
    assert_eq!(c["status"], "awarded");
    assert_eq!(c["items"][0]["amount"], "345678.91");
    assert_eq!(c["items"][1]["amount"], "154321.09");
    assert_eq!(c["items"][2]["amount"], "0.00");
    assert_eq!(c["amount"], "500000.00");
    assert_eq!(v["total"], "500000.00");
    // CALC_RULES does the same as --rules.
    let out = calc()
        .env("CALC_RULES", rules)
        .arg(facts.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("确定金额合计: 500,000.00 元"));
}

// ---- template, schema, completions ------------------------------------------------------

#[test]
fn the_template_is_a_commented_applicant_file() {
    let out = stdout_of(&["template"]);
    let parsed: toml::Table = toml::from_str(&out).expect("valid TOML");
    assert!(parsed.contains_key("applicant"));
    assert!(out.contains("# 统一社会信用代码，必填"), "{out}");
    assert!(
        out.contains("# [[compute]]  # 算力服务合同，用于第 1 条 算力券"),
        "{out}"
    );
    // Yes/no facts are left to be stated: commented out with their meaning, never pre-set to
    // false (an official who left them got every clause 不符合).
    // Each fact's note on the lines above it (the file fits 80 columns).
    let lines: Vec<&str> = out.lines().collect();
    let note_of = |at: usize| {
        let mut k = at;
        while k > 0 && lines[k - 1].starts_with("# ") && !lines[k - 1].contains(" = ") {
            k -= 1;
        }
        lines[k..at].join("")
    };
    for key in ["registered", "tax_compliant", "ai_industry"] {
        let at = (lines.iter())
            .position(|l| l.trim_start_matches("# ").starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} in {out}"));
        assert_eq!(lines[at], format!("# {key} = true"), "commented out");
        assert!(note_of(at).contains("企业、合伙企业须为“是”"), "{out}");
    }
    assert!(!out.contains("= false"), "{out}");
    assert!(
        !parsed["applicant"]
            .as_table()
            .unwrap()
            .contains_key("registered")
    );
    // Every note says whether the fact is required; a rate-choosing fact is.
    for (at, l) in lines.iter().enumerate() {
        if l.contains(" = ") && !l.contains("[[") {
            let note = note_of(at);
            assert!(
                note.contains("必填") || note.contains("选填"),
                "{l}: {note}"
            );
        }
    }
    assert!(
        out.contains("#   自主智能算力，必填（决定适用的比例"),
        "{out}"
    );
    for l in &lines {
        assert!(
            unicode_width::UnicodeWidthStr::width(*l) <= 80,
            "wider than 80: {l}"
        );
    }
    // A blank template is not a valid application: the credit code must be filled in.
    let f = facts_file(&out);
    calc()
        .arg(f.path())
        .assert()
        .code(2)
        .stderr(contains("credit_code"));
}

#[test]
fn the_csv_template_is_the_header_row_in_chinese() {
    let out = stdout_of(&["template", "--csv"]);
    assert_eq!(out.lines().count(), 1);
    assert!(
        out.starts_with("\u{feff}类型,单位名称,统一社会信用代码,主体类型,所属区县"),
        "{out}"
    );
    assert!(out.contains("贷款本金"), "{out}");
}

#[test]
fn the_committed_schema_is_in_sync() {
    let out = stdout_of(&["schema"]);
    let committed = std::fs::read_to_string(root().join("docs/facts.schema.json")).unwrap();
    assert_eq!(out, committed, "run `calc schema > docs/facts.schema.json`");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["properties"]["compute"]["type"], "array");
    assert_eq!(
        v["properties"]["applicant"]["properties"]["kind"]["enum"][0],
        "enterprise"
    );
    // Every key of the shipped examples is a property of the schema.
    for ex in ["enterprise", "university", "outside-district"] {
        let t: toml::Table = toml::from_str(
            &std::fs::read_to_string(root().join(format!("examples/{ex}.toml"))).unwrap(),
        )
        .unwrap();
        for (section, value) in &t {
            let props = &v["properties"][section];
            assert!(!props.is_null(), "{ex}: {section}");
            let tables: Vec<&toml::Table> = match value {
                toml::Value::Table(t) => vec![t],
                toml::Value::Array(a) => a.iter().filter_map(|x| x.as_table()).collect(),
                _ => vec![],
            };
            let fields = if props["type"] == "array" {
                &props["items"]["properties"]
            } else {
                &props["properties"]
            };
            for tbl in tables {
                for k in tbl.keys() {
                    assert!(!fields[k].is_null(), "{ex}: {section}.{k}");
                }
            }
        }
    }
}

#[test]
fn completions_for_bash() {
    calc()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(contains("_calc()"))
        .stdout(contains("explain"));
}

#[test]
fn global_options_may_stand_before_the_subcommand() {
    // Regression: `calc --overlay X rules digest` was a usage error while `calc rules digest --overlay X` worked.
    let overlay = "examples/overlays/lucheng-compute-20.toml";
    let before = calc()
        .args(["--overlay", overlay, "rules", "digest"])
        .output()
        .unwrap();
    let after = calc()
        .args(["rules", "digest", "--overlay", overlay])
        .output()
        .unwrap();
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    assert_eq!(before.stdout, after.stdout);
    let plain = calc().args(["rules", "digest"]).output().unwrap();
    assert_ne!(
        before.stdout, plain.stdout,
        "the overlay must change the digest"
    );
}

#[test]
fn the_csv_template_header_is_read_by_batch() {
    // A row under `calc template --csv`'s header: 30% × 1,000,000 autonomous compute = 300,000.00.
    let header = calc().args(["template", "--csv"]).output().unwrap();
    assert!(header.status.success());
    let header = String::from_utf8(header.stdout).unwrap();
    let columns: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split(',')
        .collect();
    let value = |c: &str| match c {
        "类型" => "算力券",
        "单位名称" => "甲",
        "统一社会信用代码" => "91330302MA2H00001Y",
        "主体类型" => "企业",
        "所属区县" => "鹿城区",
        "依法登记在册" | "依法纳税" | "符合人工智能产业集聚发展导向" | "自主智能算力" => {
            "是"
        }
        "编号" => "HT-1",
        "合同实际执行金额" => "1000000",
        "日期" => "2026-01-01",
        _ => "",
    };
    let row: Vec<&str> = columns.iter().map(|c| value(c)).collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("round.csv");
    std::fs::write(
        &input,
        format!("{}\n{}\n", columns.join(","), row.join(",")),
    )
    .unwrap();
    let output = dir.path().join("out.csv");
    calc()
        .args(["batch", "--as-of", "2026-06-30", "-o"])
        .arg(&output)
        .arg(&input)
        .assert()
        .success();
    let out = std::fs::read_to_string(&output).unwrap();
    assert!(out.contains(",1,300000.00,,,核定,"), "{out}");
}

/// A prior under a clause an overlay disables changes no figure and is set aside; a prior under
/// a clause the rules never had is still an error.
#[test]
fn a_prior_under_a_disabled_clause_is_set_aside() {
    let enterprise = std::fs::read_to_string(root().join("examples/enterprise.toml")).unwrap();
    let with_prior = facts_file(&format!(
        "{enterprise}\n[[prior]]\nclause = 6\nitem = \"RZ-000\"\namount = 50000\n"
    ));
    let no6 = facts_file("disable = [6]\n");
    let json = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![with_prior.path().to_str().unwrap(), "--format", "json"];
        args.extend(extra);
        serde_json::from_str(&stdout_of(&args)).unwrap()
    };
    let clause = |v: &serde_json::Value, n: u64| {
        v["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["clause"] == n)
            .cloned()
    };
    // City rules: 行业型数字化服务商 150,000 less the prior 50,000 = 100,000.
    let city = json(&[]);
    assert_eq!(clause(&city, 6).unwrap()["amount"], "100000.00");
    // Clause 6 disabled: no clause 6, the prior set aside, every other clause as before.
    let district = json(&["--overlay", no6.path().to_str().unwrap()]);
    assert!(clause(&district, 6).is_none());
    for n in [1, 9, 12] {
        assert_eq!(clause(&district, n), clause(&city, n), "clause {n}");
    }
    let typo = facts_file(&format!(
        "{enterprise}\n[[prior]]\nclause = 66\namount = 50000\n"
    ));
    calc()
        .arg(typo.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no clause 66"));
}

/// The whole `explain --format json` of the enterprise example, byte for byte: the same items
/// and steps as `--format json` (tests/fixtures/json/enterprise.json, figures checked by hand
/// there), with the facts each item used, each step's note and the clause texts. To refresh:
/// calc explain examples/enterprise.toml --format json > tests/fixtures/json/enterprise.explain.json
#[test]
fn the_enterprise_explain_json_is_pinned_whole() {
    let out = stdout_of(&["explain", "examples/enterprise.toml", "--format", "json"]);
    let pinned =
        std::fs::read_to_string(root().join("tests/fixtures/json/enterprise.explain.json"))
            .unwrap();
    assert_eq!(out, pinned);
}

#[test]
fn explain_json_and_json_say_the_same_steps() {
    let plain: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "examples/enterprise.toml",
        "--format",
        "json",
    ]))
    .unwrap();
    let explained: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "explain",
        "examples/enterprise.toml",
        "--format",
        "json",
    ]))
    .unwrap();
    let steps = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        let mut all = Vec::new();
        for c in v["clauses"].as_array().unwrap() {
            for it in c["items"].as_array().unwrap() {
                for s in it["steps"].as_array().unwrap() {
                    let mut s = s.clone();
                    s.as_object_mut().unwrap().remove("note");
                    all.push(s);
                }
            }
        }
        all
    };
    assert_eq!(steps(&plain), steps(&explained));
}

#[test]
fn a_clause_names_a_funding_source_of_the_policy_and_rules_show_says_it() {
    // 附则2: clauses 1 to 3 are paid by the districts with the city's yearly support.
    let shown = stdout_of(&["rules", "show", "2"]);
    assert!(
        shown.contains("资金来源: 各区兑现，市级每年安排资金支持 “第一、二、三条政策市级每年安排一定金额支持各区兑现”"),
        "{shown}"
    );
    // A misspelt source is a rules problem at the key's value, naming the known ones.
    let dir = copy_rules();
    edit(
        &dir.path().join("clauses/05-major-project.toml"),
        "funding = \"shared\"",
        "funding = \"sharde\"",
    );
    calc()
        .env("COLUMNS", "1000")
        .args(["rules", "check"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(contains(
            "clauses/05-major-project.toml:9:11: 字段 field `funding`",
        ))
        .stdout(contains("unknown funding source `sharde`"))
        .stdout(contains(
            "district_city_support, shared, talent_policy, upper_level",
        ));
}

#[test]
fn explain_shows_the_group_range_and_the_prior_deducted_from_it() {
    // Clause 11, one founder with both titles (no subject: the unit's unnamed group): floor
    // max(300,000, 5,000,000) = 5,000,000, ceiling 30,000,000; prior 1,200,000 deducted from both:
    // 3,800,000 to 28,800,000 (SPEC rev. 2 §4). The prior names RC-1, which puts it in that group
    // (SPEC rev. 3 §4: a prior naming no item and no subject is an input error; under rev. 2 it
    // named neither and fell in the one group).
    let f = facts_file(
        &(ENTERPRISE.to_string()
            + "[application]\ndate = 2026-06-30\n\n\
               [[recognition]]\nid = \"RC-1\"\ntitle = \"leading_team_provincial\"\ndate = 2025-12-01\n\n\
               [[recognition]]\nid = \"RC-2\"\ntitle = \"entrepreneur_ouyue\"\ndate = 2026-03-01\n\n\
               [[prior]]\nclause = 11\nitem = \"RC-1\"\namount = 1200000\n"),
    );
    let out = stdout_of(&["explain", f.path().to_str().unwrap()]);
    assert!(out.contains("每个认定对象取最高一项"), "{out}");
    assert!(
        out.contains("认定对象 未填写: 与本单位其他未具名的对象合为一组就高"),
        "{out}"
    );
    assert!(out.contains(": 5,000,000.00 至 30,000,000.00"), "{out}");
    assert!(
        out.contains("扣除本条本组已获奖励 1,200,000.00 (RC-1，prior[1]): 5,000,000.00 至 30,000,000.00 → 3,800,000.00 至 28,800,000.00"),
        "{out}"
    );
    assert!(
        out.contains("= 酌定 3,800,000.00 至 28,800,000.00"),
        "{out}"
    );
    let en = stdout_of(&["explain", f.path().to_str().unwrap(), "--lang", "en"]);
    assert!(en.contains("per subject"), "{en}");
    assert!(
        en.contains("= discretionary, 3,800,000.00 to 28,800,000.00"),
        "{en}"
    );
}

#[test]
fn explain_says_why_a_clause_4_year_is_not_counted() {
    // As of 2026-06-30 only 2025 (上年度) counts; 2024 fails with the year it should be.
    let f = facts_file(
        &(ENTERPRISE.to_string()
            + "[application]\ndate = 2026-06-30\n\n[[rnd]]\nyear = 2024\nexpense = 8000000\n"),
    );
    let out = stdout_of(&["explain", f.path().to_str().unwrap()]);
    assert!(out.contains("2024 不是计算基准日的上年度 2025"), "{out}");
}

#[test]
fn a_district_scoped_overlay_applies_to_that_district_s_applicants_only() {
    let overlay = "examples/overlays/lucheng-compute-20.toml";
    let json = |facts: &str| -> serde_json::Value {
        let f = facts_file(facts);
        let out = calc()
            .args([
                "--overlay",
                overlay,
                "--format",
                "json",
                "--as-of",
                "2026-06-30",
            ])
            .arg(f.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let compute =
        "[[compute]]\nid = \"HT-1\"\nautonomous = true\namount = 1000000\ndate = 2026-02-01\n";
    // 鹿城区 at its own 20%: 1,000,000 × 20% = 200,000.00; the overlay is named.
    let lucheng = json(&format!("{ENTERPRISE}{compute}"));
    assert_eq!(lucheng["total"], "200000.00");
    assert_eq!(lucheng["overlays"], serde_json::json!([overlay]));
    // 龙湾区 at the city's 30%: 300,000.00; no overlay applied to it.
    let longwan = json(&format!(
        "{}{compute}",
        ENTERPRISE.replace("鹿城区", "龙湾区")
    ));
    assert_eq!(longwan["total"], "300000.00");
    assert_eq!(longwan["overlays"], serde_json::json!([]));
    // One digest covers the rules of both, and it is not the embedded rules' own.
    assert_eq!(lucheng["rules_digest"], longwan["rules_digest"]);
    assert_ne!(
        lucheng["rules_digest"].as_str(),
        Some(embedded_digest().as_str())
    );
    // A scope naming no district is refused with the nearest.
    let bad = facts_file("[scope]\ndistricts = [\"鹿城\"]\n");
    calc()
        .args(["--overlay", bad.path().to_str().unwrap(), "rules", "digest"])
        .assert()
        .code(2)
        .stderr(contains("did you mean 鹿城区?"));
}

#[test]
fn a_city_wide_round_pays_each_district_at_its_own_rate() {
    // 鹿城区 at 20% by the scoped overlay, 龙湾区 at the city's 30%, in one round:
    // 1,000,000 × 20% = 200,000.00 and 1,000,000 × 30% = 300,000.00; summary total 500,000.00.
    let dir = tempfile::tempdir().unwrap();
    let round = dir.path().join("round.csv");
    std::fs::write(
        &round,
        "类型,单位名称,统一社会信用代码,主体类型,所属区县,依法登记在册,依法纳税,符合产业导向,编号,自主算力,金额,日期\n\
         算力券,温州甲智能科技有限公司,91330302000000001K,企业,鹿城区,是,是,是,HT-1,是,1000000,2026-02-01\n\
         算力券,温州乙数据有限公司,91330302000000002N,企业,龙湾区,是,是,是,HT-2,是,1000000,2026-02-01\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let summary = dir.path().join("summary.csv");
    calc()
        .args([
            "--overlay",
            "examples/overlays/lucheng-compute-20.toml",
            "batch",
            "--as-of",
            "2026-06-30",
        ])
        .arg(&round)
        .arg("-o")
        .arg(&out)
        .arg("--summary")
        .arg(&summary)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].contains(",1,200000.00,,,核定,"), "{text}");
    assert!(lines[1].contains("鹿城区 20%"), "{text}");
    assert!(lines[2].contains(",1,300000.00,,,核定,"), "{text}");
    let sum = std::fs::read_to_string(&summary).unwrap();
    assert!(sum.contains("合计 total,2,500000.00"), "{sum}");
}

#[test]
fn explain_json_lists_the_gates_checked_passed_ones_too() {
    // examples/enterprise.toml: as of 2026-06-30, inside 2025-10-01 to 2027-12-31; 鹿城区 is a
    // 市区 district; an enterprise with the three facts 附则1 asks for, all true; clause 9 covers
    // enterprises. Six gates, all passed (before, `"gates": []`).
    let v = crate::common::json_of(&["explain", "examples/enterprise.toml", "--clause", "9"]);
    let gates = v["clauses"][0]["gates"].as_array().unwrap();
    let kinds: Vec<&str> = gates.iter().map(|g| g["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "policy_in_force",
            "district_inside",
            "gate_confirmed",
            "gate_confirmed",
            "gate_confirmed",
            "kind_covered"
        ]
    );
    assert_eq!(gates[2]["field"], "registered");
}

#[test]
fn rules_list_in_chinese_shows_no_internal_words_and_show_names_what_a_level_requires() {
    let out = stdout_of(&["rules", "list"]);
    for word in ["rate:", "levels:", "tiers:", "interest:"] {
        assert!(!out.contains(word), "`{word}` in:\n{out}");
    }
    // Clause 9 pays each title only when first recognised (rules/clauses/09-excellence.toml).
    let show = stdout_of(&["rules", "show", "9"]);
    assert!(
        show.contains(
            "国家级专精特新“小巨人”企业: 须 首次认定/新认定 (requires = [\"first_time\"])"
        ),
        "{show}"
    );
}

#[test]
fn version_names_the_rules_version_and_digest() {
    let out = stdout_of(&["--version"]);
    let digest = embedded_digest();
    assert!(out.contains("规则版本 rules version 2025.45.7"), "{out}");
    assert!(out.contains(&format!("sha256 {digest}")), "{out}");
}

#[test]
fn the_readme_says_how_to_install_and_names_the_types_both_ways() {
    let readme = std::fs::read_to_string(crate::common::root().join("README.md")).unwrap();
    assert!(readme.contains("cargo install --path . --locked"));
    assert!(readme.contains("~/.cargo/bin` 须在 PATH 中"));
    assert!(readme.contains("must be on your PATH"));
    assert!(readme.contains("第一次编译"));
    assert!(readme.contains("| 算力服务合同 | 算力券, 算力 | compute |"));
}
