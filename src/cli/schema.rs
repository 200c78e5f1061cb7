//! `calc schema`: the JSON Schema of an applicant file, made from the vocabulary.

use super::{Config, Failure};

pub fn run(config: &Config) -> Result<(), Failure> {
    super::print(&calc::template::schema_text(&config.rules))?;
    Ok(())
}
