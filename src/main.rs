//! The `calc` binary: parse the command line, run, exit with the code the run asks for.

/// mimalloc: a batch allocates and frees millions of small values across threads, where it is
/// several times faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    calc::cli::main()
}
