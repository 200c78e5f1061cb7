//! Facts input through `calc FILE`: every money form SPEC §3 accepts gives the right figure;
//! every refused form, bad credit code, unknown key, malformed file, impossible date and bad flag
//! exits with code 2 (never a panic's 101), prints nothing on stdout, and names the file, the
//! line and the field in Chinese and English.

use std::process::Output;

use crate::common::{ENTERPRISE, calc, facts_file};

/// The as-of date of every run here: inside the policy period, after the items' dates.
const AS_OF: &str = "2026-06-30";

/// Runs `calc FILE --as-of 2026-06-30 --format json` plus `extra` on `text`; returns the output and
/// the path as calc shows it.
fn run(text: &[u8], extra: &[&str]) -> (Output, String) {
    let mut f = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    std::io::Write::write_all(&mut f, text).expect("write");
    let path = f.path().display().to_string();
    let out = calc()
        .arg(f.path())
        .args(["--as-of", AS_OF, "--format", "json"])
        .args(extra)
        .output()
        .expect("calc runs");
    (out, path)
}

/// A refused input: exit code 2, empty stdout, no panic. `run` asks for `--format json`, so the
/// error is JSON on stderr (SPEC §5); it is returned as calc prints it without `--format json`,
/// `file:line:column: 字段 field `f`: 中文 / English`, so that each place and word can be checked.
fn refused_output(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "exit code, stderr: {stderr}");
    assert!(out.stdout.is_empty(), "stdout must be empty on error");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&stderr) else {
        return stderr;
    };
    let e = &v["error"];
    let mut text = String::from("错误 error: ");
    if let Some(file) = e["file"].as_str() {
        text += file;
        if let Some(line) = e["line"].as_u64() {
            text += &format!(":{line}");
            if let Some(col) = e["column"].as_u64() {
                text += &format!(":{col}");
            }
        }
        if let Some(field) = e["field"].as_str() {
            text += &format!(": 字段 field `{field}`");
        }
        text += ": ";
    }
    let half = |k: &str| e[k].as_str().unwrap_or_default().to_string();
    text + &half("message_zh") + " / " + &half("message_en")
}

/// Refuses `text`; the message must name `file:line:column`, the field, and carry `zh` and `en`.
fn refused(text: &str, at: &str, field: &str, zh: &str, en: &str) -> String {
    let (out, path) = run(text.as_bytes(), &[]);
    let stderr = refused_output(&out);
    let place = format!("{path}:{at}: 字段 field `{field}`");
    assert!(stderr.contains(&place), "want `{place}` in: {stderr}");
    assert_bilingual(&stderr, zh, en);
    stderr
}

fn assert_bilingual(stderr: &str, zh: &str, en: &str) {
    assert!(stderr.contains(zh), "want Chinese `{zh}` in: {stderr}");
    assert!(stderr.contains(en), "want English `{en}` in: {stderr}");
    // Reconstructed from JSON as `中文 / English`, or as calc prints it: the Chinese sentence
    // and the English one on lines of their own (SPEC §5).
    let lines = stderr.starts_with("错误: ") && stderr.contains("\nerror: ");
    assert!(stderr.contains(" / ") || lines, "both halves: {stderr}");
}

/// The enterprise header (lines 1 to 8) and one autonomous compute contract: `[[compute]]` on
/// line 9, `amount` on line 12 (its value at column 10), `date` on line 13 (value at column 8).
fn compute(amount: &str) -> String {
    format!(
        "{ENTERPRISE}[[compute]]\nid = \"A\"\nautonomous = true\namount = {amount}\ndate = 2026-02-01\n"
    )
}

fn total(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["total"].as_str().expect("total").to_string()
}

#[test]
fn every_accepted_money_form_gives_the_right_award() {
    // Clause 1, autonomous compute: 30% of the amount, under the 500,000 annual cap.
    for (amount, award) in [
        // 30% × 1,200,000 = 360,000.00
        ("1200000", "360000.00"),
        // 30% × 1,200,000.50 = 360,000.15 (a TOML float through its shortest form "1200000.5")
        ("1200000.5", "360000.15"),
        ("\"1200000.50\"", "360000.15"),
        ("\"1,200,000.50\"", "360000.15"),
        // 120万 = 1,200,000 → 360,000.00
        ("\"120万\"", "360000.00"),
        ("\"120万元\"", "360000.00"),
        ("1_200_000", "360000.00"),
        // 1.5万 = 15,000 → 4,500.00
        ("\"1.5万\"", "4500.00"),
        // 30% × 0.15 = 0.045 → 0.05 half away from zero (banker's rounding would give 0.04)
        ("\"0.15\"", "0.05"),
        // 0 is money: the contract qualifies and pays 0.00
        ("0", "0.00"),
        // ¥ / ￥ and full-width digits and commas (SPEC §3, revision 2): 1,200,000 → 360,000.00
        ("\"¥1,200,000\"", "360000.00"),
        ("\"￥1200000元\"", "360000.00"),
        ("\"１２０万\"", "360000.00"),
        ("\"1，200，000\"", "360000.00"),
        // 0.012亿 = 1,200,000 → 360,000.00
        ("\"0.012亿\"", "360000.00"),
        // 元整 / 整 as on vouchers: 880,000 → 30% = 264,000.00
        ("\"880,000元整\"", "264000.00"),
        ("\"88万元整\"", "264000.00"),
        ("\"880000整\"", "264000.00"),
    ] {
        let (out, _) = run(compute(amount).as_bytes(), &[]);
        assert_eq!(total(&out), award, "amount = {amount}");
    }
}

#[test]
fn a_date_may_be_written_as_people_write_it() {
    // Each is 2026-02-01: 30% × 100,000 = 30,000.00.
    for date in [
        "2026/2/1",
        "2026.02.01",
        "2026年2月1日",
        "２０２６－０２－０１",
    ] {
        let text = format!(
            "{ENTERPRISE}[[compute]]\nid = \"A\"\nautonomous = true\namount = 100000\ndate = \"{date}\"\n"
        );
        let (out, _) = run(text.as_bytes(), &[]);
        assert_eq!(total(&out), "30000.00", "date = {date}");
    }
}

#[test]
fn a_date_may_be_written_as_text() {
    // "2026-02-01" as a string is the same date: 30% × 100,000 = 30,000.00.
    let text = format!(
        "{ENTERPRISE}[[compute]]\nid = \"A\"\nautonomous = true\namount = 100000\ndate = \"2026-02-01\"\n"
    );
    let (out, _) = run(text.as_bytes(), &[]);
    assert_eq!(total(&out), "30000.00");
}

#[test]
fn negative_amounts_are_refused() {
    for amount in ["-5", "\"-5\"", "-0.01", "\"-1,200,000\""] {
        refused(
            &compute(amount),
            "12:10",
            "compute[1].amount",
            "金额不能为负数",
            "must not be negative",
        );
    }
}

#[test]
fn nan_and_infinity_are_refused_as_floats_and_as_text() {
    for amount in [
        "nan",
        "+nan",
        "inf",
        "+inf",
        "-inf",
        "\"NaN\"",
        "\"nan\"",
        "\"inf\"",
        "\"Infinity\"",
    ] {
        refused(
            &compute(amount),
            "12:10",
            "compute[1].amount",
            "不是有限数",
            "not a finite number",
        );
    }
}

#[test]
fn more_than_two_decimals_are_refused() {
    for amount in ["1.234", "\"1.234\"", "\"1,200,000.505\"", "\"1.2345678万\""] {
        refused(
            &compute(amount),
            "12:10",
            "compute[1].amount",
            "最多两位小数",
            "more than 2 decimals",
        );
    }
}

#[test]
fn wan_may_carry_decimals_down_to_the_fen() {
    // 1.2345万 = 12,345 yuan exactly; 30% × 12,345 = 3,703.50.
    let (out, _) = run(compute("\"1.2345万\"").as_bytes(), &[]);
    assert_eq!(total(&out), "3703.50");
}

#[test]
fn a_float_that_cannot_be_what_was_typed_is_refused() {
    // 0.1 + 0.2 prints as 0.30000000000000004: 17 significant digits, more than the 15 a
    // binary float keeps faithfully.
    refused(
        &compute("0.30000000000000004"),
        "12:10",
        "compute[1].amount",
        "超过 15 位有效数字",
        "more than 15 significant digits",
    );
}

#[test]
fn absurdly_large_amounts_are_refused() {
    for amount in [
        "123456789012345678901234567890",
        "\"123456789012345678901234567890\"",
        "1e300",
    ] {
        refused(
            &compute(amount),
            "12:10",
            "compute[1].amount",
            "金额过大",
            "too large",
        );
    }
}

#[test]
fn malformed_amount_text_is_refused() {
    refused(
        &compute("\"1,2\""),
        "12:10",
        "compute[1].amount",
        "千分位逗号位置不对",
        "misplaced thousands separator",
    );
    for amount in ["\"abc\"", "\"1.2.3\"", "\"1e5\"", "\"+5\"", "\"120万万\""] {
        refused(
            &compute(amount),
            "12:10",
            "compute[1].amount",
            "无法识别的金额",
            "not an amount",
        );
    }
    for amount in ["\"\"", "\"   \""] {
        refused(
            &compute(amount),
            "12:10",
            "compute[1].amount",
            "金额为空",
            "the amount is empty",
        );
    }
}

#[test]
fn a_value_of_the_wrong_type_says_what_was_expected_once_per_language() {
    let e = refused(
        &compute("true"),
        "12:10",
        "compute[1].amount",
        "应为 金额",
        "expected an amount",
    );
    // The Chinese half must not carry the English description, and vice versa.
    assert!(!e.contains("\"120万\" / an amount"), "{e}");
}

/// The enterprise header with another credit code on line 3 (its value at column 15).
fn with_credit_code(code: &str) -> String {
    ENTERPRISE.replace("91330302MA2H00001Y", code)
}

#[test]
fn valid_credit_codes_are_accepted() {
    // 91330302MA2H00001Y: values 9,1,3,3,0,3,0,2,21(M),10(A),2,17(H),0,0,0,0,1 with weights
    // 3^i mod 31 = 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28 sum to 1241;
    // 1241 mod 31 = 1, 31 − 1 = 30 → 'Y'.
    // 9144030071526726XG: the weighted sum is 1782; 1782 mod 31 = 15, 31 − 15 = 16 → 'G'.
    // Lower case is read as upper case.
    for code in [
        "91330302MA2H00001Y",
        "9144030071526726XG",
        "91330302ma2h00001y",
    ] {
        let (out, _) = run(with_credit_code(code).as_bytes(), &[]);
        assert_eq!(total(&out), "0.00", "{code}");
    }
}

#[test]
fn a_wrong_check_digit_is_refused_with_the_expected_one() {
    refused(
        &with_credit_code("91330302MA2H00001X"),
        "3:15",
        "applicant.credit_code",
        "校验位错误: 应为 'Y'，实为 'X'",
        "check digit mismatch: expected 'Y', found 'X'",
    );
}

#[test]
fn a_credit_code_of_the_wrong_length_is_refused() {
    for (code, n) in [
        ("91330302MA2H00001", 17),
        ("91330302MA2H00001YY", 19),
        ("", 0),
    ] {
        refused(
            &with_credit_code(code),
            "3:15",
            "applicant.credit_code",
            &format!("应为 18 位，实为 {n} 位"),
            &format!("must have 18 characters, not {n}"),
        );
    }
}

#[test]
fn the_letters_i_o_s_v_z_are_not_in_a_credit_code() {
    for c in ['I', 'O', 'S', 'V', 'Z'] {
        // The 12th character (H) replaced: still 18 characters.
        let code = format!("91330302MA2{c}00001Y");
        refused(
            &with_credit_code(&code),
            "3:15",
            "applicant.credit_code",
            &format!("含非法字符 '{c}'，应为数字或除 I、O、S、V、Z 以外的大写字母"),
            &format!("invalid character '{c}': expected digits or capital letters other than"),
        );
    }
}

#[test]
fn an_unknown_top_level_key_is_refused_with_its_place() {
    // Line 9 is blank, `[extra]` is on line 10 and its name starts at column 2.
    let e = refused(
        &format!("{ENTERPRISE}\n[extra]\na = 1\n"),
        "10:2",
        "extra",
        "未知的键 `extra`",
        "unknown key `extra`",
    );
    assert!(e.contains("compute"), "lists the known sections: {e}");
}

#[test]
fn an_unknown_key_inside_an_item_is_refused_with_its_place() {
    let text = format!("{ENTERPRISE}[[compute]]\nid = \"A\"\namout = 1\ndate = 2026-02-01\n");
    let e = refused(
        &text,
        "11:1",
        "compute[1].amout",
        "未知的键 `amout`",
        "unknown key `amout`",
    );
    assert!(e.contains("amount"), "lists the known keys: {e}");
    // An unknown key in [applicant] too: line 9, column 1.
    refused(
        &format!("{ENTERPRISE}colour = \"red\"\n"),
        "9:1",
        "applicant.colour",
        "未知的键",
        "unknown key",
    );
}

#[test]
fn a_malformed_file_is_refused_with_line_and_column() {
    let text = format!("{ENTERPRISE}[[compute]]\nid = \"A\"\namount = = 1\n");
    let (out, path) = run(text.as_bytes(), &[]);
    let e = refused_output(&out);
    assert!(e.contains(&format!("{path}:11:10")), "{e}");
    assert_bilingual(&e, "TOML 格式错误", "invalid TOML");

    // An unterminated string: still a located refusal, never a panic.
    let (out, path) = run(b"[applicant]\nname = \"abc\n", &[]);
    let e = refused_output(&out);
    assert!(e.contains(&format!("{path}:2:")), "{e}");
    assert_bilingual(&e, "TOML 格式错误", "invalid TOML");
}

#[test]
fn an_impossible_date_is_refused_as_a_toml_date_and_as_text() {
    let text = format!(
        "{ENTERPRISE}[[compute]]\nid = \"A\"\nautonomous = true\namount = 1\ndate = 2026-02-30\n"
    );
    refused(
        &text,
        "13:8",
        "compute[1].date",
        "不存在的日期",
        "not a real date",
    );
    refused(
        &text.replace("2026-02-30", "\"2026-02-30\""),
        "13:8",
        "compute[1].date",
        "不存在的日期",
        "is not a real date",
    );
    // The as-of date of the file is checked the same way: line 10, value at column 8.
    refused(
        &format!("{ENTERPRISE}[application]\ndate = 2026-13-01\n"),
        "10:8",
        "application.date",
        "不存在的日期",
        "not a real date",
    );
}

#[test]
fn a_date_with_a_time_is_refused() {
    let text = format!(
        "{ENTERPRISE}[[compute]]\nid = \"A\"\nautonomous = true\namount = 1\ndate = 2026-02-01T10:00:00\n"
    );
    refused(&text, "13:8", "compute[1].date", "带时间", "with a time");
}

#[test]
fn a_missing_required_fact_is_named_with_what_is_expected() {
    // No amount: the item starts at line 9.
    let text = format!("{ENTERPRISE}[[compute]]\nid = \"A\"\ndate = 2026-02-01\n");
    let e = refused(
        &text,
        "9:1",
        "compute[1].amount",
        "缺少必填项 `amount` (合同实际执行金额)",
        "missing required `amount`: expected an amount",
    );
    assert!(
        !e.contains("\"120万\" / an amount"),
        "one language per half: {e}"
    );
    // No [applicant] at all.
    let (out, path) = run(
        b"[[compute]]\nid = \"A\"\namount = 1\ndate = 2026-02-01\n",
        &[],
    );
    let e = refused_output(&out);
    assert!(
        e.contains(&format!("{path}: 字段 field `applicant`")),
        "{e}"
    );
    assert_bilingual(
        &e,
        "缺少 [applicant] 表",
        "the [applicant] table is missing",
    );
}

#[test]
fn a_duplicate_item_id_is_refused() {
    // The second contract starts on line 13 and reuses id "A" of line 9.
    let text = format!(
        "{ENTERPRISE}[[compute]]\nid = \"A\"\namount = 1\ndate = 2026-02-01\n[[compute]]\nid = \"A\"\namount = 2\ndate = 2026-02-01\n"
    );
    let (out, path) = run(text.as_bytes(), &[]);
    let e = refused_output(&out);
    assert!(
        e.contains(&format!("{path}:13: 字段 field `compute[2].id`")),
        "{e}"
    );
    assert_bilingual(
        &e,
        "重复 (与第 9 行)",
        "duplicate compute `A` (also at line 9)",
    );
}

#[test]
fn twenty_thousand_loans_are_read_in_one_pass() {
    // Each item's line was counted from the start of the file: 20,000 loans took minutes (9 min
    // 37 s for 100,000). Read once, they take a second. Loan k starts on line 9 + 8 (k - 1); a
    // 20,001st repeats the first's id, so the whole file is read and the line is checked.
    let loan = |id: &str| {
        format!(
            "[[loan]]\nid = \"{id}\"\neligible = true\nprincipal = 1000000\ndisbursed = 2025-06-01\nstart = 2025-06-01\nend = 2026-05-31\ninterest_paid = 30000\n"
        )
    };
    let mut text = ENTERPRISE.to_string();
    for k in 0..20_000 {
        text += &loan(&format!("DK-{k:05}"));
    }
    text += &loan("dk-00000");
    let (out, path) = run(text.as_bytes(), &[]);
    let e = refused_output(&out);
    assert!(
        e.contains(&format!("{path}:160009: 字段 field `loan[20001].id`")),
        "{e}"
    );
    assert_bilingual(&e, "重复 (与第 9 行)", "(also at line 9)");
}

#[test]
fn an_unknown_recognition_title_is_refused_with_the_choices() {
    let text =
        format!("{ENTERPRISE}[[recognition]]\nid = \"R\"\ntitle = \"giant\"\ndate = 2026-01-01\n");
    let e = refused(
        &text,
        "11:9",
        "recognition[1].title",
        "`giant` 不是可选值",
        "`giant` is not one of",
    );
    assert!(
        e.contains("little_giant (国家级专精特新“小巨人”企业)"),
        "{e}"
    );
}

#[test]
fn an_unknown_applicant_kind_is_refused_with_the_choices() {
    let e = refused(
        &ENTERPRISE.replace("\"enterprise\"", "\"company\""),
        "4:8",
        "applicant.kind",
        "`company` 不是可选值",
        "`company` is not one of",
    );
    assert!(e.contains("enterprise (企业)"), "{e}");
}

#[test]
fn a_file_that_is_not_utf8_is_refused() {
    // "测试" in GBK is CE B2 CA D4: invalid UTF-8 at line 2, column 9 (after `name = "`).
    let mut text = b"[applicant]\nname = \"".to_vec();
    text.extend_from_slice(&[0xB2, 0xE2, 0xCA, 0xD4]);
    text.extend_from_slice(b"\"\n");
    let (out, path) = run(&text, &[]);
    let e = refused_output(&out);
    assert!(e.contains(&format!("{path}:2:9")), "{e}");
    assert_bilingual(&e, "文件不是 UTF-8 编码", "the file is not UTF-8");
}

#[test]
fn a_missing_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nowhere.toml");
    let out = calc().arg(&missing).output().expect("calc runs");
    let e = refused_output(&out);
    assert!(e.contains(&missing.display().to_string()), "{e}");
    assert_bilingual(&e, "无法读取文件", "cannot read the file");
    // A folder is not a facts file either.
    let out = calc().arg(dir.path()).output().expect("calc runs");
    let e = refused_output(&out);
    assert_bilingual(&e, "无法读取文件", "cannot read the file");
}

#[test]
fn a_bad_as_of_is_refused() {
    let f = facts_file(ENTERPRISE);
    for (date, zh, en) in [
        ("2026-13-01", "不存在的日期", "is not a real date"),
        ("2026-02-30", "不存在的日期", "is not a real date"),
        (
            "tomorrow",
            "应为日期 YYYY-MM-DD",
            "expected a date YYYY-MM-DD",
        ),
    ] {
        let out = calc()
            .arg(f.path())
            .args(["--as-of", date])
            .output()
            .expect("calc runs");
        let e = refused_output(&out);
        assert!(e.contains("--as-of"), "{e}");
        assert_bilingual(&e, zh, en);
    }
}

#[test]
fn a_prior_of_an_annual_cap_clause_needs_its_year() {
    // SPEC §3: `year` is required on a prior of clauses 1 to 3. The prior starts on line 9.
    for clause in [1, 2, 3] {
        let text = format!("{ENTERPRISE}[[prior]]\nclause = {clause}\namount = 100000\n");
        let (out, path) = run(text.as_bytes(), &[]);
        let e = refused_output(&out);
        assert!(
            e.contains(&format!("{path}:9: 字段 field `prior[1].year`")),
            "{e}"
        );
        assert_bilingual(&e, "须填写年度", "needs its year");
    }
}

#[test]
fn a_prior_naming_no_clause_of_the_rules_is_refused() {
    for clause in [0, 13, -1] {
        let text =
            format!("{ENTERPRISE}[[prior]]\nclause = {clause}\nyear = 2026\namount = 100000\n");
        let (out, path) = run(text.as_bytes(), &[]);
        let e = refused_output(&out);
        assert!(
            e.contains(&format!("{path}:9: 字段 field `prior[1].clause`")),
            "{e}"
        );
        assert_bilingual(
            &e,
            &format!("规则中没有第 {clause} 条"),
            &format!("no clause {clause} in the rules"),
        );
    }
}

#[test]
fn a_year_out_of_range_is_refused() {
    let text = format!("{ENTERPRISE}[[rnd]]\nyear = 99999\nexpense = 1\n");
    let e = refused(
        &text,
        "10:8",
        "rnd[1].year",
        "应为 年份 (如 2025)，实为 99999",
        "expected a year such as 2025, found 99999",
    );
    assert!(!e.contains("2025 / a year"), "one language per half: {e}");
}

#[test]
fn a_section_of_the_wrong_shape_is_refused() {
    refused(
        &format!("{ENTERPRISE}[compute]\nid = \"A\"\n"),
        "9:1",
        "compute",
        "应为表数组 [[compute]]",
        "expected an array of tables [[compute]]",
    );
}

#[test]
fn no_input_of_a_fuzzed_shape_makes_calc_panic() {
    // Odd but syntactically valid values in every kind of slot: each is refused or computed,
    // never a crash.
    for text in [
        format!(
            "{ENTERPRISE}[[loan]]\nid = \"L\"\neligible = true\nprincipal = 9999999999999.99\ndisbursed = 2025-06-01\nstart = 2025-06-01\nend = 2026-05-31\ninterest_paid = 9999999999999.99\n"
        ),
        format!("{ENTERPRISE}[[compute]]\nid = 1\namount = 1\ndate = 2026-01-01\n"),
        format!("{ENTERPRISE}[[compute]]\nid = [1]\namount = 1\ndate = 2026-01-01\n"),
        format!("{ENTERPRISE}[[compute]]\nid = \"A\"\namount = {{ a = 1 }}\ndate = 2026-01-01\n"),
        format!("{ENTERPRISE}compute = 5\n"),
        format!("{ENTERPRISE}[[prior]]\nclause = 99999999999999999999\namount = 1\n"),
        format!("{ENTERPRISE}[[rnd]]\nyear = \"二零二五\"\nexpense = 1\n"),
        "applicant = 1\n".to_string(),
        // Deep nesting: refused by the parser's depth limit, not a stack overflow.
        format!(
            "[applicant]\nname = {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!("\u{feff}{ENTERPRISE}"),
        String::new(),
    ] {
        let (out, _) = run(text.as_bytes(), &[]);
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "code {:?} for {text}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.code() == Some(2) {
            refused_output(&out);
        }
    }
}

#[test]
fn a_dash_reads_the_facts_from_standard_input() {
    // 30% × 100,000 = 30,000.00, as from a file.
    let text = format!(
        "{ENTERPRISE}[[compute]]\nid = \"A\"\nautonomous = true\namount = 100000\ndate = 2026-02-01\n"
    );
    let out = calc()
        .args(["-", "--as-of", AS_OF, "--format", "json"])
        .write_stdin(text)
        .output()
        .expect("runs");
    assert_eq!(total(&out), "30000.00");
}

#[test]
fn standard_input_past_the_limit_is_refused_while_reading() {
    // A pipe has no size to check first: 16 MiB and one byte are read, then refused.
    let out = calc()
        .args(["-", "--as-of", AS_OF])
        .write_stdin(vec![b'#'; 16 * 1024 * 1024 + 1])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_bilingual(
        &String::from_utf8_lossy(&out.stderr),
        "文件过大",
        "too large",
    );
}

#[test]
fn a_reader_that_has_gone_ends_the_run_quietly() {
    // `calc ... | head`: the pipe's reading end is closed before calc writes.
    for args in [
        &["examples/enterprise.toml"][..],
        &["explain", "examples/enterprise.toml"],
        &["rules", "list"],
        &["completions", "bash"],
    ] {
        let mut child = crate::common::process(assert_cmd::cargo::cargo_bin("calc"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawns");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("ends");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_flag_a_command_does_not_honour_is_refused_not_ignored() {
    for (args, flag) in [
        (
            &[
                "batch",
                "examples/round.csv",
                "-o",
                "x.csv",
                "--format",
                "json",
            ][..],
            "--format",
        ),
        (&["template", "--format", "json"], "--format"),
        (&["template", "--lang", "en"], "--lang"),
        (&["rules", "show", "1", "--format", "json"], "--format"),
        (&["--format", "json", "rules", "digest"], "--format"),
        (&["test", "--format", "json"], "--format"),
        (&["test", "--as-of", "2026-01-01"], "--as-of"),
        (&["schema", "--lang", "en"], "--lang"),
        (&["completions", "bash", "--as-of", "2026-01-01"], "--as-of"),
    ] {
        let out = calc().args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("does not take {flag}")),
            "{args:?}: {err}"
        );
        assert!(err.contains(&format!("不使用 {flag}")), "{args:?}: {err}");
    }
    // The flags a command does honour still work, before or after it.
    for args in [
        &["rules", "list", "--format", "json", "--lang", "en"][..],
        &["--lang", "en", "rules", "show", "1"],
        &[
            "explain",
            "examples/enterprise.toml",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
    ] {
        let out = calc().args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

#[test]
fn one_id_under_two_sections_or_spelled_twice_is_refused() {
    let compute =
        "[[compute]]\nid = \"HT-01\"\nautonomous = true\namount = 100000\ndate = 2026-02-01\n";
    // One contract claimed as 算力券 and as 模型券: ids compare case-folded (SPEC §3).
    let model = "[[model]]\nid = \"ht-01\"\nmode = \"api\"\nvertical = true\namount = 100000\ndate = 2026-02-01\n";
    let (out, _) = run(format!("{ENTERPRISE}{compute}{model}").as_bytes(), &[]);
    let err = refused_output(&out);
    assert_bilingual(&err, "同一编号", "has the id of the compute item at line 9");
    assert!(err.contains("model `ht-01`"), "{err}");
    // The same contract twice, once in full-width letters.
    let again =
        "[[compute]]\nid = \"ＨＴ-０１ \"\nautonomous = true\namount = 100000\ndate = 2026-02-01\n";
    let (out, _) = run(format!("{ENTERPRISE}{compute}{again}").as_bytes(), &[]);
    assert_bilingual(&refused_output(&out), "重复 (与第 9 行)", "also at line 9");
}

#[test]
fn no_control_character_from_the_facts_reaches_the_terminal() {
    // A name that would set the window's title and recolour the screen; an id with a bell.
    let text = ENTERPRISE.replace(
        "测试科技有限公司",
        "测试\\u001b]0;pwned\\u0007科技\\u001b[31m有限公司\\r",
    ) + "[[compute]]\nid = \"A\\u0007\"\nautonomous = true\namount = 100000\ndate = 2026-02-01\n";
    let f = facts_file(&text);
    for args in [&[][..], &["explain"]] {
        let out = calc()
            .args(args)
            .arg(f.path())
            .args(["--as-of", AS_OF])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let shown = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(
            !shown.contains(|c: char| c.is_control() && c != '\n'),
            "{args:?}: {shown:?}"
        );
        assert!(
            shown.contains("测试]0;pwned科技[31m有限公司"),
            "{args:?}: {shown}"
        );
    }
}

#[test]
fn a_district_is_one_of_the_city_s_divisions_or_an_error_with_the_nearest() {
    let with = |district: &str| {
        compute("100000").replace(
            "district = \"鹿城区\"",
            &format!("district = \"{district}\""),
        )
    };
    // The city's name before it, spaces and a zero-width space: read as 鹿城区 (SPEC §3).
    for written in ["温州市鹿城区", " 鹿城区\u{200b}", "鹿 城 区"] {
        let (out, _) = run(with(written).as_bytes(), &[]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["applicant"]["district"], "鹿城区", "{written:?}");
        // 30% × 100,000 = 30,000.00: 鹿城区 is one of the four 市区 districts.
        assert_eq!(total(&out), "30000.00", "{written:?}");
    }
    // A county of the city is a district, not an error: the policy does not cover it (市区 only).
    let (out, _) = run(with("瑞安市").as_bytes(), &[]);
    assert_eq!(total(&out), "0.00");
    // Anything else is an input error, never a silent "not in 市区".
    let (out, _) = run(with("鹿城").as_bytes(), &[]);
    assert_bilingual(
        &refused_output(&out),
        "是否为: 鹿城区？",
        "did you mean 鹿城区?",
    );
    let (out, _) = run(with("杭州市西湖区").as_bytes(), &[]);
    let err = refused_output(&out);
    assert_bilingual(
        &err,
        "不是温州市的区县",
        "is not a county-level division of 温州市",
    );
    assert!(
        err.contains("鹿城区, 龙湾区, 瓯海区, 洞头区, 瑞安市"),
        "{err}"
    );
    assert!(err.contains("applicant.district"), "{err}");
}

#[test]
fn under_format_json_an_error_is_json_on_stderr() {
    // SPEC §5: {"error": {"file", "line", "column", "field", "message_zh", "message_en"}}.
    let (out, shown) = run(compute("\"-5\"").as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("stderr is JSON");
    let e = &v["error"];
    assert_eq!(e["file"], shown.as_str());
    // `amount` on line 12, its value at column 10 (see `compute`).
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(12), Some(10))
    );
    assert_eq!(e["field"], "compute[1].amount");
    assert!(e["message_zh"].as_str().unwrap().contains("负数"), "{e}");
    assert!(
        e["message_en"].as_str().unwrap().contains("negative"),
        "{e}"
    );
    // A usage error has no place, but both halves.
    let out = calc()
        .args(["template", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("stderr is JSON");
    assert!(
        v["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("does not take --format")
    );
}

#[test]
fn a_value_with_a_slash_in_an_error_keeps_each_language_whole_in_json() {
    // A message is made in its two languages, not split at its first " / ": a value that
    // carries one, quoted in the Chinese half, must not cut the message there.
    let text = compute("100").replace("date = 2026-02-01", "date = \"2026 / 2 / 1\"");
    let (out, _) = run(text.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("stderr is JSON");
    let e = &v["error"];
    assert_eq!(e["field"], "compute[1].date");
    assert_eq!(
        e["message_zh"], "应为日期 YYYY-MM-DD，实为 `2026 / 2 / 1`",
        "{e}"
    );
    assert_eq!(
        e["message_en"], "expected a date YYYY-MM-DD, found `2026 / 2 / 1`",
        "{e}"
    );
    // A key with a slash, named in both halves of "unknown key".
    let text = ENTERPRISE.replacen("\n", "\n\"a / b\" = 1\n", 1);
    let (out, _) = run(text.as_bytes(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("stderr is JSON");
    let e = &v["error"];
    let (zh, en) = (
        e["message_zh"].as_str().unwrap(),
        e["message_en"].as_str().unwrap(),
    );
    assert!(
        zh.starts_with("未知的键 `a / b`") && !zh.contains("unknown"),
        "{e}"
    );
    assert!(
        en.starts_with("unknown key `a / b`") && !en.contains("未知"),
        "{e}"
    );
}

#[test]
fn a_misspelt_title_or_key_is_answered_with_the_nearest_not_the_whole_list() {
    let title = |t: &str| {
        format!("{ENTERPRISE}[[recognition]]\nid = \"R\"\ntitle = \"{t}\"\ndate = 2026-01-01\n")
    };
    for (typed, meant) in [
        ("little_gaint", "little_giant (国家级专精特新“小巨人”企业)"),
        (
            "专精特新小巨人企业",
            "little_giant (国家级专精特新“小巨人”企业)",
        ),
        ("poc_centre", "poc_center"),
    ] {
        let e = refused(
            &title(typed),
            "11:9",
            "recognition[1].title",
            &format!("是否为: {meant}"),
            &format!("did you mean {meant}"),
        );
        // Once 1,379 characters of every title; now a line a person reads.
        assert!(e.chars().count() < 300, "{} chars: {e}", e.chars().count());
    }
    // Nothing near among the 20-odd titles: no list, a pointer to where they are listed.
    let (out, _) = run(title("zzz").as_bytes(), &[]);
    assert_bilingual(
        &refused_output(&out),
        "`calc template` 列出全部",
        "`calc template` lists them",
    );
    // An unknown key: the nearest key first, then what the table takes.
    let (out, _) = run(
        compute("100000").replace("amount =", "amont =").as_bytes(),
        &[],
    );
    assert_bilingual(
        &refused_output(&out),
        "是否为 `amount`？",
        "did you mean `amount`?",
    );
}

#[test]
fn a_toml_syntax_error_is_explained_in_chinese_too() {
    for (text, at, zh) in [
        ("name = 温州\n", "1:8", "文本值须加英文双引号"),
        ("[applicant\n", "1:11", "表的标题缺少 `]`"),
        ("[[compute]\n", "1:11", "表数组的标题缺少 `]]`"),
        ("a = 1\na = 2\n", "2:1", "键重复"),
        ("a = \"abc\n", "1:9", "字符串没有结尾的"),
        ("a = 1 b = 2\n", "1:9", "一行只能写一个 键 = 值"),
        ("a = tru\n", "1:5", "是否类的值应为 true 或 false"),
        // A TOML date the calendar lacks, as for a date written as text (SPEC §3).
        ("d = 2026-02-30\n", "1:5", "2026年2月没有30日"),
    ] {
        let (out, path) = run(text.as_bytes(), &[]);
        let e = refused_output(&out);
        assert!(e.contains(&format!("{path}:{at}")), "{text:?}: {e}");
        assert!(e.contains(zh), "{text:?}: {e}");
        assert!(
            e.contains("invalid TOML") || e.contains("February 2026 has no day 30"),
            "{e}"
        );
    }
}

#[test]
fn a_prior_blocks_its_item_however_the_id_is_spelled() {
    // HT-01 was paid in an earlier round as `ht-０１`: not paid again (SPEC §3: ids compare
    // trimmed, width- and case-folded), so clause 1 pays 0.00 for it.
    let text = format!(
        "{ENTERPRISE}[[compute]]\nid = \"HT-01\"\nautonomous = true\namount = 100000\ndate = 2026-02-01\n\
         [[prior]]\nclause = 1\nyear = 2026\nitem = \" ht-０１\"\namount = 30000\n"
    );
    let (out, _) = run(text.as_bytes(), &[]);
    assert_eq!(total(&out), "0.00");
}

#[test]
fn a_rounding_of_more_than_two_decimals_is_a_rules_error() {
    // rounding_dp 3 was accepted and the amounts shown at 2 decimals, a fen apart from the
    // total; now the rules are refused, at the key, with what is expected.
    let dir = tempfile::tempdir().expect("temp dir");
    let src = crate::common::root().join("rules");
    std::fs::create_dir_all(dir.path().join("clauses")).unwrap();
    for e in std::fs::read_dir(src.join("clauses")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join("clauses").join(p.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        src.join("vocabulary.toml"),
        dir.path().join("vocabulary.toml"),
    )
    .unwrap();
    let policy = std::fs::read_to_string(src.join("policy.toml")).unwrap();
    // The key's line, its value at column 15 (after `rounding_dp = `).
    let at = policy
        .find("\nrounding_dp = 2\n")
        .expect("the key in policy.toml");
    let line = policy[..at].matches('\n').count() + 2;
    for dp in ["3", "4"] {
        let edited = policy.replace("\nrounding_dp = 2\n", &format!("\nrounding_dp = {dp}\n"));
        std::fs::write(dir.path().join("policy.toml"), edited).unwrap();
        let out = calc()
            .args(["examples/enterprise.toml", "--as-of", AS_OF, "--rules"])
            .arg(dir.path())
            .output()
            .expect("calc runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(out.stdout.is_empty());
        assert!(
            stderr.contains(&format!("policy.toml:{line}:15: 字段 `rounding_dp`")),
            "{stderr}"
        );
        assert_bilingual(
            &stderr,
            &format!("舍入位数为 {dp}，应为 0、1 或 2"),
            &format!("rounding_dp is {dp}; expected 0, 1 or 2"),
        );
    }
}

#[cfg(unix)]
#[test]
fn an_endless_input_is_read_to_its_limit_and_refused() {
    // /dev/zero has no size to check first: a facts file stops at 16 MiB and a round at
    // 512 MiB, one byte past, whatever the input is (a pin: main already did so).
    let out = calc()
        .args(["/dev/zero", "--as-of", AS_OF])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("16777217 bytes; the limit is 16777216"),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let out = calc()
        .args(["batch", "/dev/zero", "--as-of", AS_OF, "-o"])
        .arg(dir.path().join("out.csv"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("536870913 bytes; the limit is 536870912"),
        "{err}"
    );
    assert!(!dir.path().join("out.csv").exists());
}

#[test]
fn an_unquoted_date_written_the_natural_way_says_how_to_write_it() {
    // `date = 2026.3.15` (a TOML float to the parser) and `date = 2026-3-15` (a date without
    // two-digit month): both say, in Chinese and in English, to quote it or write 2026-03-15.
    for written in ["2026.3.15", "2026-3-15", "2026/3/15"] {
        let text = format!(
            "{ENTERPRISE}[[compute]]\nid = \"A\"\nautonomous = true\namount = 100000\ndate = {written}\n"
        );
        let (out, path) = run(text.as_bytes(), &[]);
        let stderr = refused_output(&out);
        // Placed at the value's first character: line 13 of the file, column 8.
        assert!(stderr.contains(&format!("{path}:13:8: ")), "{stderr}");
        assert_bilingual(
            &stderr,
            &format!("请写作 \"{written}\"（加引号）或 2026-03-15"),
            &format!("write it \"{written}\" (quoted) or 2026-03-15"),
        );
        assert!(stderr.contains("compute[1].date"), "{stderr}");
        for parser in [
            "TOML 格式错误",
            "invalid float",
            "two-digit",
            "不存在的日期",
        ] {
            assert!(!stderr.contains(parser), "{written}: {stderr}");
        }
    }
}

#[test]
fn a_missing_kind_lists_the_kinds() {
    let text = ENTERPRISE.replace("kind = \"enterprise\"\n", "");
    let (out, _) = run(text.as_bytes(), &[]);
    let stderr = refused_output(&out);
    assert_bilingual(
        &stderr,
        "应为以下之一: enterprise (企业)、partnership (合伙企业)、university (高校)",
        "expected one of enterprise, partnership, university, research_institute, individual, other",
    );
}

#[test]
fn the_city_as_the_district_asks_for_the_district() {
    let text = ENTERPRISE.replace("鹿城区", "温州市");
    let (out, _) = run(text.as_bytes(), &[]);
    let stderr = refused_output(&out);
    assert_bilingual(
        &stderr,
        "`温州市` 是市名，所属区县须填写到区县一级",
        "`温州市` is the city: give its county-level division",
    );
    assert!(!stderr.contains("不是温州市的区县"), "{stderr}");
}

/// An individual talent: GB 11643-1999's example number 11010519491231002X (Σ digit·weight =
/// 167, 167 mod 11 = 2 → check character X).
const INDIVIDUAL: &str = "[applicant]\nname = \"张三\"\ncredit_code = \"11010519491231002X\"\nkind = \"individual\"\ndistrict = \"鹿城区\"\n\n[[recognition]]\nid = \"RC-1\"\ntitle = \"talent_high_level\"\nsubject = \"张三\"\ndate = 2026-03-01\n";

#[test]
fn an_individual_may_give_a_citizen_id_number_in_place_of_the_credit_code() {
    let (out, _) = run(INDIVIDUAL.as_bytes(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["applicant"]["credit_code"], "11010519491231002X");
    // 瓯越英才 high-level talent: discretionary, at most 2,000,000.
    assert_eq!(v["clauses"][0]["status"], "discretionary");
    assert_eq!(v["clauses"][0]["ceiling"], "2000000.00");
    // An enterprise may not: it gives its credit code.
    let text = INDIVIDUAL.replace("individual", "enterprise");
    let (out, _) = run(text.as_bytes(), &[]);
    let stderr = refused_output(&out);
    assert_bilingual(
        &stderr,
        "是公民身份号码: 仅主体类型为“个人”时可代替统一社会信用代码",
        "is a citizen ID number: only an applicant of kind individual may give one",
    );
    // An ID number with a wrong last digit is named as such, with the check digit it needs:
    // not only the credit code's, which would invite altering a valid number.
    let text = INDIVIDUAL.replace("002X", "0021");
    let (out, _) = run(text.as_bytes(), &[]);
    let stderr = refused_output(&out);
    assert_bilingual(
        &stderr,
        "作为公民身份号码 (个人) 应为 'X'，实为 '1'",
        "as a citizen ID number (an individual) 'X'; found '1'",
    );
}
