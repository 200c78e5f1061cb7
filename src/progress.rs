//! Where a long run is (`calc batch`), for the caller to show, or not: the library prints
//! nothing, the command line draws a bar from it.

/// What a phase counts, so that it is shown in its unit (a file's size read, rows written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Bytes,
    Rows,
}

/// Where a run is: a phase of `len` steps, and steps done.
pub trait Progress: Sync {
    fn phase(&self, name: &'static str, len: usize, counts: Count);
    fn inc(&self, n: u64);
    /// Whether the caller has given up on the run (a server's request that timed out): a round
    /// checks between its phases and stops with `batch::cancelled`. Never, unless said.
    fn cancelled(&self) -> bool {
        false
    }
}

/// No progress shown.
impl Progress for () {
    fn phase(&self, _: &'static str, _: usize, _: Count) {}
    fn inc(&self, _: u64) {}
}
