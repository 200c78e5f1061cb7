//! In-process speed: one typical applicant (10 items under 8 clauses, 2 priors), evaluated over
//! and over through `calc::evaluate` (target: 500,000 applicants/s on one core); and every step
//! of its outcome said into one reused buffer through `describe_into`, as a batch writes each
//! row's reason.
//!
//! Run: `cargo bench --bench evaluate` (criterion prints time per evaluation; applicants/s = 1 / time).

use calc::render::{Ctx, Lang, describe_into};
use calc::rules::SectionId;
use calc::{Facts, RuleSet, evaluate};
use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TYPICAL: &str = include_str!("../examples/enterprise.toml");

fn bench(c: &mut Criterion) {
    let rules = RuleSet::embedded().expect("shipped rules load");
    let facts = Facts::from_toml(&rules, "enterprise.toml", TYPICAL).expect("example loads");
    let r = &rules.roles;
    let count = |pick: &dyn Fn(SectionId) -> bool| -> usize {
        (facts.each_section())
            .filter(|&(s, _)| pick(s))
            .map(|(_, items)| items.len())
            .sum()
    };
    let items = count(&|s| s != r.applicant && s != r.application && s != r.prior);
    let priors = count(&|s| s == r.prior);
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        format!("typical applicant ({items} items, {priors} priors)"),
        |b| b.iter(|| evaluate(&rules, std::hint::black_box(&facts), as_of).expect("evaluates")),
    );
    group.finish();

    let outcome = evaluate(&rules, &facts, as_of).expect("evaluates");
    let steps: usize = outcome
        .clauses
        .iter()
        .flat_map(|co| &co.items)
        .map(|it| it.steps.len())
        .sum();
    let mut group = c.benchmark_group("describe");
    group.throughput(Throughput::Elements(1));
    for lang in [Lang::Zh, Lang::En] {
        let mut out = String::with_capacity(4096);
        group.bench_function(
            format!("every step of the typical applicant ({steps} steps, {lang:?})"),
            |b| {
                b.iter(|| {
                    out.clear();
                    for co in &outcome.clauses {
                        let Some(cx) = Ctx::of(&rules, &outcome, co, lang) else {
                            continue;
                        };
                        for s in co.items.iter().flat_map(|it| &it.steps) {
                            describe_into(std::hint::black_box(s), &cx, &mut out);
                        }
                    }
                    out.len()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
