//! What the portal's forms offer and refuse, read from the HTML the server renders: irreversible
//! steps confirmed on the server and never styled as the primary action, the scorecard form
//! starting from what is saved, interview uploads offered only under their consent, and
//! download links the client-side router leaves to the browser.

use crate::helpers::{TestApp, PASSWORD};
use crate::privacy::{acme, file_request, grace_session, GRACE};
use candor_app::routes::UPLOAD_INTERVIEW_FILE;
use reqwest::{header, Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn json(app: &TestApp, client: &Client, name: &str, form: &[(&str, &str)]) -> Value {
    app.call(client, name, form).await.json().await.unwrap()
}

/// Grace's only application and its recruitment.
async fn application_of(app: &TestApp, rita: &Client, grace: &str) -> (String, String) {
    let view = json(app, rita, "candidate", &[("id", grace)]).await;
    let a = &view["applications"][0];
    (
        a["id"].as_str().unwrap().to_owned(),
        a["recruitment_id"].as_str().unwrap().to_owned(),
    )
}

/// A refusal for want of a confirmation: 422, naming what it would have confirmed.
async fn unconfirmed(res: reqwest::Response, names: &str) {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "confirmation_required");
    assert!(body["what"].as_str().unwrap().contains(names), "{body}");
}

/// The `<form>` element of `html` that contains `marker`.
fn form_with<'h>(html: &'h str, marker: &str) -> &'h str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let start = html[..at].rfind("<form").unwrap();
    let end = at + html[at..].find("</form>").unwrap();
    &html[start..end]
}

#[sqlx::test(migrations = "../migrations")]
async fn irreversible_steps_are_refused_unless_confirmed_and_change_nothing(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (rita, grace) = acme(&app).await;
    let (application, _) = application_of(&app, &rita, &grace).await;
    let decision = [
        ("application", application.as_str()),
        ("decision", "hired"),
        ("reason", "Strongest systems design"),
        ("candidate", grace.as_str()),
    ];
    unconfirmed(
        app.call(&rita, "record_decision", &decision).await,
        "the hiring decision",
    )
    .await;
    // Without JavaScript, back to the page with the error's code.
    let res = rita
        .post(app.url("/fn/record_decision"))
        .header(header::ACCEPT, "text/html")
        .header(header::ORIGIN, &app.base)
        .form(&decision)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(
        back,
        format!("/app/candidates/{grace}?error=confirmation_required")
    );
    assert!(app
        .html(&rita, &back)
        .await
        .contains("Tick the box to confirm this step (it cannot be undone)."));
    assert_eq!(
        app.count("SELECT count(*) FROM applications WHERE decided_at IS NOT NULL")
            .await,
        0
    );
    // The form carries the box, and its button is not the primary one.
    let page = app.html(&rita, &format!("/app/candidates/{grace}")).await;
    let form = form_with(&page, "Record decision");
    assert!(
        form.contains(r#"name="confirm" value="yes" required"#),
        "{form}"
    );
    assert!(
        form.contains(r#"class="button button-danger">Record decision"#),
        "{form}"
    );

    // Revoking a key.
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let key = app.create_api_key(&ada, &[("scope_read", "on")]).await;
    let key_id = json(&app, &ada, "api_keys", &[]).await["keys"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    unconfirmed(
        app.call(&ada, "revoke_api_key", &[("id", &key_id)]).await,
        "revoking the key",
    )
    .await;
    assert_eq!(
        app.api(Some(&key), "/api/v1/candidates").await.status(),
        StatusCode::OK,
        "the key still works"
    );
    let page = app.html(&ada, "/admin/api-keys").await;
    let form = form_with(&page, r#"name="confirm""#);
    assert!(form.contains(&format!(r#"value="{key_id}""#)), "{form}");
    assert!(form.contains("button-small button-danger"), "{form}");
    let res = app
        .call(
            &ada,
            "revoke_api_key",
            &[("id", &key_id), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.api(Some(&key), "/api/v1/candidates").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Deactivating a colleague; reactivating needs no box.
    let audrey: String =
        sqlx::query_scalar("SELECT public_id FROM users WHERE email = 'audrey@acme.example'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let audrey_client = app.signed_in("audrey@acme.example", PASSWORD).await;
    unconfirmed(
        app.call(
            &ada,
            "set_user_active",
            &[("user", &audrey), ("active", "false")],
        )
        .await,
        "deactivating the user",
    )
    .await;
    assert_eq!(
        app.call(&audrey_client, "current_user", &[]).await.status(),
        StatusCode::OK,
        "still signed in"
    );
    let page = app.html(&ada, "/admin/users").await;
    let form = form_with(&page, &format!(r#"id="confirm-deactivate-{audrey}""#));
    assert!(form.contains(r#"name="active" value="false""#), "{form}");
    assert!(form.contains("button-small button-danger"), "{form}");
    for (active, confirm) in [("false", "yes"), ("true", "")] {
        let res = app
            .call(
                &ada,
                "set_user_active",
                &[("user", &audrey), ("active", active), ("confirm", confirm)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "active {active}");
    }

    // Completing a deletion request: the box names the request; other requests need none.
    let session = grace_session(&app).await;
    file_request(&app, &session, "rectification", "My phone number changed").await;
    file_request(&app, &session, "deletion", "Please forget me").await;
    let queue = json(&app, &rita, "data_requests", &[]).await;
    let id_of = |kind: &str| {
        queue["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (deletion, rectification) = (id_of("deletion"), id_of("rectification"));
    let page = app.html(&rita, "/app/requests").await;
    let erase = form_with(&page, &format!(r#"id="confirm-{deletion}""#));
    assert!(erase.contains("button button-danger"), "{erase}");
    assert!(erase.contains("Complete: erase the data"), "{erase}");
    let plain = form_with(
        &page[page.find(&format!(r#"value="{rectification}""#)).unwrap()..],
        r#"value="complete""#,
    );
    assert!(!plain.contains(r#"name="confirm""#), "{plain}");
    let complete = |id: &str, confirm: &str| {
        let form = [
            ("id", id.to_owned()),
            ("step", "complete".to_owned()),
            ("text", "Done".to_owned()),
            ("confirm", confirm.to_owned()),
        ];
        let (app, rita) = (&app, &rita);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(rita, "update_data_request", &form).await
        }
    };
    unconfirmed(complete(&deletion, "").await, &deletion).await;
    assert_eq!(
        app.count("SELECT count(*) FROM candidates WHERE deletion_requested_at IS NOT NULL")
            .await,
        0,
        "nothing is marked for the worker"
    );
    assert_eq!(complete(&rectification, "").await.status(), StatusCode::OK);
    assert_eq!(complete(&deletion, "yes").await.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT count(*) FROM candidates WHERE deletion_requested_at IS NOT NULL")
            .await,
        1
    );
}

/// Grace's answers to her latest consent request, purpose by purpose.
async fn answer(app: &TestApp, answers: [(&str, &str); 4]) {
    let mail = app.last_mail_to(GRACE).await.unwrap();
    let token = app.link_in(&mail, "/c/consent/");
    let token = token.trim_start_matches("/c/consent/");
    let mut form = vec![("token", token), ("lang", "en")];
    form.extend(answers);
    let res = app.call(&app.browser(), "give_consent", &form).await;
    assert_eq!(res.status(), StatusCode::OK);
}

struct Interview {
    rita: Client,
    ivan: Client,
    id: String,
    criteria: Vec<String>,
}

/// An interview of Grace's, with two criteria, Ivan and Rita assigned to it.
async fn interview(app: &TestApp) -> Interview {
    let (rita, grace) = acme(app).await;
    let (application, recruitment) = application_of(app, &rita, &grace).await;
    for name in ["Rust", "Communication"] {
        let res = app
            .call(
                &rita,
                "add_criterion",
                &[("id", &recruitment), ("name", name), ("weight", "3")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let criteria = json(app, &rita, "recruitment", &[("id", &recruitment)]).await["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let id = app.schedule_interview(&rita, &application, &grace).await;
    for email in ["ivan@acme.example", "rita@acme.example"] {
        let user: String = sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&app.owner)
            .await
            .unwrap();
        let res = app
            .call(
                &rita,
                "assign_interviewer",
                &[("interview", &id), ("interviewer", &user)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    Interview {
        rita,
        ivan,
        id,
        criteria,
    }
}

/// The `<select>` of a criterion's score on the interview page.
fn score_select<'h>(html: &'h str, criterion: &str) -> &'h str {
    let start = html
        .find(&format!(r#"id="score-{criterion}""#))
        .unwrap_or_else(|| panic!("no score form for {criterion}: {html}"));
    &html[start..start + html[start..].find("</select>").unwrap()]
}

#[sqlx::test(migrations = "../migrations")]
async fn the_scorecard_form_starts_from_what_the_interviewer_saved(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let i = interview(&app).await;
    app.grant_consent(GRACE).await;
    let (rust, communication) = (&i.criteria[0], &i.criteria[1]);
    let evidence = "Designed a sharded queue & said why";
    let res = app
        .call(
            &i.ivan,
            "save_score",
            &[
                ("interview", &i.id),
                ("criterion", rust),
                ("score", "4"),
                ("evidence", evidence),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let page = app
        .html(&i.ivan, &format!("/app/interviews/{}", i.id))
        .await;
    let select = score_select(&page, rust);
    assert!(select.contains(r#"<option value="4" selected"#), "{select}");
    assert_eq!(select.matches("selected").count(), 1, "{select}");
    assert!(
        page.contains(&format!(
            r#"id="evidence-{rust}" name="evidence" type="text" maxlength="2000" value="Designed a sharded queue &amp; said why""#
        )),
        "{page}"
    );
    // Nothing saved yet: no score is put forward.
    let select = score_select(&page, communication);
    assert!(select.contains(r#"<option value="" selected"#), "{select}");
    assert!(page.contains(&format!(
        r#"id="evidence-{communication}" name="evidence" type="text" maxlength="2000" value="""#
    )));
    // Rita, who sees Ivan's score, starts from her own (none), not from his.
    let page = app
        .html(&i.rita, &format!("/app/interviews/{}", i.id))
        .await;
    assert!(page.contains("4/5"), "Ivan's score is listed for her");
    assert!(score_select(&page, rust).contains(r#"<option value="" selected"#));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_interview_offers_only_the_uploads_its_consent_allows_and_says_why_not(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let i = interview(&app).await;
    let path = format!("/app/interviews/{}", i.id);
    let upload = format!(r#"action="{}""#, UPLOAD_INTERVIEW_FILE.at(&i.id));

    let page = app.html(&i.ivan, &path).await;
    assert!(!page.contains(&upload), "no upload before any answer");
    for (kind, purpose) in [("Recording", "recording"), ("Transcript", "transcription")] {
        assert!(
            page.contains(&format!(
                "{kind}: cannot be attached, because the candidate has not answered the request \
                 for consent to {purpose} yet."
            )),
            "{page}"
        );
    }

    answer(
        &app,
        [
            ("evaluation", "yes"),
            ("recording", "no"),
            ("transcription", "yes"),
            ("ai_support", "no"),
        ],
    )
    .await;
    let page = app.html(&i.ivan, &path).await;
    let form = form_with(&page, &upload);
    assert!(
        form.contains(r#"<input type="hidden" name="kind" value="transcript""#),
        "{form}"
    );
    assert!(!form.contains("recording"), "{form}");
    assert!(page.contains(
        "Recording: cannot be attached, because the candidate refused consent to recording."
    ));
    assert!(!page.contains("Transcript: cannot be attached"));

    // Asked again and both granted: the form offers the choice, and no reason is given.
    let grace: String = sqlx::query_scalar("SELECT public_id FROM candidates")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let (application, _) = application_of(&app, &i.rita, &grace).await;
    let res = app
        .call(
            &i.rita,
            "resend_consent",
            &[("application", &application), ("candidate", &grace)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    answer(
        &app,
        [
            ("evaluation", "yes"),
            ("recording", "yes"),
            ("transcription", "yes"),
            ("ai_support", "no"),
        ],
    )
    .await;
    let page = app.html(&i.ivan, &path).await;
    let form = form_with(&page, &upload);
    assert!(form.contains(r#"<option value="recording""#), "{form}");
    assert!(form.contains(r#"<option value="transcript""#), "{form}");
    assert!(!page.contains("cannot be attached"));
}

/// Every anchor of `html` that leads to a file rather than a page.
fn download_links(html: &str) -> Vec<&str> {
    html.match_indices("<a ")
        .map(|(at, _)| &html[at..at + html[at..].find('>').unwrap()])
        .filter(|a| {
            [".csv", "/app/documents/", "export.json", "openapi.json"]
                .iter()
                .any(|file| a.contains(file))
        })
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_download_link_is_left_to_the_browser_by_the_client_side_router(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (rita, grace) = acme(&app).await;
    let (_, recruitment) = application_of(&app, &rita, &grace).await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let grace_browser = grace_session(&app).await;
    let pages = [
        (&rita, format!("/app/candidates/{grace}"), 1),
        (&rita, format!("/app/recruitments/{recruitment}"), 1),
        (&ada, "/app/audit".to_owned(), 1),
        (&ada, "/admin/api-keys".to_owned(), 1),
        (&grace_browser, "/c/my-data".to_owned(), 1),
    ];
    for (client, path, expected) in pages {
        let html = app.html(client, &path).await;
        let links = download_links(&html);
        assert_eq!(links.len(), expected, "{path}: {html}");
        for link in links {
            assert!(link.contains(r#"rel="external""#), "{path}: {link}");
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_api_key_is_shown_once_with_a_copy_button_that_waits_for_the_script(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let res = app
        .call(
            &ada,
            "create_api_key",
            &[("name", "Nightly sync"), ("scope_read", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = app.html(&ada, "/admin/api-keys").await;
    let key = page
        .split(r#"data-testid="new-api-key">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap();
    assert!(key.starts_with("cnd_"), "{page}");
    assert!(
        page.contains(
            r#"<button type="button" hidden class="button button-secondary">Copy the key"#
        ),
        "hidden until hydrated: without JavaScript it could not copy: {page}"
    );
    assert!(!app.html(&ada, "/admin/api-keys").await.contains(key));
}
