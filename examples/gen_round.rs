//! A synthetic round for `calc batch`: ROWS rows, about 10 per applicant, every type of row,
//! Chinese headers and values as Excel exports them, valid credit codes, rows of one applicant
//! scattered through the file. Deterministic for a given SEED.
//!
//! cargo run --release --example gen_round -- ROWS SEED OUT.csv [--quota]
//!
//! `--quota`: a quota-heavy round, where most datasets are selected and compete for the
//! clause-3 quota of each district and year (every other row is as without it).

use std::io::Write;

use calc::credit_code;

/// splitmix64: small, fast and reproducible; good enough to scatter test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const HEADERS: [&str; 31] = [
    "类型",
    "单位名称",
    "统一社会信用代码",
    "主体类型",
    "所属区县",
    "依法登记在册",
    "依法纳税",
    "符合产业导向",
    "编号",
    "自主算力",
    "使用方式",
    "垂类应用",
    "金额",
    "日期",
    "实际投入",
    "是否上架",
    "是否入选",
    "评选得分",
    "年度",
    "研发费用",
    "牵头单位类型",
    "已立项",
    "项目经费总投入",
    "认定类别",
    "首次认定",
    "市级备案",
    "符合贴息条件",
    "贷款本金",
    "放款日",
    "贴息期起",
    "贴息期止",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(rows), Some(seed), Some(out)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: gen_round ROWS SEED OUT.csv [--quota]");
        std::process::exit(2);
    };
    let quota_heavy = args.get(4).is_some_and(|a| a == "--quota");
    // The share of datasets selected (is_selected), in percent.
    let selected_percent = if quota_heavy { 80 } else { 3 };
    let rows: usize = rows.parse()?;
    let mut rng = Rng(seed.parse()?);
    let districts = ["鹿城区", "龙湾区", "瓯海区", "洞头区"];
    let titles = [
        "小巨人",
        "专精特新",
        "隐形冠军",
        "单项冠军",
        "国内首台套",
        "省内首台套",
        "中试平台",
        "行业型数字化服务商",
        "场景型数字化服务商",
    ];
    let mut lines: Vec<Vec<String>> = Vec::with_capacity(rows);
    let mut unit = 0u64;
    let mut score = 0u64;
    while lines.len() < rows {
        unit += 1;
        let first17 = format!("91330302{unit:09}");
        let code = credit_code::complete(&first17).ok_or("credit code")?;
        let kind = if rng.chance(92) { "企业" } else { "高校" };
        let district = if rng.chance(97) {
            rng.pick(&districts)
        } else {
            "永嘉县"
        };
        let gates = if rng.chance(98) { "是" } else { "否" };
        let name = format!("温州合成{unit}号科技有限公司");
        let n = 5 + rng.below(11) as usize;
        let mut had_rnd = false;
        for k in 0..n.min(rows - lines.len()) {
            let mut row = vec![String::new(); HEADERS.len()];
            row[1] = name.clone();
            row[2] = code.clone();
            row[3] = kind.to_string();
            row[4] = district.to_string();
            row[5] = gates.to_string();
            row[6] = gates.to_string();
            row[7] = gates.to_string();
            row[8] = format!("U{unit}-{k}");
            let month = 1 + rng.below(12);
            let day = 1 + rng.below(28);
            let year = if month > 6 { 2025 } else { 2026 };
            let date = format!("{year}-{month:02}-{day:02}");
            let amount = (1 + rng.below(200)) * 10_000 + rng.below(100) * 10;
            let yes_no = |r: &mut Rng, p| if r.chance(p) { "是" } else { "否" }.to_string();
            match rng.below(100) {
                0..30 => {
                    row[0] = "算力券".into();
                    row[9] = yes_no(&mut rng, 60);
                    row[12] = amount.to_string();
                    row[13] = date;
                }
                30..50 => {
                    row[0] = "模型券".into();
                    row[10] = rng.pick(&["API调用", "私有化部署"]).into();
                    row[11] = yes_no(&mut rng, 85);
                    row[12] = format!("{amount}.50");
                    row[13] = date;
                }
                50..65 => {
                    row[0] = "语料券".into();
                    row[14] = amount.to_string();
                    row[15] = yes_no(&mut rng, 80);
                    let selected = rng.chance(selected_percent);
                    row[16] = if selected { "是" } else { "否" }.into();
                    if selected {
                        // Distinct scores, so the quota never meets a tie.
                        score += 1;
                        row[17] = if quota_heavy {
                            format!("{}.{score:07}", 60 + score % 40)
                        } else {
                            format!("{}.{:04}", 60 + score % 40, score % 10_000)
                        };
                    }
                    row[13] = date;
                }
                65..70 if !had_rnd => {
                    had_rnd = true;
                    row[0] = "研发费用".into();
                    row[18] = "2025".into();
                    row[19] = (amount * 10).to_string();
                }
                65..80 => {
                    row[0] = "攻关项目".into();
                    row[20] = rng.pick(&["企业牵头", "非企业牵头"]).into();
                    row[21] = yes_no(&mut rng, 90);
                    row[22] = (amount * 20).to_string();
                    row[13] = date;
                }
                80..90 => {
                    row[0] = "资格认定".into();
                    row[23] = rng.pick(&titles).into();
                    row[24] = yes_no(&mut rng, 80);
                    row[13] = date;
                }
                _ => {
                    row[0] = "贷款贴息".into();
                    row[26] = yes_no(&mut rng, 90);
                    row[27] = (amount * 50).to_string();
                    let start = format!("2025-{:02}-01", 1 + rng.below(12));
                    row[28] = start.clone();
                    row[29] = start;
                    row[30] = "2026-05-31".into();
                }
            }
            lines.push(row);
        }
    }
    // Scatter each applicant's rows through the file (Fisher-Yates).
    for i in (1..lines.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        lines.swap(i, j);
    }
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(out)?));
    let mut headers: Vec<&str> = HEADERS.to_vec();
    headers.push("实付利息");
    w.write_record(&headers)?;
    for mut row in lines {
        // Interest actually paid: 3.5% of the principal.
        let paid = if row[0] == "贷款贴息" {
            let principal: u64 = row[27].parse().unwrap_or(0);
            (principal * 35 / 1000).to_string()
        } else {
            String::new()
        };
        row.push(paid);
        w.write_record(&row)?;
    }
    w.flush()?;
    std::io::stdout().flush()?;
    Ok(())
}
