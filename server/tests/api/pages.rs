//! The pages as a browser receives them: valid HTML for the attributes the standard constrains
//! (one of each per element, `lang`, `crossorigin`, boolean attributes) and the HTTP status that
//! says what the page is (404 for what is not there or not the reader's, 410 for a used link, 429
//! for a refused attempt).

use crate::helpers::TestApp;
use crate::privacy::{acme, grace_session, GRACE};
use reqwest::Client;
use scraper::Html;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Attributes that are on or off (HTML "boolean attributes"): present, their value is empty or
/// their own name.
const BOOLEAN_ATTRIBUTES: &[&str] = &[
    "allowfullscreen",
    "async",
    "autofocus",
    "autoplay",
    "checked",
    "controls",
    "default",
    "defer",
    "disabled",
    "formnovalidate",
    "hidden",
    "inert",
    "ismap",
    "itemscope",
    "loop",
    "multiple",
    "muted",
    "nomodule",
    "novalidate",
    "open",
    "playsinline",
    "readonly",
    "required",
    "reversed",
    "selected",
];

/// A well-formed BCP 47 language tag as far as HTML needs it: a primary subtag and subtags.
fn is_language_tag(value: &str) -> bool {
    let mut subtags = value.split('-');
    let primary = subtags.next().unwrap_or_default();
    (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// What is wrong with `html` under the rules above, one line per fault.
fn html_faults(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let mut faults: Vec<String> = document
        .errors
        .iter()
        .filter(|e| e.contains("Duplicate attribute"))
        .map(|e| e.to_string())
        .collect();
    for element in document.tree.nodes().filter_map(|n| n.value().as_element()) {
        for (name, value) in element.attrs() {
            let tag = element.name();
            let bad = match name {
                "lang" | "hreflang" => !is_language_tag(value),
                "crossorigin" => !["", "anonymous", "use-credentials"]
                    .contains(&value.to_ascii_lowercase().as_str()),
                _ if BOOLEAN_ATTRIBUTES.contains(&name) => {
                    !(value.is_empty() || value.eq_ignore_ascii_case(name))
                }
                _ => false,
            };
            if bad {
                faults.push(format!("<{tag} {name}={value:?}>"));
            }
        }
        if element.name() == "html" && element.attr("lang").is_none() {
            faults.push("<html> without lang".to_owned());
        }
    }
    faults
}

async fn page(client: &Client, url: &str, accept_language: Option<&str>) -> String {
    let mut request = client.get(url);
    if let Some(languages) = accept_language {
        request = request.header("accept-language", languages);
    }
    request.send().await.unwrap().text().await.unwrap()
}

/// The `lang` of the page's `<html>`.
fn html_lang(html: &str) -> String {
    let document = Html::parse_document(html);
    document
        .root_element()
        .attr("lang")
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_html_check_finds_each_fault_it_looks_for() {
    assert!(html_faults(
        r#"<!DOCTYPE html><html lang="en"><head></head><body><input required=""></body></html>"#
    )
    .is_empty());
    for (bad, fault) in [
        (r#"<html lang="de" lang="en">"#, "Duplicate attribute"),
        (
            r#"<html lang="en"><link crossorigin="abc123">"#,
            "crossorigin",
        ),
        (r#"<html lang="en_GB">"#, "lang"),
        (r#"<html>"#, "without lang"),
        (r#"<html lang="en"><input required="true">"#, "required"),
    ] {
        let faults = html_faults(bad);
        assert!(
            faults.iter().any(|f| f.contains(fault)),
            "{bad}: {faults:?}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn candidate_and_staff_pages_are_valid_html_for_the_attributes_the_standard_constrains(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (rita, grace) = acme(&app).await;
    let consent_mail = app.last_mail_to(GRACE).await.expect("a consent request");
    let consent = app.link_in(&consent_mail, "/c/consent/");
    let session = grace_session(&app).await;
    let rec: String = sqlx::query_scalar("SELECT public_id FROM recruitments")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let stranger = app.browser();
    let mut pages = vec![
        (&stranger, "/".to_owned(), None),
        (&stranger, "/login".to_owned(), None),
        (&stranger, "/privacy".to_owned(), None),
        (&stranger, "/privacy?lang=de".to_owned(), None),
        (&stranger, "/privacy".to_owned(), Some("pl, en;q=0.5")),
        (&stranger, consent.clone(), None),
        (&stranger, format!("{consent}?lang=nl"), Some("de")),
        (&stranger, "/c/privacy/not-a-link".to_owned(), None),
        (&stranger, "/no/such/page".to_owned(), None),
        (&session, "/c/my-data?lang=de".to_owned(), None),
    ];
    for staff_page in [
        "/app".to_owned(),
        "/app/recruitments".to_owned(),
        format!("/app/recruitments/{rec}"),
        format!("/app/recruitments/{rec}/edit"),
        format!("/app/candidates/{grace}"),
        "/app/interviews".to_owned(),
        "/app/account".to_owned(),
    ] {
        pages.push((&rita, staff_page, None));
    }
    for (client, path, languages) in pages {
        let html = page(client, &app.url(&path), languages).await;
        let faults = html_faults(&html);
        assert!(faults.is_empty(), "{path} ({languages:?}): {faults:?}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_privacy_page_speaks_the_chosen_language_else_the_browsers(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let browser = app.browser();
    let url = app.url("/privacy");
    assert_eq!(
        html_lang(&page(&browser, &url, Some("pl, en;q=0.5")).await),
        "pl"
    );
    assert_eq!(html_lang(&page(&browser, &url, Some("xx")).await), "en");
    assert_eq!(html_lang(&page(&browser, &url, None).await), "en");
    let chosen = app.url("/privacy?lang=de");
    assert_eq!(html_lang(&page(&browser, &chosen, Some("pl")).await), "de");
}
