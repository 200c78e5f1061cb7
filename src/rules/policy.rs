//! The policy-wide rule file (`rules/policy.toml`): document, dates, districts, gates, rounding.

use chrono::NaiveDate;
use serde::Deserialize;

use super::de_date;

/// Applicant facts that must be confirmed for some kinds of applicant (附则1 for enterprises).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub kinds: Vec<String>,
    pub require: Vec<String>,
    pub text: String,
}

/// Where a clause's money comes from (附则2 资金安排); clause files name one by its key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    pub key: String,
    pub label: String,
    pub label_en: String,
    /// The words of the policy (or of the text it defers to) that say so.
    pub text: String,
}

impl Funding {
    pub fn label(&self, en: bool) -> &str {
        if en { &self.label_en } else { &self.label }
    }
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Provisions {
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub non_duplication: String,
    #[serde(default)]
    pub effect: String,
    #[serde(default)]
    pub counties: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub id: String,
    pub document: String,
    pub title: String,
    pub title_en: String,
    #[serde(deserialize_with = "de_date")]
    pub issued: NaiveDate,
    pub version: String,
    #[serde(deserialize_with = "de_date")]
    pub effective_from: NaiveDate,
    #[serde(deserialize_with = "de_date")]
    pub effective_until: NaiveDate,
    #[serde(deserialize_with = "de_date")]
    pub events_from: NaiveDate,
    pub region: String,
    pub region_en: String,
    pub districts: Vec<String>,
    /// The city whose name may stand before a district (`温州市鹿城区`).
    #[serde(default)]
    pub city: String,
    /// Every county-level division a district fact may name; empty: any name is read as given.
    #[serde(default)]
    pub divisions: Vec<String>,
    pub rounding_dp: u32,
    #[serde(default)]
    pub gates: Vec<Gate>,
    /// The funding sources clause files may name.
    #[serde(default)]
    pub funding: Vec<Funding>,
    #[serde(default)]
    pub provisions: Provisions,
    #[serde(default)]
    pub interpretation: Vec<String>,
    /// Set by an overlay adopting the policy elsewhere (附则4): who adopted it.
    #[serde(default)]
    pub adopted_by: Option<String>,
}
