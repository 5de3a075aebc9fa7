//! The pages as a browser receives them: valid HTML for the attributes the standard constrains
//! (one of each per element, `lang`, `crossorigin`, boolean attributes) and the HTTP status that
//! says what the page is (404 for what is not there or not the reader's, 410 for a used link, 429
//! for a refused attempt).

use crate::helpers::{TestApp, PASSWORD};
use crate::privacy::{acme, grace_session, GRACE};
use reqwest::{Client, StatusCode};
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

/// The page without what differs from one response to the next (the CSP nonce).
fn without_nonce(html: &str) -> String {
    let nonce = regex::Regex::new(r#"nonce="[^"]*""#).unwrap();
    nonce.replace_all(html, "nonce=\"\"").into_owned()
}

/// The same id with its last character changed: well-formed, and no record's.
fn missing(id: &str) -> String {
    let (head, last) = id.split_at(id.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}

/// Status and body (nonce aside) of the page at `path` for `client`.
async fn status_and_body(app: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    let status = res.status();
    (status, without_nonce(&res.text().await.unwrap()))
}

#[sqlx::test(migrations = "../migrations")]
async fn a_staff_page_for_a_missing_hidden_or_other_organisations_record_is_a_404_alike(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (rita, cand) = acme(&app).await;
    app.add_member("ada@acme.example", "hilda@acme.example", "hiring_manager")
        .await;
    app.verified_admin("Rival", "rex@rival.example").await;
    app.grant_consent(GRACE).await;
    let (rec, application): (String, String) = sqlx::query_as(
        "SELECT r.public_id, a.public_id FROM applications a JOIN recruitments r ON r.id = a.recruitment_id",
    )
    .fetch_one(&app.owner)
    .await
    .unwrap();
    let int = app.schedule_interview(&rita, &application, &cand).await;

    let hilda = app.signed_in("hilda@acme.example", PASSWORD).await;
    // Ivan interviews, but not in this interview.
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    let pages = [
        ("/app/candidates/{}", cand.as_str(), Some(&hilda)),
        ("/app/recruitments/{}", rec.as_str(), Some(&hilda)),
        // Whoever may edit recruitments sees them all: no one is refused one by R2 alone.
        ("/app/recruitments/{}/edit", rec.as_str(), None),
        ("/app/interviews/{}", int.as_str(), Some(&ivan)),
    ];
    for (pattern, id, hidden_from) in pages {
        let at = |id: &str| pattern.replace("{}", id);
        let (status, _) = status_and_body(&app, &rita, &at(id)).await;
        assert_eq!(status, StatusCode::OK, "{}: the page itself works", at(id));
        let (status, _) = status_and_body(&app, &rita, &at("not-an-id")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", at("not-an-id"));
        // Each refused reader gets the answer they get for an id no record has.
        let mut readers = vec![(&rex, "another organisation")];
        if let Some(reader) = hidden_from {
            readers.push((reader, "hidden by R2"));
        }
        for (reader, why) in readers {
            let refused = status_and_body(&app, reader, &at(id)).await;
            let unknown = status_and_body(&app, reader, &at(&missing(id))).await;
            assert_eq!(refused.0, StatusCode::NOT_FOUND, "{} ({why})", at(id));
            assert_eq!(unknown.0, StatusCode::NOT_FOUND, "{}", at(&missing(id)));
            assert_eq!(refused.1, unknown.1, "{} ({why}): the same body", at(id));
        }
    }
}
