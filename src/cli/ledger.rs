//! `calc ledger init | record | import | list | export | void | verify` (SPEC §8), and the
//! opening of a ledger for `calc FILE --ledger` and `calc batch --ledger`. The database is
//! opened here (a path is the shell's); the library does the rest (`calc::ledger`).

use std::path::{Path, PathBuf};

use calc::ledger::store::Store;
use calc::ledger::{self, Entry, Ledger, Locator, Who};
use calc::sheet::read::Encoding;
use calc::sheet::write::Cell;

use super::args::Honours;
use super::{Config, Failure, Format, print};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 台账: SQLite 文件路径，或 postgres://user@host/db、"host=/dir dbname=..." / the ledger: a SQLite file, or a PostgreSQL database
    #[arg(long, global = true, env = "CALC_LEDGER", value_name = "LEDGER")]
    pub ledger: Option<String>,

    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// 建立台账或升级其结构 / create the ledger, or migrate an older one
    Init,
    /// 公示后把一轮输出记入台账 (重新计算，只记可复现的金额) / record a round's output after approval (re-evaluated; only figures it reproduces)
    Record {
        /// 一轮的输出 (calc batch -o 的文件) / a round's output
        output: PathBuf,
        /// 批次名 / the round's name
        #[arg(long, value_name = "NAME")]
        round: String,
        /// 审批人 / who approved it
        #[arg(long, value_name = "WHO")]
        approved_by: Option<String>,
        /// 不记账的行 (公示异议成立)，可重复，每个配一个 --reason / a row withheld (its objection upheld); repeatable, each with a --reason
        #[arg(long, value_name = "ROW")]
        exclude: Vec<usize>,
        /// --exclude 的理由 / the reason of each --exclude
        #[arg(long, value_name = "TEXT")]
        reason: Vec<String>,
    },
    /// 记入台账建立前的往期奖补 (往期奖补表，含单位名称和区县) / record awards paid before the ledger, from a prior table with names and districts
    Import {
        file: PathBuf,
        #[arg(long, value_name = "NAME")]
        round: String,
    },
    /// 列出台账 (默认只列有效奖补) / list the entries (live awards unless --all)
    List {
        #[arg(long, value_name = "CODE")]
        code: Option<String>,
        #[arg(long, value_name = "DISTRICT")]
        district: Option<String>,
        #[arg(long, value_name = "YEAR")]
        year: Option<i64>,
        #[arg(long, value_name = "N")]
        clause: Option<i64>,
        #[arg(long, value_name = "NAME")]
        round: Option<String>,
        /// 也列出已冲销的奖补和冲销 / reversed awards and voids too
        #[arg(long)]
        all: bool,
        /// 不遮盖公民身份号码 / show 公民身份号码 whole
        #[arg(long)]
        unmasked: bool,
    },
    /// 导出有效奖补为往期奖补表 (可作 --prior) / the live awards as a prior table (a valid --prior file)
    Export {
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        to: PathBuf,
    },
    /// 冲销一笔奖补 (新增一条冲销) / reverse an award by a new entry
    Void {
        seq: i64,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// 校验哈希链 (完好退出 0，不符退出 4) / walk the hash chain (exit 0 intact, 4 broken)
    Verify {
        /// 此前打印的链头 SEQ:HASH / a head printed earlier
        #[arg(long, value_name = "SEQ:HASH")]
        expect: Option<String>,
    },
}

/// Opens the ledger at `locator`; a SQLite file is created only by `init`.
pub fn open(locator: &str, create: bool) -> Result<Ledger, Failure> {
    let loc = Locator::parse(locator);
    let shown = loc.shown();
    let failed = |m: String| {
        Failure::Calc(
            calc::error::InputError::new(
                &shown,
                calc::text!("无法打开台账: {m}", "cannot open the ledger: {m}"),
            )
            .into(),
        )
    };
    let store = match &loc {
        Locator::Sqlite(path) => {
            use rusqlite::OpenFlags;
            if !create && !Path::new(path).exists() {
                return Err(Failure::Calc(
                    calc::error::InputError::new(
                        &shown,
                        calc::text!(
                            "没有这个台账: 请先运行 `calc ledger init --ledger {shown}`",
                            "no ledger here: run `calc ledger init --ledger {shown}` first"
                        ),
                    )
                    .into(),
                ));
            }
            let flags = match create {
                true => OpenFlags::default(),
                false => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            };
            let conn = rusqlite::Connection::open_with_flags(path, flags)
                .map_err(|e| failed(e.to_string()))?;
            Store::sqlite(conn).map_err(|e| failed(e.message))?
        }
        Locator::Postgres(url) => {
            let client = postgres::Client::connect(url, postgres::NoTls)
                .map_err(|e| failed(e.to_string()))?;
            Store::postgres(client)
        }
    };
    Ok(Ledger::new(store, shown))
}

/// The ledger of `--ledger` / `CALC_LEDGER`, at this program's schema.
pub fn open_checked(locator: &str) -> Result<Ledger, Failure> {
    let mut l = open(locator, false)?;
    l.check_schema()?;
    Ok(l)
}

/// Who writes and when: the user (`CALC_LEDGER_USER`, else `USER`), and the time in UTC
/// (`CALC_LEDGER_NOW` fixes it, so that two ledgers of the same outputs can be compared).
pub fn who() -> Who {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let user = var("CALC_LEDGER_USER")
        .or_else(|| var("USER"))
        .or_else(|| var("USERNAME"))
        .unwrap_or_else(|| "unknown".into());
    let at = var("CALC_LEDGER_NOW")
        .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    Who { user, at }
}

/// The head as every writing command prints it.
pub fn head_line(head: &ledger::Head) -> String {
    format!("{}\n", head.shown())
}

fn needs_ledger(args: &Args) -> Result<&str, Failure> {
    args.ledger.as_deref().ok_or_else(|| {
        Failure::Usage(calc::text!(
            "请用 --ledger 或环境变量 CALC_LEDGER 指定台账",
            "name the ledger with --ledger or CALC_LEDGER"
        ))
    })
}

/// The common flags each action honours.
fn honours(action: &Action) -> Honours {
    match action {
        Action::Record { .. } => Honours {
            as_of: true,
            format: false,
            lang: false,
        },
        Action::List { .. } => Honours {
            as_of: false,
            format: true,
            lang: false,
        },
        _ => Honours::NONE,
    }
}

pub fn run(common: &super::Common, args: &Args) -> Result<(), Failure> {
    let name = match &args.action {
        Action::Init => "ledger init",
        Action::Record { .. } => "ledger record",
        Action::Import { .. } => "ledger import",
        Action::List { .. } => "ledger list",
        Action::Export { .. } => "ledger export",
        Action::Void { .. } => "ledger void",
        Action::Verify { .. } => "ledger verify",
    };
    let config = Config::new(common, name, honours(&args.action))?;
    let locator = needs_ledger(args)?;
    match &args.action {
        Action::Init => {
            let mut l = open(locator, true)?;
            let done = l.init(&who())?;
            let mut text = String::new();
            if done.is_empty() {
                text.push_str(&format!(
                    "台账已是最新结构 (版本 {}) / the ledger is up to date (schema {})\n",
                    ledger::SCHEMA_VERSION,
                    ledger::SCHEMA_VERSION
                ));
            }
            for m in &done {
                text.push_str(&format!(
                    "已应用迁移 applied migration {} {} sha256 {}\n",
                    m.version, m.name, m.sha256
                ));
            }
            text.push_str(&head_line(&l.head()?));
            print(&text)
        }
        Action::Record {
            output,
            round,
            approved_by,
            exclude,
            reason,
        } => record(
            &config,
            locator,
            (output, round, approved_by.clone()),
            exclude,
            reason,
        ),
        Action::Import { file, round } => import(&config, locator, file, round),
        Action::List {
            code,
            district,
            year,
            clause,
            round,
            all,
            unmasked,
        } => {
            let mut l = open_checked(locator)?;
            let entries = l.entries()?;
            let shown: Vec<Entry> = if *all {
                entries
            } else {
                ledger::live(&entries)
            };
            let code = code.as_deref().map(ledger::canonical_code);
            let picked: Vec<&Entry> = (shown.iter())
                .filter(|e| code.as_ref().is_none_or(|c| &e.credit_code == c))
                .filter(|e| district.as_ref().is_none_or(|d| &e.district == d))
                .filter(|e| year.is_none_or(|y| e.year == Some(y)))
                .filter(|e| clause.is_none_or(|c| e.clause == c))
                .filter(|e| round.as_ref().is_none_or(|r| &e.round == r))
                .collect();
            print(&list(&picked, config.format, *unmasked)?)
        }
        Action::Export { to } => export(&config, locator, to),
        Action::Void { seq, reason } => {
            let mut l = open_checked(locator)?;
            let (e, head) = l.void(*seq, reason, &who())?;
            print(&format!(
                "已冲销 voided #{seq} ({} 元) 以 by #{}\n{}",
                ledger::fen_text(-e.amount_fen),
                e.seq,
                head_line(&head)
            ))
        }
        Action::Verify { expect } => {
            let expect = match expect {
                None => None,
                Some(t) => {
                    let parsed = t
                        .trim()
                        .trim_start_matches('#')
                        .split_once(':')
                        .and_then(|(s, h)| Some((s.parse::<i64>().ok()?, h)));
                    match parsed {
                        Some(p) => Some(p),
                        None => {
                            return Err(Failure::Usage(calc::text!(
                                "--expect 应为 SEQ:HASH，如 12:3fa4…，实为“{t}”",
                                "--expect must be SEQ:HASH, e.g. 12:3fa4…, found `{t}`"
                            )));
                        }
                    }
                }
            };
            let mut l = open_checked(locator)?;
            match l.verify(expect)? {
                ledger::Verified::Intact { entries, head } => print(&format!(
                    "台账完好 the ledger is intact: {entries} 条 entries\n{}",
                    head_line(&head)
                )),
                ledger::Verified::Broken { seq, what } => {
                    eprintln!("台账 #{seq}: {}\nledger #{seq}: {}", what.zh, what.en);
                    Err(Failure::LedgerBroken)
                }
            }
        }
    }
}

fn record(
    config: &Config,
    locator: &str,
    (output, round, approved_by): (&Path, &String, Option<String>),
    exclude: &[usize],
    reason: &[String],
) -> Result<(), Failure> {
    let Some(as_of) = config.as_of else {
        return Err(Failure::Usage(calc::text!(
            "record 需要 --as-of: 这一轮的计算基准日 (输出的结束行与汇总表写明)",
            "record needs --as-of: the round's as-of date (its closing line and summary state it)"
        )));
    };
    if exclude.len() != reason.len() {
        return Err(Failure::Usage(calc::text!(
            "每个 --exclude ROW 须配一个 --reason TEXT",
            "each --exclude ROW needs its --reason TEXT"
        )));
    }
    let shown = calc::files::shown(output);
    let bytes = calc::files::read_bytes(output, calc::sheet::read::MAX_INPUT_BYTES, |n| {
        calc::sheet::read::too_large(&shown, n)
    })?;
    let sha = ledger::sha256(&bytes);
    let table = calc::sheet::read::Table::from_bytes(shown, bytes, Encoding::Auto, None)?;
    let mut l = open_checked(locator)?;
    let pause = std::env::var("CALC_LEDGER_TEST_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_millis);
    let req = ledger::RecordRequest {
        round,
        as_of,
        approved_by,
        output_sha256: sha,
        excluded: (exclude.iter().zip(reason))
            .map(|(&row, reason)| ledger::Exclusion {
                row,
                reason: reason.clone(),
            })
            .collect(),
        who: who(),
        pause,
    };
    let report = l.record(&config.book, table, &req, &())?;
    let r = &report;
    let mut text = String::new();
    let range = match (r.recorded.first(), r.recorded.last()) {
        (Some(a), Some(b)) => format!(" (#{}–#{})", a.seq, b.seq),
        _ => String::new(),
    };
    let total = (r.recorded.iter()).fold(calc::Money::ZERO, |s, e| {
        s.checked_add(e.amount()).unwrap_or(s)
    });
    text.push_str(&format!(
        "已记账 recorded: {} 条{range}，合计 {total} 元\n",
        r.recorded.len()
    ));
    if !r.held.is_empty() {
        let rows: Vec<String> = (r.held.iter())
            .map(|(row, seq)| format!("{row} (#{seq})"))
            .collect();
        text.push_str(&format!(
            "已在账 held: {} 行 rows: {}\n",
            r.held.len(),
            rows.join(", ")
        ));
    }
    if !r.pending.is_empty() {
        let rows: Vec<String> = r.pending.iter().map(usize::to_string).collect();
        text.push_str(&format!(
            "待定 pending (酌定未填核定金额 no decided amount): {} 行 rows: {}\n",
            r.pending.len(),
            rows.join(", ")
        ));
    }
    for t in &r.top_ups {
        let (row, old, seq) = (t.row, ledger::fen_text(t.voided_fen), t.voided);
        let (new, diff) = (
            ledger::fen_text(t.fen),
            ledger::fen_text(t.fen - t.voided_fen),
        );
        text.push_str(&format!(
            "补差 top-up: 第 {row} 行 row {row}: 已冲销的 #{seq} 曾付 paid {old}，本次 now {new}，尚需支付 still to pay {diff}\n"
        ));
    }
    for x in &r.excluded {
        text.push_str(&format!(
            "剔除 excluded: 第 {} 行 row: {}\n",
            x.row, x.reason
        ));
    }
    text.push_str(&head_line(&r.head));
    print(&text)
}

fn import(config: &Config, locator: &str, file: &Path, round: &str) -> Result<(), Failure> {
    use calc::prior::PriorSource;
    let shown = calc::files::shown(file);
    let bytes = calc::files::read_bytes(file, calc::sheet::read::MAX_INPUT_BYTES, |n| {
        calc::sheet::read::too_large(&shown, n)
    })?;
    let sha = ledger::sha256(&bytes);
    let table = calc::sheet::read::Table::from_bytes(shown.clone(), bytes, Encoding::Auto, None)?;
    let cols = calc::round::output::columns(&config.rules, &table)?;
    if cols.own {
        return Err(Failure::Calc(
            calc::error::InputError::new(
                &shown,
                calc::text!(
                    "这是一轮的输出，不能导入: 请用 `calc ledger record` (它会重新计算)",
                    "this is a round's output, which import refuses: record it with `calc ledger record` (which evaluates it again)"
                ),
            )
            .into(),
        ));
    }
    let awards = calc::prior::PriorFile::new(table).awards(&config.book)?;
    let mut l = open_checked(locator)?;
    let (done, held, head) = l.import(&config.book, awards, round, &sha, &who())?;
    print(&format!(
        "已导入 imported: {} 条；已在账 held: {held}\n{}",
        done.len(),
        head_line(&head)
    ))
}

/// An entry as `list --format json` gives it (SPEC §8).
fn json_of(e: &Entry, unmasked: bool) -> serde_json::Value {
    serde_json::json!({
        "seq": e.seq,
        "kind": e.kind,
        "credit_code": if unmasked { e.credit_code.clone() } else { ledger::masked(&e.credit_code) },
        "name": e.name,
        "district": e.district,
        "clause": e.clause,
        "item": e.item_text.clone().unwrap_or_else(|| e.item.clone()),
        "subject": e.subject,
        "title": e.title,
        "year": e.year,
        "amount": ledger::fen_text(e.amount_fen),
        "reverses": e.reverses,
        "reason": e.reason,
        "round": e.round,
        "output_sha256": e.output_sha256,
        "output_row": e.output_row,
        "rules_digest": e.rules_digest,
        "as_of": e.as_of,
        "approved_by": e.approved_by,
        "recorded_by": e.recorded_by,
        "recorded_at": e.recorded_at,
        "hash": e.hash,
    })
}

const LIST_HEADERS: [&str; 11] = [
    "seq",
    "kind",
    "credit_code",
    "name",
    "district",
    "clause",
    "item",
    "year",
    "amount",
    "round",
    "reverses",
];

fn list(entries: &[&Entry], format: Format, unmasked: bool) -> Result<String, Failure> {
    let code = |e: &Entry| match unmasked {
        true => e.credit_code.clone(),
        false => ledger::masked(&e.credit_code),
    };
    let cells = |e: &Entry| -> Vec<String> {
        vec![
            e.seq.to_string(),
            e.kind.clone(),
            code(e),
            e.name.clone(),
            e.district.clone(),
            e.clause.to_string(),
            e.item_text.clone().unwrap_or_else(|| e.item.clone()),
            e.year.map(|y| y.to_string()).unwrap_or_default(),
            ledger::fen_text(e.amount_fen),
            e.round.clone(),
            e.reverses.map(|r| format!("#{r}")).unwrap_or_default(),
        ]
    };
    match format {
        Format::Json => {
            let all: Vec<serde_json::Value> =
                entries.iter().map(|e| json_of(e, unmasked)).collect();
            Ok(format!("{:#}\n", serde_json::Value::Array(all)))
        }
        Format::Csv => {
            let rows: Vec<Vec<Cell>> = (entries.iter())
                .map(|e| cells(e).into_iter().map(Cell::Text).collect())
                .collect();
            let mut out = Vec::new();
            calc::sheet::write::table(
                &mut out,
                calc::sheet::Form {
                    format: calc::sheet::Format::Csv,
                    bom: false,
                },
                "<stdout>",
                calc::sheet::write::Table {
                    headers: &LIST_HEADERS,
                    rows: &rows,
                },
            )?;
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        // HTML is refused with the flags (`config::refuse_unhonoured`).
        Format::Table | Format::Html => {
            let mut t = comfy_table::Table::new();
            t.set_header(LIST_HEADERS.to_vec());
            for e in entries {
                t.add_row(cells(e));
            }
            Ok(format!("{t}\n{} 条 entries\n", entries.len()))
        }
    }
}

/// The live awards as a prior table: the applicant's credit code, name and district, and the
/// prior table's columns, headed by the vocabulary's labels, through the sheet writers.
fn export(config: &Config, locator: &str, to: &Path) -> Result<(), Failure> {
    calc::files::guard::writable(to, &calc::files::guard::OUTPUT)?;
    let mut l = open_checked(locator)?;
    let live = ledger::live(&l.entries()?);
    let rules = &config.rules;
    let r = &rules.roles;
    let label = |si, fi: Option<calc::rules::FieldId>| {
        fi.map(|f| rules.section(si).fields[f].label.clone())
            .unwrap_or_default()
    };
    let headers: Vec<String> = vec![
        label(r.applicant, Some(r.credit_code)),
        label(r.applicant, Some(r.name)),
        label(r.applicant, Some(r.district)),
        label(r.prior, Some(r.prior_clause)),
        label(r.prior, Some(r.prior_year)),
        label(r.prior, Some(r.prior_item)),
        label(r.prior, r.prior_subject),
        label(r.prior, r.prior_title),
        label(r.prior, r.prior_start),
        label(r.prior, r.prior_end),
        label(r.prior, Some(r.prior_amount)),
    ];
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let o = |v: &Option<String>| Cell::Text(v.clone().unwrap_or_default());
    let rows: Vec<Vec<Cell>> = (live.iter())
        .map(|e| {
            vec![
                Cell::Text(e.credit_code.clone()),
                Cell::Text(e.name.clone()),
                Cell::Text(e.district.clone()),
                Cell::Text(e.clause.to_string()),
                Cell::Text(e.year.map(|y| y.to_string()).unwrap_or_default()),
                o(&e.item_text),
                o(&e.subject),
                o(&e.title),
                o(&e.period_start),
                o(&e.period_end),
                Cell::Money(e.amount()),
            ]
        })
        .collect();
    let target = calc::files::Target::beside(to)?;
    let form = calc::sheet::Form {
        format: calc::files::format_of(to),
        bom: true,
    };
    calc::sheet::write::table(
        target.file(),
        form,
        &to.display().to_string(),
        calc::sheet::write::Table {
            headers: &headers,
            rows: &rows,
        },
    )?;
    target.commit()?;
    print(&format!(
        "已导出 exported: {} 条有效奖补 live awards → {}\n",
        live.len(),
        to.display()
    ))
}

/// The ledger a computation reads (`--ledger` on `calc FILE` and `calc batch`): its live
/// awards as a source of priors, and the head they were read at, which the run then names.
pub struct FromLedger {
    pub ledger: Ledger,
    pub priors: ledger::LedgerPriors,
    pub head: ledger::Head,
}

/// The ledger a command was given: `--ledger`, or `CALC_LEDGER` when it is set and not empty.
pub fn given(locator: Option<&str>) -> Option<&str> {
    locator.filter(|l| !l.trim().is_empty())
}

/// The ledger given to a command that computes with it, read; none when none was given.
pub fn read(locator: Option<&str>) -> Result<Option<FromLedger>, Failure> {
    given(locator).map(priors_of).transpose()
}

fn priors_of(locator: &str) -> Result<FromLedger, Failure> {
    let mut ledger = open_checked(locator)?;
    let (head, priors) = ledger.snapshot()?;
    Ok(FromLedger {
        ledger,
        priors,
        head,
    })
}

impl FromLedger {
    pub fn source(&self) -> &dyn calc::prior::PriorSource {
        &self.priors
    }

    /// After computing with it: the run logged in the ledger (SPEC §8), and the head the
    /// figures were computed against printed on stderr (stdout may be JSON or CSV).
    pub fn computed(&mut self, run: &ledger::Run) -> Result<(), Failure> {
        self.ledger.log_run(run, &who())?;
        eprint!("{}", head_line(&self.head));
        Ok(())
    }
}
