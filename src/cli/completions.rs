//! `calc completions SHELL`: a shell completion script, made from the flags themselves.

use clap::CommandFactory;

use super::{Cli, Failure};

#[derive(clap::Args, Debug)]
pub struct Args {
    pub shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "calc", &mut script);
    super::print(&String::from_utf8_lossy(&script))?;
    Ok(())
}
