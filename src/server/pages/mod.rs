//! The pages of `calc serve` (SPEC §9): the official's form (`/`), the clerk's round (`/round`)
//! and the login form (`/login`), with their script and style embedded in the binary
//! (`/assets/...`): nothing is loaded from another host, no script or style is inline (a strict
//! Content-Security-Policy holds), and no policy field is written here: the official's form is
//! built in the browser from the facts schema the server serves (`GET /api/schema`, made from
//! the rules vocabulary), so it follows `--rules` and never drifts from the parser.

use crate::render::Lang;
use crate::render::decision::escape;

const STYLE: &str = include_str!("style.css");
const COMMON_JS: &str = include_str!("common.js");
const OFFICIAL_JS: &str = include_str!("official.js");
const ROUND_JS: &str = include_str!("round.js");
const LOGIN_JS: &str = include_str!("login.js");

/// A page: its title, the language switch, the body and its scripts (from `/assets/`).
fn page(lang: Lang, here: &str, title: &str, body: &str, scripts: &[&str]) -> String {
    let mut o = String::with_capacity(4096);
    o.push_str("<!DOCTYPE html>\n<html lang=\"");
    o.push_str(lang.pick("zh-CN", "en"));
    o.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    o.push_str(&escape(title));
    o.push_str("</title>\n<link rel=\"stylesheet\" href=\"/assets/style.css\">\n");
    for s in scripts {
        o.push_str("<script src=\"/assets/");
        o.push_str(s);
        o.push_str("\" defer></script>\n");
    }
    o.push_str("</head>\n<body>\n<header class=\"top\">\n<nav aria-label=\"");
    o.push_str(lang.pick("导航", "Navigation"));
    o.push_str("\">");
    let links = [
        ("/", lang.pick("单个申报", "One applicant")),
        ("/round", lang.pick("批量计算", "A round")),
    ];
    let suffix = lang.pick("", "?lang=en");
    for (href, label) in links {
        o.push_str("<a href=\"");
        o.push_str(href);
        o.push_str(suffix);
        o.push('"');
        if href == here {
            o.push_str(" aria-current=\"page\"");
        }
        o.push('>');
        o.push_str(label);
        o.push_str("</a>");
    }
    o.push_str("</nav>\n<span class=\"lang\">");
    // The other language, on the same page.
    match lang {
        Lang::Zh => {
            o.push_str("<a href=\"");
            o.push_str(here);
            o.push_str("?lang=en\" lang=\"en\" hreflang=\"en\">English</a>");
        }
        Lang::En => {
            o.push_str("<a href=\"");
            o.push_str(here);
            o.push_str("\" lang=\"zh-CN\" hreflang=\"zh-CN\">中文</a>");
        }
    }
    o.push_str("</span>\n</header>\n<main>\n");
    o.push_str(body);
    o.push_str("\n</main>\n</body>\n</html>\n");
    o
}

/// The official's page (`/`): one applicant's facts in a form made from the vocabulary, checked
/// as typed, the result and its explanation, the decision sheet to print, a facts file in and
/// out.
pub fn official(lang: Lang) -> String {
    let t = |zh, en| lang.pick(zh, en);
    let body = format!(
        r#"<h1>{h1}</h1>
<p class="lead">{lead}</p>
<div class="layout">
<form id="facts-form" class="facts" novalidate aria-describedby="form-status">
<div class="filebar">
<label class="file">{upload} <input type="file" id="upload" accept=".toml,.json,application/toml,application/json,text/plain"></label>
<button type="button" id="download">{download}</button>
<button type="button" id="reset">{reset}</button>
</div>
<p id="form-status" class="status" role="status" aria-live="polite">{loading}</p>
<div id="sections"></div>
<div class="actions">
<button type="submit" id="evaluate" class="primary">{evaluate}</button>
<button type="button" id="print" disabled>{print}</button>
</div>
</form>
<section id="result" class="result" aria-labelledby="result-title">
<h2 id="result-title">{result}</h2>
<div id="result-head" class="result-head"></div>
<div id="result-table"><p class="hint" id="result-hint">{waiting}</p></div>
<h2 id="explain-title" hidden>{explain}</h2>
<div id="explanation"></div>
</section>
</div>"#,
        h1 = t("人工智能政策奖补计算", "AI policy subsidy calculator"),
        lead = t(
            "按申报材料逐项填写；每一项填写时即由 calc 校验，结果与命令行相同。带 * 的为必填项；是/否 项可留作“未填”（未填不等于“否”）。",
            "Fill in the applicant's facts item by item; each field is checked by calc as it is typed, and the figures are the command line's. Fields marked * are required; a yes/no fact may stay unstated (unstated is not “no”)."
        ),
        upload = t(
            "上传事实文件 (TOML/JSON)",
            "Upload a facts file (TOML/JSON)"
        ),
        download = t("下载为事实文件 (TOML)", "Download as a facts file (TOML)"),
        reset = t("清空", "Clear"),
        loading = t("正在载入表单…", "Loading the form…"),
        evaluate = t("计算", "Calculate"),
        print = t("打印核定表", "Print the decision sheet"),
        result = t("计算结果", "Result"),
        waiting = t(
            "填写申报单位和申报事项后，计算结果和说明显示在这里。",
            "The result and its explanation appear here once the applicant and its items are filled in."
        ),
        explain = t(
            "计算说明 (含条款原文)",
            "Explanation (with the clause texts)"
        ),
    );
    page(
        lang,
        "/",
        t("奖补计算 · calc", "Subsidy calculator · calc"),
        &body,
        &["common.js", "official.js"],
    )
}

/// The clerk's page (`/round`): a round's spreadsheet in, its output and summary out.
pub fn round(lang: Lang) -> String {
    let t = |zh, en| lang.pick(zh, en);
    let body = format!(
        r#"<h1>{h1}</h1>
<p class="lead">{lead}</p>
<form id="round-form" class="round" novalidate>
<div class="field"><label for="round-file">{file} <span class="req" aria-hidden="true">*</span></label>
<input type="file" id="round-file" name="file" required accept=".csv,.xlsx,.xls,.ods,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel,application/vnd.oasis.opendocument.spreadsheet"></div>
<div class="field"><label for="round-as-of">{as_of}</label>
<input type="text" id="round-as-of" name="as_of" placeholder="YYYY-MM-DD" inputmode="numeric" autocomplete="off" aria-describedby="round-as-of-hint">
<p class="hint" id="round-as-of-hint">{as_of_hint}</p></div>
<div class="field"><label for="round-output">{output}</label>
<select id="round-output" name="output"><option value="xlsx">XLSX</option><option value="csv">CSV</option></select></div>
<div class="field check"><input type="checkbox" id="round-summary" name="summary" checked><label for="round-summary">{summary}</label></div>
<div class="actions"><button type="submit" class="primary" id="round-run">{run}</button></div>
</form>
<p id="round-status" class="status" role="status" aria-live="polite"></p>
<div id="round-downloads" class="downloads"></div>"#,
        h1 = t("批量计算一轮申报", "Compute a round of applications"),
        lead = t(
            "上传本轮申报表 (CSV、XLSX、XLS 或 ODS；一行一个事项)，下载逐行核定的输出表和按区县、条款的汇总。行错误写在输出表的“状态”“说明”列中。",
            "Upload the round's spreadsheet (CSV, XLSX, XLS or ODS; one row per item) and download the output, row by row, and the summary by district and clause. Row errors are in the output's status and note columns."
        ),
        file = t("申报表文件", "Round file"),
        as_of = t("计算基准日", "As-of date"),
        as_of_hint = t("留空为今天", "empty: today"),
        output = t("输出格式", "Output format"),
        summary = t(
            "同时生成汇总表 (与输出表一起打包为 zip)",
            "Also the summary (zipped with the output)"
        ),
        run = t("计算并下载", "Compute and download"),
    );
    page(
        lang,
        "/round",
        t("批量计算 · calc", "A round · calc"),
        &body,
        &["common.js", "round.js"],
    )
}

/// The login form (`/login`): the token, posted to `/login`, which sets the pages' cookie.
pub fn login(lang: Lang) -> String {
    let t = |zh, en| lang.pick(zh, en);
    let body = format!(
        r#"<h1>{h1}</h1>
<form method="post" action="/login{suffix}" class="login">
<div class="field"><label for="token">{token}</label>
<input type="password" id="token" name="token" required autocomplete="current-password"></div>
<p id="login-status" class="status" role="alert"></p>
<div class="actions"><button type="submit" class="primary">{submit}</button></div>
</form>
<p class="hint">{hint}</p>"#,
        h1 = t("登录", "Log in"),
        suffix = t("", "?lang=en"),
        token = t("访问令牌", "Access token"),
        submit = t("登录", "Log in"),
        hint = t(
            "令牌由服务器管理员提供 (calc serve --token-file)。",
            "The token is given by the server's administrator (calc serve --token-file)."
        ),
    );
    page(
        lang,
        "/login",
        t("登录 · calc", "Log in · calc"),
        &body,
        &["common.js", "login.js"],
    )
}

/// An embedded asset by its path under `/assets/` (with or without that prefix): its content
/// type and bytes; `None` for any other path.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let name = path.trim_start_matches('/');
    let name = name.strip_prefix("assets/").unwrap_or(name);
    let js = "text/javascript; charset=utf-8";
    match name {
        "style.css" => Some(("text/css; charset=utf-8", STYLE.as_bytes())),
        "common.js" => Some((js, COMMON_JS.as_bytes())),
        "official.js" => Some((js, OFFICIAL_JS.as_bytes())),
        "round.js" => Some((js, ROUND_JS.as_bytes())),
        "login.js" => Some((js, LOGIN_JS.as_bytes())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_load_nothing_from_another_host_and_nothing_inline() {
        for lang in [Lang::Zh, Lang::En] {
            for html in [official(lang), round(lang), login(lang)] {
                assert!(
                    !html.contains("http://") && !html.contains("https://"),
                    "{html}"
                );
                assert!(
                    !html.contains("<script>") && !html.contains("<style"),
                    "{html}"
                );
                assert!(!html.contains(" style="), "{html}");
            }
        }
        assert!(official(Lang::En).starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    }

    #[test]
    fn every_asset_a_page_names_is_served_with_its_type() {
        for html in [official(Lang::Zh), round(Lang::Zh), login(Lang::Zh)] {
            for part in html.split("/assets/").skip(1) {
                let name = &part[..part.find('"').unwrap()];
                assert!(asset(name).is_some(), "{name}");
                assert!(asset(&format!("/assets/{name}")).is_some(), "{name}");
            }
        }
        assert_eq!(
            asset("style.css").map(|a| a.0),
            Some("text/css; charset=utf-8")
        );
        assert!(asset("../Cargo.toml").is_none());
        assert!(asset("").is_none());
    }
}
