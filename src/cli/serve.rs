//! `calc serve [--addr 127.0.0.1:8080] [--rules DIR] [--overlay F]... [--token-file F]
//! [--ledger L]`: the
//! pages and the JSON API of SPEC §9 (calc::server). This shell reads the token file, says
//! where it listens and writes a line per request on standard error; Ctrl-C or SIGTERM stops it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use calc::server;

use super::{Config, Failure};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// 监听地址 (默认只在本机) / the address to listen on (loopback by default; port 0: a free port)
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub addr: String,

    /// 令牌文件: 非本机地址必须给出；API 须带 Authorization: Bearer <令牌> / a file holding the token, required for a non-loopback address
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// 台账 (SQLite 文件或 PostgreSQL)：只读，其有效奖补和配额名额作往期 / a ledger, read only: its live awards and quota places are earlier ones
    #[arg(long, env = "CALC_LEDGER", value_name = "LEDGER")]
    pub ledger: Option<String>,
}

pub fn run(config: Config, args: &Args) -> Result<(), Failure> {
    let addr: SocketAddr = args.addr.parse().map_err(|_| {
        let a = &args.addr;
        Failure::Usage(calc::text!(
            "--addr `{a}` 不是地址，应如 127.0.0.1:8080",
            "--addr `{a}` is not an address: expected e.g. 127.0.0.1:8080"
        ))
    })?;
    let token = match &args.token_file {
        Some(path) => {
            let text = calc::files::text(path)?;
            let token = text.trim().to_string();
            if token.is_empty() {
                let p = path.display();
                return Err(Failure::Usage(calc::text!(
                    "令牌文件 {p} 是空的",
                    "the token file {p} is empty"
                )));
            }
            Some(token)
        }
        None => None,
    };
    if !addr.ip().is_loopback() && token.is_none() {
        return Err(Failure::Usage(calc::text!(
            "监听非本机地址 {addr} 须给出 --token-file",
            "listening on {addr}, which is not loopback, needs --token-file"
        )));
    }
    // Opened and its schema checked before listening: a wrong ledger stops the start, not a
    // request. The server only reads it (SPEC §9).
    let ledger = super::ledger::given(args.ledger.as_deref())
        .map(super::ledger::open_checked)
        .transpose()?
        .map(server::ledger::LedgerView::new);
    let log: server::Log = Arc::new(|line: &str| eprintln!("{line}"));
    let serve = server::Config {
        book: config.book,
        token,
        ledger,
        limits: server::Limits::default(),
        log: Some(log),
    };
    server::run(serve, addr, |bound| {
        eprintln!("calc serve: http://{bound}/ (API: http://{bound}/api/openapi.json)");
    })
    .map_err(|e| {
        Failure::Usage(calc::text!(
            "无法在 {addr} 上提供服务: {e}",
            "cannot serve on {addr}: {e}"
        ))
    })
}
