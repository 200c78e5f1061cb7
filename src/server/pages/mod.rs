//! The pages (`/`, `/round`, `/login`, `/assets/*`): a minimal stand-in until the pages module
//! lands; the server calls these four functions only.

use crate::render::Lang;

fn page(lang: Lang, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>\n",
        lang.pick("zh-CN", "en")
    )
}

/// The official's page.
pub fn official(lang: Lang) -> String {
    let title = lang.pick("奖补计算", "Subsidy calculator");
    page(lang, title, &format!("<h1>{title}</h1>"))
}

/// The finance clerk's page.
pub fn round(lang: Lang) -> String {
    let title = lang.pick("批量计算", "A round");
    page(lang, title, &format!("<h1>{title}</h1>"))
}

/// The login form: the token, posted to `/login`.
pub fn login(lang: Lang) -> String {
    let label = lang.pick("令牌", "Token");
    page(
        lang,
        lang.pick("登录", "Log in"),
        &format!(
            "<form method=\"post\" action=\"/login\"><label for=\"token\">{label}</label><input id=\"token\" name=\"token\" type=\"password\"><button type=\"submit\">OK</button></form>"
        ),
    )
}

/// An embedded asset: its content type and bytes.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let _ = path;
    None
}
