//! `calc rules list|show N|check [DIR]|digest`: read and check the rules. `check` works on rules
//! that do not compile (that is what it is for), so it compiles them itself.

use std::path::{Path, PathBuf};

use calc::error::InputError;
use calc::render::rules::{list, list_json, show};
use calc::rules::{RuleSet, RuleSources};

use super::args::Honours;
use super::config::refuse_unhonoured;
use calc::render::wrap::fit;

use super::{Common, Config, Failure, Format, print, width};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// 条款一览 / every clause: title, award kind, cap, responsible units
    List,
    /// 一条的原文、参数和解释说明 / one clause: its text, parameters and interpretation notes
    Show {
        /// 条款号 / the clause number
        clause: u32,
    },
    /// 检查规则目录，一次报告全部问题 / check a rules folder and report every problem
    Check {
        /// 规则目录 (默认: --rules 或内置规则) / the folder (default: --rules or the embedded rules)
        dir: Option<PathBuf>,
    },
    /// 生效规则的 sha256 摘要 (含 overlay) / the sha256 of the rules in effect, overlays included
    Digest,
}

pub fn run(common: &Common, args: &Args) -> Result<(), Failure> {
    let (name, honours) = match args.action {
        Action::List => (
            "rules list",
            Honours {
                format: true,
                lang: true,
                as_of: false,
            },
        ),
        Action::Show { .. } => (
            "rules show",
            Honours {
                lang: true,
                ..Honours::NONE
            },
        ),
        Action::Check { .. } => ("rules check", Honours::NONE),
        Action::Digest => ("rules digest", Honours::NONE),
    };
    if let Action::Check { dir } = &args.action {
        refuse_unhonoured(common, name, honours)?;
        return check(common, dir.as_deref().or(common.rules.as_deref()));
    }
    let config = Config::new(common, name, honours)?;
    let (rules, lang) = (&config.rules, config.lang);
    let text = match &args.action {
        Action::List if config.format == Format::Json => list_json(rules, lang),
        Action::List => list(rules, lang, width()),
        Action::Show { clause } => fit(&show(rules, *clause, lang)?, width()),
        Action::Digest => format!("{}\n", rules.digest),
        Action::Check { .. } => unreachable!("checked above"),
    };
    print(&text)?;
    Ok(())
}

/// Every problem at once, warnings too; exit 2 when there is a problem.
fn check(common: &Common, dir: Option<&Path>) -> Result<(), Failure> {
    let mut sources = match dir {
        Some(d) => match calc::files::rules_dir(d) {
            Ok(s) => s,
            Err(e) => return problems(&e.0),
        },
        None => RuleSources::embedded(),
    };
    for o in &common.overlay {
        match calc::files::text(o) {
            Ok(text) => sources.add_overlay(o.display().to_string(), text),
            Err(e) => return problems(&[e]),
        }
    }
    let rules = match RuleSet::compile(&sources) {
        Ok(rules) => rules,
        Err(e) => return problems(&e.0),
    };
    let mut out: String = rules.warnings.iter().map(|w| format!("{w}\n")).collect();
    out += &passed(&rules);
    print(&fit(&out, width()))?;
    Ok(())
}

fn passed(rules: &RuleSet) -> String {
    let facts: usize = rules
        .vocabulary
        .sections
        .iter()
        .map(|s| s.fields.len())
        .sum();
    let overlays = if rules.overlays.is_empty() {
        String::new()
    } else {
        format!(" + {}", rules.overlays.join(", "))
    };
    format!(
        "规则检查通过 / the rules are valid: {} ({}{overlays}): {} 条款 clauses, {facts} 事实 facts, {} 警告 warnings · 版本 version {} · sha256 {}\n",
        rules.policy.document,
        rules.origin,
        rules.clauses.len(),
        rules.warnings.len(),
        rules.policy.version,
        rules.digest
    )
}

fn problems(errors: &[InputError]) -> Result<(), Failure> {
    let mut out: String = errors.iter().map(|e| format!("{e}\n")).collect();
    let n = errors.len();
    out += &format!("发现 {n} 个问题 / {n} problem(s) found\n");
    print(&fit(&out, width()))?;
    Err(Failure::RulesProblems)
}
