//! The HTML report in a real browser: Debian's Chromium, headless, renders the
//! page and dumps the DOM it built, which the tests read (counts, each finding's
//! code, the fix text, what hostile input became); a screenshot of each page is
//! kept under target/html-report/. The page needs no script and fetches nothing.

use crate::common;

use common::{doctor, root};
use scraper::{Html, Selector};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Chromium (Debian's package), when it is here: see `present_or_skip`.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("ATHENA_DOCTOR_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    common::present_or_skip(path.exists(), "Chromium (apt-get install chromium)").then_some(path)
}

/// Chromium's run of a page: `--dump-dom` (the DOM after load), or a screenshot.
fn browse(browser: &Path, page: &Path, what: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1100,2600",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(what)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn select<'a>(dom: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    dom.select(&Selector::parse(css).unwrap()).collect()
}

fn text(element: &scraper::ElementRef) -> String {
    element.text().collect()
}

/// The report of a connection as HTML (written with --html in the same run as the
/// JSON report, which the DOM is checked against), its DOM as Chromium built it,
/// and a screenshot.
fn render(
    browser: &Path,
    dir: &Path,
    name: &str,
    config: &Path,
    extra: &[&str],
) -> (Html, serde_json::Value) {
    let page = dir.join(format!("{name}.html"));
    let json = dir.join(format!("{name}.json"));
    doctor()
        .args(["doctor", "--offline", "--exit-zero", "--config"])
        .arg(config)
        .args(extra)
        .arg("--html")
        .arg(&page)
        .arg("--json")
        .arg(&json)
        .assert()
        .success();
    let dom = Html::parse_document(&browse(browser, &page, "--dump-dom"));
    let shots = root().join("target/html-report");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join(format!("{name}.png"));
    browse(browser, &page, &format!("--screenshot={}", shot.display()));
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "a screenshot of {name}"
    );
    let report = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    (dom, report)
}

#[test]
fn the_shipped_examples_render_in_a_browser_with_every_finding_and_fix() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let examples = root().join("fixtures/examples");
    let trust = examples.join("acme-trust.json");
    let policy = examples.join("acme-policy.json");
    let policies = [
        "--trust-policy",
        trust.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ];
    for (name, config) in [
        ("acme", "acme.toml"),
        ("acme-healthy", "acme-healthy.toml"),
        ("acme-jdbc", "acme.jdbc"),
    ] {
        let (dom, report) = render(&browser, dir.path(), name, &examples.join(config), &policies);
        assert!(
            select(&dom, "script").is_empty()
                && select(&dom, "link").is_empty()
                && select(&dom, "img").is_empty()
        );
        // The counts are the report's.
        for kind in ["error", "warning", "info", "pass", "skip"] {
            let shown = select(&dom, &format!("[data-count={kind}]"));
            assert_eq!(
                text(&shown[0]),
                report["summary"][kind].to_string(),
                "{name}: {kind}"
            );
        }
        // One article per finding, in the report's order of severity, each with
        // its code, and its fix's command and JSON as text.
        let failures: Vec<&serde_json::Value> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .collect();
        let articles = select(&dom, "article.finding");
        assert_eq!(articles.len(), failures.len(), "{name}");
        for check in &failures {
            let code = check["code"].as_str().unwrap();
            let article = articles
                .iter()
                .find(|a| {
                    a.value().attr("data-code") == Some(code)
                        && text(a).contains(check["message"].as_str().unwrap())
                })
                .unwrap_or_else(|| panic!("{name}: no article for {code}"));
            if let Some(fix) = check["fix"].as_object() {
                // Its command, once, in the page's "apply in this order"
                // section (its document inline), which the finding links to;
                // beside it the whole corrected document, copyable as is.
                if let Some(command) = fix.get("command").and_then(|c| c.as_str()) {
                    let steps = select(&dom, "#apply li.step");
                    let step = steps
                        .iter()
                        .find(|s| select_in(s, "pre.command").iter().any(|p| text(p) == command))
                        .unwrap_or_else(|| panic!("{name} {code}: the command as text in a step"));
                    let id = step.value().attr("id").unwrap();
                    assert!(
                        select_in(article, &format!("a[href=\"#{id}\"]")).len() == 1,
                        "{name} {code}: the finding links to its step"
                    );
                    assert!(
                        step.value().attr("data-codes").unwrap().contains(code),
                        "{name} {code}: the step names the finding"
                    );
                    let document = serde_json::to_string_pretty(&fix["document"]).unwrap();
                    assert!(
                        select_in(step, "pre.document")
                            .iter()
                            .any(|p| text(p) == document),
                        "{name} {code}: the step's document is the fix's"
                    );
                }
                // Another tool's source shows its corrected text, as the
                // report has it, in the snippet's language.
                if let Some(snippet) = fix.get("snippet") {
                    let language = snippet["language"].as_str().unwrap();
                    let body = snippet["text"].as_str().unwrap().trim_end();
                    assert!(
                        select_in(article, &format!("pre.{language}"))
                            .iter()
                            .any(|p| text(p) == body),
                        "{name} {code}: the corrected source, copyable as is:\n{body}"
                    );
                    continue;
                }
                // The JSON shown is the JSON of the report, as is: a field's
                // fragment, a policy's statements.
                let body = match fix["kind"].as_str() {
                    Some("field") => fix.get("payload"),
                    _ => fix.get("statements"),
                };
                if let Some(body) = body {
                    let json = serde_json::to_string_pretty(body).unwrap();
                    assert!(
                        select_in(article, "pre.json").iter().any(|p| text(p) == json),
                        "{name} {code}: the fix's JSON, copyable as is:\n{json}"
                    );
                }
            }
        }
        // Skipped and passed checks are there, collapsed.
        for id in ["skipped", "passed"] {
            let details = select(&dom, &format!("details#{id}"));
            assert_eq!(details.len(), 1);
            assert!(details[0].value().attr("open").is_none(), "{id} is collapsed");
            let rows = select_in(&details[0], "tbody tr").len();
            let kind = if id == "skipped" { "skip" } else { "pass" };
            assert_eq!(rows.to_string(), report["summary"][kind].to_string());
        }
        assert_eq!(text(&select(&dom, "#mode")[0]), "offline");
        // Another tool's source is named, as its findings name its properties.
        let source: Vec<String> = select(&dom, "#source").iter().map(text).collect();
        match config {
            "acme.jdbc" => assert_eq!(source, ["the Athena JDBC 3.x URL"], "{name}"),
            _ => assert!(source.is_empty(), "{name}: {source:?}"),
        }
    }
}

fn select_in<'a>(element: &scraper::ElementRef<'a>, css: &str) -> Vec<scraper::ElementRef<'a>> {
    element.select(&Selector::parse(css).unwrap()).collect()
}

/// What a connection file says is shown as text: a display name and an ARN that
/// hold markup, quotes and control characters make no element and run nothing.
#[test]
fn hostile_input_is_shown_as_text() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hostile.toml");
    std::fs::write(
        &config,
        r#"display_name = "<script>document.title='owned'</script><img src=x onerror=alert(1)> \"q\" 'a' \u0007\u001b[31m"
s3_output_bucket = "s3://acme-athena-results/</pre><b>bold</b>"
data_catalog = "awsdatacatalog"
database_timezone = "UTC"
region = "us-east-1"

[auth]
type = "cross_account_role"
role_arn = "arn:aws:iam::111122223333:role/<iframe src=https://example.com>"
external_id = "x"
trusted_account_id = "999988887777"
"#,
    )
    .unwrap();
    let (dom, _) = render(&browser, dir.path(), "hostile", &config, &[]);
    for tag in ["script", "img", "iframe", "b"] {
        assert!(
            select(&dom, tag).is_empty(),
            "a <{tag}> element was made from input"
        );
    }
    let title = text(&select(&dom, "title")[0]);
    assert!(
        title.contains("<script>document.title='owned'</script>"),
        "{title}"
    );
    let name = text(&select(&dom, "#connection")[0]);
    assert!(
        name.contains("<img src=x onerror=alert(1)>") && name.contains("\"q\" 'a'"),
        "{name}"
    );
    assert!(
        name.contains("\\u{7}") && name.contains("\\u{1b}[31m"),
        "control characters as escapes: {name}"
    );
    let page = text(&select(&dom, "body")[0]);
    assert!(
        page.contains("role/<iframe src=https://example.com>"),
        "the ARN as text"
    );
}
