//! One typed fact, below both the rules (which compare facts with the values they name) and the
//! facts (which convert text into it by the vocabulary's types).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::money::Money;

/// One typed fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Money(Money),
    Date(NaiveDate),
    Int(i64),
    Number(Decimal),
    Text(String),
    /// Index into the field's listed values.
    Enum(u16),
}
