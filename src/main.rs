//! The `calc` binary: the command line (`cli`) around the `calc` library.

// A failure carries a located input error in both languages; it is returned once, at the end.
#![allow(clippy::result_large_err)]

mod cli;

/// mimalloc: a batch allocates and frees millions of small values across threads, where it is
/// several times faster than the system allocator.
/// Built with `no_thp`: asking for transparent huge pages made every fault of the heap
/// zero 2 MiB, a third of a large batch's time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
