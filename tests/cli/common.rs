//! Helpers shared by the CLI tests: a `calc` command with a clean environment, and
//! temporary facts files.

#![allow(dead_code)] // each test module uses its own subset of the helpers
use std::path::PathBuf;

use assert_cmd::Command;

/// What a test's `calc` must not inherit from the environment it runs in: a rules folder, a
/// ledger, a terminal width (tables at the default 100 columns).
pub const INHERITED: [&str; 3] = ["CALC_RULES", "CALC_LEDGER", "COLUMNS"];

/// `calc` without the `INHERITED` variables, run from the repository root.
pub fn calc() -> Command {
    let mut cmd = Command::cargo_bin("calc").expect("the calc binary is built");
    for v in INHERITED {
        cmd.env_remove(v);
    }
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// A plain process (a pipe, a signal, a shell running `calc`) without the `INHERITED`
/// variables.
pub fn process(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    for v in INHERITED {
        cmd.env_remove(v);
    }
    cmd
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A valid applicant header (鹿城区 enterprise, all gates confirmed) to prepend to items.
pub const ENTERPRISE: &str = r#"[applicant]
name = "测试科技有限公司"
credit_code = "91330302MA2H00001Y"
kind = "enterprise"
district = "鹿城区"
registered = true
tax_compliant = true
ai_industry = true
"#;

/// Writes `text` to a fresh temporary file and returns it (kept alive by the returned guard).
pub fn facts_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("temp file");
    std::io::Write::write_all(&mut f, text.as_bytes()).expect("write");
    f
}

/// Runs `calc ARGS --format json`, which must succeed, and reads its JSON.
pub fn json_of(args: &[&str]) -> serde_json::Value {
    let out = calc()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Copies the shipped rules folder into a fresh temporary folder.
pub fn copy_rules() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = root().join("rules");
    std::fs::create_dir_all(dir.path().join("clauses")).unwrap();
    for f in ["policy.toml", "vocabulary.toml"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    for e in std::fs::read_dir(src.join("clauses")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join("clauses").join(p.file_name().unwrap())).unwrap();
    }
    dir
}
