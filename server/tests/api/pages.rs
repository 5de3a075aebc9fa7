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
        (&stranger, "/c/saved?lang=sv".to_owned(), None),
        (&stranger, "/c/unknown".to_owned(), None),
        (&stranger, "/reset/not-a-link".to_owned(), None),
        (&stranger, "/invite/not-a-link".to_owned(), None),
        (&stranger, "/verify-email/not-a-link".to_owned(), None),
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

/// The same id or token with its last character changed: well-formed, and nobody's.
fn one_character_changed(id: &str) -> String {
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
            let unknown = status_and_body(&app, reader, &at(&one_character_changed(id))).await;
            assert_eq!(refused.0, StatusCode::NOT_FOUND, "{} ({why})", at(id));
            assert_eq!(
                unknown.0,
                StatusCode::NOT_FOUND,
                "{}",
                at(&one_character_changed(id))
            );
            assert_eq!(refused.1, unknown.1, "{} ({why}): the same body", at(id));
        }
    }
}

/// The token of the newest link to `prefix` in the newest mail to `to`.
async fn token_mailed(app: &TestApp, to: &str, prefix: &str) -> String {
    let mail = app.last_mail_to(to).await.expect("a mail");
    app.link_in(&mail, prefix)
        .trim_start_matches(prefix)
        .to_owned()
}

/// Sets the stored token's `column` to a time before now: used, or expired.
async fn spend(app: &TestApp, token: &str, column: &str) {
    let hash = candor_app::backend::auth::tokens::hash_token(token);
    let spent = sqlx::query(&format!(
        "UPDATE one_time_tokens SET {column} = now() - interval '1 minute' WHERE token_hash = $1"
    ))
    .bind(hash.as_slice())
    .execute(&app.owner)
    .await
    .unwrap();
    assert_eq!(spent.rows_affected(), 1);
}

/// One link of every kind, each in its own state, under its page prefix.
async fn links_of_every_kind(app: &TestApp) -> Vec<(&'static str, String)> {
    let (_, _) = acme(app).await;
    let consent = token_mailed(app, GRACE, "/c/consent/").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    app.call(
        &ada,
        "invite_user",
        &[
            ("email", "nia@acme.example"),
            ("display_name", "Nia"),
            ("role", "auditor"),
        ],
    )
    .await;
    app.call(
        &app.browser(),
        "request_password_reset",
        &[("email", "rita@acme.example")],
    )
    .await;
    app.call(
        &app.browser(),
        "request_privacy_link",
        &[("email", GRACE), ("lang", "en")],
    )
    .await;
    app.sign_up("Beta", "bea@beta.example").await;
    vec![
        ("/c/consent/", consent),
        ("/c/privacy/", token_mailed(app, GRACE, "/c/privacy/").await),
        (
            "/invite/",
            token_mailed(app, "nia@acme.example", "/invite/").await,
        ),
        (
            "/reset/",
            token_mailed(app, "rita@acme.example", "/reset/").await,
        ),
        (
            "/verify-email/",
            token_mailed(app, "bea@beta.example", "/verify-email/").await,
        ),
    ]
}

#[sqlx::test(migrations = "../migrations")]
async fn a_link_page_is_a_404_for_an_unknown_or_tampered_link_and_a_410_for_a_spent_one(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let links = links_of_every_kind(&app).await;
    let browser = app.browser();
    let status = |path: String| {
        let (browser, app) = (&browser, &app);
        async move { browser.get(app.url(&path)).send().await.unwrap().status() }
    };
    let unknown = "A".repeat(43);
    for (prefix, token) in &links {
        // Each page counts against the address's limit on link guesses; this test is no guess.
        sqlx::query("DELETE FROM rate_limit_buckets")
            .execute(&app.owner)
            .await
            .unwrap();
        assert_eq!(
            status(format!("{prefix}{token}")).await,
            StatusCode::OK,
            "{prefix} works"
        );
        assert_eq!(
            status(format!("{prefix}{token}")).await,
            StatusCode::OK,
            "{prefix}: showing the page does not use the link"
        );
        for (what, path) in [
            ("unknown", format!("{prefix}{unknown}")),
            (
                "tampered",
                format!("{prefix}{}", one_character_changed(token)),
            ),
            ("malformed", format!("{prefix}not-a-token")),
        ] {
            assert_eq!(status(path).await, StatusCode::NOT_FOUND, "{prefix} {what}");
        }
        spend(&app, token, "consumed_at").await;
        assert_eq!(
            status(format!("{prefix}{token}")).await,
            StatusCode::GONE,
            "{prefix} used"
        );
        sqlx::query("UPDATE one_time_tokens SET consumed_at = NULL")
            .execute(&app.owner)
            .await
            .unwrap();
        spend(&app, token, "expires_at").await;
        assert_eq!(
            status(format!("{prefix}{token}")).await,
            StatusCode::GONE,
            "{prefix} expired"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_link_page_refused_by_the_guessing_limit_is_a_429_with_retry_after(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let links = links_of_every_kind(&app).await;
    let browser = app.browser();
    let guess = app.url(&format!("/c/consent/{}", "A".repeat(43)));
    let mut limited = None;
    for _ in 0..40 {
        let res = browser.get(&guess).send().await.unwrap();
        if res.status() != StatusCode::NOT_FOUND {
            limited = Some(res);
            break;
        }
    }
    let limited = limited.expect("guesses are limited");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    // Every kind of link page from this address waits, even for a good link.
    for (prefix, token) in &links {
        let res = browser
            .get(app.url(&format!("{prefix}{token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{prefix}");
        let wait: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(wait > 0, "{prefix}: Retry-After {wait}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_form_page_a_browser_without_javascript_lands_on_after_a_limit_refused_it_is_a_429(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let browser = app.browser();
    let ask = || {
        browser
            .post(app.url("/fn/request_password_reset"))
            .header("accept", "text/html")
            .header("origin", &app.origin)
            .form(&[("email", "ada@acme.example")])
            .send()
    };
    let mut landing = None;
    for _ in 0..10 {
        let res = ask().await.unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        if location.contains("error=rate_limited") {
            landing = Some(location);
            break;
        }
        let page = browser.get(app.url(&location)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{location}");
    }
    let landing = landing.expect("the limit refuses a burst");
    let page = browser.get(app.url(&landing)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = page.headers()["retry-after"].to_str().unwrap().to_owned();
    assert!(
        landing.contains(&format!("retry_after={wait}")),
        "{landing}: {wait}"
    );
    assert!(page.text().await.unwrap().contains("Too many attempts"));
}
