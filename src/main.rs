//! The `calc` binary: parse the command line, run, exit with the code the run asks for.

fn main() -> std::process::ExitCode {
    calc::cli::main()
}
