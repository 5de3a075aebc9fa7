//! The organisation's privacy contact (issue 24, item 3): who candidates can reach about their
//! data, stated in every consent receipt. No consent link goes out before an admin gives it.

use crate::helpers::{TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const CONTACT: [(&str, &str); 7] = [
    ("privacy_contact", "Data protection officer"),
    ("privacy_street_address", "Keizersgracht 1"),
    ("privacy_postal_code", "1015 CJ"),
    ("privacy_locality", "Amsterdam"),
    ("privacy_country", "nl"),
    ("privacy_email", "privacy@acme.example"),
    ("privacy_phone", "+31 20 123 4567"),
];

#[sqlx::test(migrations = "../migrations")]
async fn no_consent_link_goes_out_before_an_admin_gives_the_privacy_contact(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members("ada@acme.example", &[("rita@acme.example", "recruiter")])
        .await;
    // As an organisation of an earlier release has it: no contact yet.
    sqlx::query("UPDATE orgs SET privacy_contact = NULL, privacy_street_address = NULL, privacy_postal_code = NULL, privacy_locality = NULL, privacy_country = NULL, privacy_email = NULL, privacy_phone = NULL")
        .execute(&app.owner)
        .await
        .unwrap();
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(&rita, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    let grace = [
        ("recruitment", rec.as_str()),
        ("full_name", "Grace Hopper"),
        ("email", "grace@example.org"),
    ];
    let res = app.call(&rita, "add_candidate", &grace).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "privacy_contact_required", "{body}");
    // Nothing half done: no candidate, no link, no e-mail.
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 0);
    assert_eq!(
        app.count("SELECT count(*) FROM one_time_tokens WHERE purpose = 'consent'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE template = 'consent_request'")
            .await,
        0
    );

    // Only an admin may give it.
    let res = app.call(&rita, "set_privacy_contact", &CONTACT).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let mut wrong = CONTACT.to_vec();
    wrong[4].1 = "Netherlands";
    wrong[6].1 = "ring us";
    let res = app.call(&ada, "set_privacy_contact", &wrong).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["privacy_country", "privacy_phone"], "{body}");
    assert_eq!(
        app.count("SELECT count(*) FROM orgs WHERE privacy_email IS NOT NULL")
            .await,
        0
    );

    let res = app.call(&ada, "set_privacy_contact", &CONTACT).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert_eq!(
        app.count("SELECT count(*) FROM orgs WHERE privacy_country = 'NL' AND privacy_email = 'privacy@acme.example'").await,
        1
    );
    let res = app.call(&rita, "add_candidate", &grace).await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE template = 'consent_request'")
            .await,
        1
    );
}
