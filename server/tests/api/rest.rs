//! API keys (F11) and the public REST API (SPEC section 5): keys shown once and stored hashed,
//! the API matrix over every endpoint the OpenAPI document lists, cursor pages, problem details,
//! durable per-key rate limits and audited candidate reads.

use crate::helpers::{key_secret, TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::collections::BTreeMap;

struct Acme {
    ada: Client,
    /// Concrete values for the path parameters of the OpenAPI document.
    ids: BTreeMap<&'static str, String>,
}

async fn location_id(res: reqwest::Response, prefix: &str) -> String {
    assert!(res.status().is_success(), "{}", res.status());
    res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches(prefix)
        .to_owned()
}

/// Acme with a recruitment, a consenting candidate, an application and an interview; Rival empty.
async fn acme_and_rival(app: &TestApp) -> Acme {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.verified_admin("Rival", "rex@rival.example").await;
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let rec = location_id(
        app.call(&ada, "create_recruitment", &[("title", "Backend")])
            .await,
        "/app/recruitments/",
    )
    .await;
    let cand = location_id(
        app.call(
            &ada,
            "add_candidate",
            &[
                ("recruitment", &rec),
                ("full_name", "Grace Hopper"),
                ("email", "grace@example.org"),
            ],
        )
        .await,
        "/app/candidates/",
    )
    .await;
    app.grant_consent("grace@example.org").await;
    let c: Value = app
        .call(&ada, "candidate", &[("id", &cand)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let interview = location_id(
        app.call(
            &ada,
            "schedule_interview",
            &[
                ("application", &application),
                ("candidate", &cand),
                ("starts_at", "2026-12-01T09:30"),
                ("duration", "45"),
                ("location", "Room 4"),
            ],
        )
        .await,
        "/app/interviews/",
    )
    .await;
    let mut ids = BTreeMap::new();
    ids.insert("/api/v1/recruitments/{id}", rec);
    ids.insert("/api/v1/candidates/{id}", cand.clone());
    ids.insert("/api/v1/candidates/{id}/consents", cand);
    ids.insert("/api/v1/applications/{id}", application);
    ids.insert("/api/v1/interviews/{id}", interview);
    Acme { ada, ids }
}

/// Every GET endpoint of the OpenAPI document, with Acme's ids filled in.
fn endpoints(acme: &Acme) -> Vec<(String, String)> {
    let doc = candor_server::rest::openapi();
    doc.paths
        .paths
        .iter()
        .filter(|(_, item)| item.get.is_some())
        .map(|(template, _)| {
            let concrete = match acme.ids.get(template.as_str()) {
                Some(id) => template.replace("{id}", id),
                None => template.clone(),
            };
            (template.clone(), concrete)
        })
        .collect()
}

pub(crate) async fn problem(res: reqwest::Response) -> (StatusCode, String, Value) {
    let status = res.status();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    (status, content_type, body)
}

#[sqlx::test(migrations = "../migrations")]
async fn only_the_orgs_own_valid_key_with_the_scope_from_an_allowed_address_gets_data(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let acme = acme_and_rival(&app).await;
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    let own = app.create_api_key(&acme.ada, &[("scope_read", "on")]).await;
    let rival = app.create_api_key(&rex, &[("scope_read", "on")]).await;
    let no_read = app
        .create_api_key(&acme.ada, &[("scope_write", "on"), ("scope_ats", "on")])
        .await;
    let revoked = app.create_api_key(&acme.ada, &[("scope_read", "on")]).await;
    let elsewhere = app
        .create_api_key(
            &acme.ada,
            &[
                ("scope_read", "on"),
                ("allowed_networks", "10.0.0.0/8, 2001:db8::/32"),
            ],
        )
        .await;
    let next_month = (app.state.clock.now() + time::Duration::days(30))
        .date()
        .to_string();
    let expiring = app
        .create_api_key(
            &acme.ada,
            &[("scope_read", "on"), ("expires_on", &next_month)],
        )
        .await;
    // A key whose secret part was changed, and one shaped wrong: unknown keys.
    let tampered = format!(
        "{}{}",
        &own[..own.len() - 1],
        if own.ends_with('A') { 'B' } else { 'A' }
    );
    let keys: Value = app
        .call(&acme.ada, "api_keys", &[])
        .await
        .json()
        .await
        .unwrap();
    let revoked_id = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| revoked.starts_with(k["prefix"].as_str().unwrap().trim_end_matches('…')))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another organisation's admin cannot revoke it: it looks like nothing.
    assert_eq!(
        app.call(
            &rex,
            "revoke_api_key",
            &[("id", &revoked_id), ("confirm", "yes")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(
            &acme.ada,
            "revoke_api_key",
            &[("id", &revoked_id), ("confirm", "yes")]
        )
        .await
        .status(),
        StatusCode::OK
    );
    // The expiring key works today…
    let endpoints = endpoints(&acme);
    assert!(endpoints.len() >= 9, "{endpoints:?}");
    assert_eq!(
        app.api(Some(&expiring), &endpoints[0].1).await.status(),
        StatusCode::OK
    );
    // …and not once its last day has passed.
    sqlx::query(
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE expires_at IS NOT NULL",
    )
    .execute(&app.owner)
    .await
    .unwrap();

    let acme_ids: Vec<&String> = acme.ids.values().collect();
    for (template, path) in &endpoints {
        let is_item = template.contains("{id}");
        let res = app.api(Some(&own), path).await;
        assert_eq!(res.status(), StatusCode::OK, "own key on {path}");
        let body = res.text().await.unwrap();
        assert!(!body.is_empty());

        // A rival's key: items of Acme do not exist for it; its lists hold none of Acme's data.
        let res = app.api(Some(&rival), path).await;
        if is_item {
            let (status, content_type, body) = problem(res).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "rival key on {path}");
            assert_eq!(content_type, "application/problem+json");
            assert_eq!(body["code"], "not_found");
        } else {
            assert_eq!(res.status(), StatusCode::OK, "rival list {path}");
            let body = res.text().await.unwrap();
            assert!(
                acme_ids.iter().all(|id| !body.contains(id.as_str())),
                "{path}: {body}"
            );
            assert!(!body.contains("Grace"), "{path}");
        }

        let (status, _, body) = problem(app.api(Some(&no_read), path).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "missing scope on {path}");
        assert_eq!(body["code"], "forbidden");

        let (status, _, body) = problem(app.api(Some(&elsewhere), path).await).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "disallowed address on {path}"
        );
        assert_eq!(body["code"], "forbidden");

        // Revoked, expired, tampered, malformed and missing keys all get the very same answer.
        let mut answers = Vec::new();
        for key in [
            Some(revoked.as_str()),
            Some(expiring.as_str()),
            Some(tampered.as_str()),
            Some("cnd_nope"),
            None,
        ] {
            let res = app.api(key, path).await;
            assert_eq!(
                res.headers()["www-authenticate"],
                "Bearer realm=\"candor\"",
                "{path}"
            );
            let (status, content_type, mut body) = problem(res).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{key:?} on {path}");
            assert_eq!(content_type, "application/problem+json");
            body.as_object_mut().unwrap().remove("request_id");
            answers.push(body);
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    }

    // Writes: none of these keys may write (no key, revoked, read-only own and rival keys, a
    // disallowed address); each is refused before the body is even read.
    let doc = candor_server::rest::openapi();
    let application = &acme.ids["/api/v1/applications/{id}"];
    let posts: Vec<String> = doc
        .paths
        .paths
        .iter()
        .filter(|(_, item)| item.post.is_some())
        .map(|(template, _)| template.replace("{id}", application))
        .collect();
    assert_eq!(posts.len(), 4, "{posts:?}");
    for path in &posts {
        for (key, expected) in [
            (None, StatusCode::UNAUTHORIZED),
            (Some(revoked.as_str()), StatusCode::UNAUTHORIZED),
            (Some(own.as_str()), StatusCode::FORBIDDEN),
            (Some(rival.as_str()), StatusCode::FORBIDDEN),
            (Some(elsewhere.as_str()), StatusCode::FORBIDDEN),
        ] {
            let mut request = reqwest::Client::new().post(app.url(path)).body("not json");
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            let (status, content_type, _) = problem(request.send().await.unwrap()).await;
            assert_eq!(status, expected, "{key:?} POST {path}");
            assert_eq!(content_type, "application/problem+json");
        }
    }

    // The database keeps only a hash: no key's secret appears anywhere in its row.
    let dump: String = sqlx::query_scalar("SELECT string_agg(k::text, ' ') FROM api_keys k")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    for key in [&own, &rival, &revoked] {
        let secret = key_secret(key);
        assert!(!dump.contains(secret));
    }
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events")
        .fetch_all(&app.owner)
        .await
        .unwrap();
    for expected in ["api_key.created", "api_key.revoked", "api_key.refused"] {
        assert!(actions.iter().any(|a| a == expected), "{expected}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_key_is_shown_once_and_a_weaker_role_cannot_make_one(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let acme = acme_and_rival(&app).await;
    app.add_member("ada@acme.example", "rita@acme.example", "recruiter")
        .await;
    let key = app.create_api_key(&acme.ada, &[("scope_read", "on")]).await;
    assert!(
        key.starts_with("cnd_") && key.len() >= 4 + 12 + 1 + 43,
        "{key}"
    );
    let again: Value = app
        .call(&acme.ada, "api_keys", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(again["fresh"].is_null(), "shown once");
    let listed = &again["keys"][0];
    assert_eq!(listed["status"], "active");
    assert!(key.starts_with(listed["prefix"].as_str().unwrap().trim_end_matches('…')));
    assert!(!again.to_string().contains(key_secret(&key)));
    // Used once: the list shows when.
    app.api(Some(&key), "/api/v1/recruitments").await;
    let used: Value = app
        .call(&acme.ada, "api_keys", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(used["keys"][0]["last_used_at"], "");

    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(
            &rita,
            "create_api_key",
            &[("name", "mine"), ("scope_read", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Bad input is named field by field and creates nothing.
    let res = app
        .call(
            &acme.ada,
            "create_api_key",
            &[
                ("name", ""),
                ("allowed_networks", "10.0.0.0/33"),
                ("expires_on", "yesterday"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM api_keys").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn lists_page_with_cursors_and_refuse_bad_parameters_as_problems(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let acme = acme_and_rival(&app).await;
    let rec = acme.ids["/api/v1/recruitments/{id}"].clone();
    for n in 0..6 {
        let res = app
            .call(
                &acme.ada,
                "add_candidate",
                &[
                    ("recruitment", &rec),
                    ("full_name", &format!("Person {n}")),
                    ("email", &format!("p{n}@example.org")),
                ],
            )
            .await;
        assert!(res.status().is_success());
    }
    let key = app.create_api_key(&acme.ada, &[("scope_read", "on")]).await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/candidates?limit=2".to_owned();
    loop {
        let page: Value = app.api(Some(&key), &path).await.json().await.unwrap();
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                // The cursor is the last id of the page, as the document describes it.
                assert_eq!(cursor, seen.last().unwrap());
                path = format!("/api/v1/candidates?limit=2&cursor={cursor}");
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "every candidate once: {seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7);

    // Each candidate read through the API is audited with the key as the actor.
    let reads: i64 = app
        .count("SELECT count(*) FROM audit_events WHERE action = 'candidate.viewed' AND actor LIKE 'key_%'")
        .await;
    assert_eq!(reads, 7);

    for bad in [
        "/api/v1/candidates?limit=0",
        "/api/v1/candidates?limit=101",
        "/api/v1/candidates?limit=ten",
        "/api/v1/candidates?cursor=not-a-cursor",
        "/api/v1/candidates/cand_x/consents?cursor=azpjYW5kX3g",
    ] {
        let (status, content_type, body) = problem(app.api(Some(&key), bad).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["type"], "urn:candor:problem:bad_request");
        assert!(body["detail"].as_str().unwrap().len() > 5);
    }
    let (status, _, body) = problem(app.api(Some(&key), "/api/v1/nothing-here").await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // The document the tests walk is the one served, and it is OpenAPI 3.1.
    let served: Value = app
        .api(None, "/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        served["paths"].as_object().unwrap().len(),
        candor_server::rest::openapi().paths.paths.len()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn each_key_is_limited_by_the_plan_tier_across_instances(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts.clone()).await;
    let acme = acme_and_rival(&app).await;
    sqlx::query("UPDATE orgs SET plan_tier = 'trial'")
        .execute(&app.owner)
        .await
        .unwrap();
    let key = app.create_api_key(&acme.ada, &[("scope_read", "on")]).await;
    let other = app.create_api_key(&acme.ada, &[("scope_read", "on")]).await;
    let second = TestApp::spawn_sharing(opts, &[], app.state.clock.clone()).await;
    let mut statuses = Vec::new();
    for n in 0..61 {
        // Alternate between two portal processes sharing the database: one budget.
        let target = if n % 2 == 0 { &app } else { &second };
        statuses.push(
            target
                .api(Some(&key), "/api/v1/recruitments")
                .await
                .status(),
        );
    }
    assert!(statuses[..60].iter().all(|s| *s == StatusCode::OK));
    let res = second.api(Some(&key), "/api/v1/recruitments").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let (_, content_type, body) = problem(res).await;
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(body["code"], "rate_limited");
    // Another key has its own budget.
    assert_eq!(
        app.api(Some(&other), "/api/v1/recruitments").await.status(),
        StatusCode::OK
    );
    // The window passes.
    app.state.clock.advance(time::Duration::seconds(61));
    assert_eq!(
        app.api(Some(&key), "/api/v1/recruitments").await.status(),
        StatusCode::OK
    );
}

async fn post(
    app: &TestApp,
    key: Option<&str>,
    path: &str,
    body: &Value,
    idempotency_key: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(app.url(path)).json(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(k) = idempotency_key {
        request = request.header("idempotency-key", k);
    }
    request.send().await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn integrations_write_as_a_named_person_within_that_persons_rights(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let acme = acme_and_rival(&app).await;
    app.add_members(
        "ada@acme.example",
        &[
            ("ivan@acme.example", "interviewer"),
            ("hank@acme.example", "hiring_manager"),
        ],
    )
    .await;
    let rex = app.signed_in("rex@rival.example", PASSWORD).await;
    let write = app
        .create_api_key(&acme.ada, &[("scope_write", "on")])
        .await;
    let ats = app.create_api_key(&acme.ada, &[("scope_ats", "on")]).await;
    let read = app.create_api_key(&acme.ada, &[("scope_read", "on")]).await;
    let rival = app
        .create_api_key(&rex, &[("scope_write", "on"), ("scope_ats", "on")])
        .await;
    let ada_id = app.user_id("ada@acme.example").await;
    let ivan_id = app.user_id("ivan@acme.example").await;
    let rex_id = app.user_id("rex@rival.example").await;
    let rec = acme.ids["/api/v1/recruitments/{id}"].clone();

    // A recruitment, owned by the person the integration acts for.
    let body = serde_json::json!({"title": "Data engineer", "description_html": "<p>Hi<script>x</script></p>", "on_behalf_of": ada_id});
    let res = post(&app, Some(&write), "/api/v1/recruitments", &body, None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["title"], "Data engineer");
    assert!(!created["description_html"]
        .as_str()
        .unwrap()
        .contains("script"));
    // Scope: a read key and an ats key may not create; neither may a missing key.
    for key in [Some(read.as_str()), Some(ats.as_str())] {
        let (status, _, body) =
            problem(post(&app, key, "/api/v1/recruitments", &body, None).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
    }
    assert_eq!(
        post(&app, None, "/api/v1/recruitments", &body, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // A candidate through the API gets the consent link like one added in the portal (F7).
    let grace_two = serde_json::json!({"recruitment_id": rec, "full_name": "Ada Byron", "email": "ada.byron@example.org", "on_behalf_of": ada_id});
    let res = post(&app, Some(&write), "/api/v1/candidates", &grace_two, None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let cand: Value = res.json().await.unwrap();
    assert!(cand["id"].as_str().unwrap().starts_with("cand_"));
    let mail = app
        .last_mail_to("ada.byron@example.org")
        .await
        .expect("consent request");
    assert!(mail.contains("/c/consent/"));
    // The person's rights apply: an interviewer may not add candidates.
    let as_ivan = serde_json::json!({"recruitment_id": rec, "full_name": "X", "email": "x@example.org", "on_behalf_of": ivan_id});
    let (status, _, _) =
        problem(post(&app, Some(&write), "/api/v1/candidates", &as_ivan, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A rival key reaches neither Acme's people nor Acme's recruitments.
    let (status, _, body) =
        problem(post(&app, Some(&rival), "/api/v1/candidates", &grace_two, None).await).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Acme's user is nobody to Rival"
    );
    assert_eq!(body["errors"][0]["field"], "on_behalf_of");
    let into_acme = serde_json::json!({"recruitment_id": rec, "full_name": "X", "email": "x@example.org", "on_behalf_of": rex_id});
    let (status, _, _) =
        problem(post(&app, Some(&rival), "/api/v1/candidates", &into_acme, None).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Stages and the decision (scope ats); the decision names the person who made it.
    let application = acme.ids["/api/v1/applications/{id}"].clone();
    let stage_path = format!("/api/v1/applications/{application}/stage");
    let decision_path = format!("/api/v1/applications/{application}/decision");
    let (status, _, _) = problem(
        post(
            &app,
            Some(&write),
            &stage_path,
            &serde_json::json!({"stage": "screening", "on_behalf_of": ada_id}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "write is not ats");
    for stage in ["screening", "interview", "offer"] {
        let res = post(
            &app,
            Some(&ats),
            &stage_path,
            &serde_json::json!({"stage": stage, "on_behalf_of": ada_id}),
            None,
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.json::<Value>().await.unwrap()["stage"], stage);
    }
    let by_ivan =
        serde_json::json!({"decision": "hired", "reason": "Strong", "decided_by": ivan_id});
    assert_eq!(
        post(&app, Some(&ats), &decision_path, &by_ivan, None)
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "an interviewer does not decide"
    );
    let no_reason = serde_json::json!({"decision": "hired", "reason": " ", "decided_by": ada_id});
    assert_eq!(
        post(&app, Some(&ats), &decision_path, &no_reason, None)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let by_ada = serde_json::json!({"decision": "hired", "reason": "Strong systems design", "decided_by": ada_id});
    let res = post(&app, Some(&ats), &decision_path, &by_ada, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let decided: Value = res.json().await.unwrap();
    assert_eq!(decided["stage"], "hired");
    assert_eq!(decided["decision_reason"], "Strong systems design");
    let decided_by: String = sqlx::query_scalar(
        "SELECT u.public_id FROM applications a JOIN users u ON u.id = a.decided_by WHERE a.public_id = $1",
    )
    .bind(&application)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(decided_by, ada_id);
    // A decision was recorded: deciding again or moving on clashes with that state (409).
    let again =
        serde_json::json!({"decision": "rejected", "reason": "Changed mind", "decided_by": ada_id});
    let moved_on = serde_json::json!({"stage": "offer", "on_behalf_of": ada_id});
    for (path, body) in [(&decision_path, &again), (&stage_path, &moved_on)] {
        let (status, _, refused) = problem(post(&app, Some(&ats), path, body, None).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}");
        assert_eq!(refused["code"], "conflict", "{path}");
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_events WHERE action = 'api.write' AND actor LIKE 'key_%'"
        )
        .await,
        6
    );

    // Malformed and unknown-field bodies are the client's mistake.
    for raw in [
        "{",
        "{\"title\": 1, \"on_behalf_of\": \"x\"}",
        "{\"title\": \"t\", \"on_behalf_of\": \"x\", \"org_id\": \"y\"}",
    ] {
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/recruitments"))
            .bearer_auth(&write)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        let (status, content_type, _) = problem(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw}");
        assert_eq!(content_type, "application/problem+json");
    }
}

/// Acme with a key of scope write, Ada's user id and one of Acme's recruitments.
async fn writing_integration(app: &TestApp) -> (Acme, String, String, String) {
    let acme = acme_and_rival(app).await;
    let write = app
        .create_api_key(&acme.ada, &[("scope_write", "on")])
        .await;
    let ada_id = app.user_id("ada@acme.example").await;
    let rec = acme.ids["/api/v1/recruitments/{id}"].clone();
    (acme, write, ada_id, rec)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_retried_post_with_the_same_idempotency_key_never_writes_twice(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (acme, write, ada_id, rec) = writing_integration(&app).await;
    let body = serde_json::json!({"recruitment_id": rec, "full_name": "Linus", "email": "linus@example.org", "on_behalf_of": ada_id});
    let candidates = || app.count("SELECT count(*) FROM candidates");
    let before = candidates().await;

    let first = post(
        &app,
        Some(&write),
        "/api/v1/candidates",
        &body,
        Some("retry-7f3a"),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_body = first.text().await.unwrap();
    let again = post(
        &app,
        Some(&write),
        "/api/v1/candidates",
        &body,
        Some("retry-7f3a"),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), first_body);
    assert_eq!(candidates().await, before + 1);
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE recipient = 'linus@example.org'")
            .await,
        1,
        "one consent request"
    );

    // The same key with another request is refused; a new key runs (and meets the duplicate rule).
    let other = serde_json::json!({"recruitment_id": rec, "full_name": "Linus T", "email": "linus@example.org", "on_behalf_of": ada_id});
    let (status, _, body_json) = problem(
        post(
            &app,
            Some(&write),
            "/api/v1/candidates",
            &other,
            Some("retry-7f3a"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body_json["errors"][0]["field"], "Idempotency-Key");
    let (status, _, refused) = problem(
        post(
            &app,
            Some(&write),
            "/api/v1/candidates",
            &body,
            Some("retry-8b1c"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "already applied");
    assert_eq!(refused["code"], "conflict");
    assert_eq!(
        refused["detail"],
        "This candidate already applied to this recruitment."
    );
    // A refused request is replayed as refused, with the same problem.
    let again = post(
        &app,
        Some(&write),
        "/api/v1/candidates",
        &body,
        Some("retry-8b1c"),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(again.headers()["content-type"], "application/problem+json");
    assert_eq!(candidates().await, before + 1);
    // Keys belong to one API key: another key with the same Idempotency-Key is a new request.
    let second_key = app
        .create_api_key(&acme.ada, &[("scope_write", "on")])
        .await;
    let fresh = serde_json::json!({"recruitment_id": rec, "full_name": "Margaret", "email": "margaret@example.org", "on_behalf_of": ada_id});
    assert_eq!(
        post(
            &app,
            Some(&second_key),
            "/api/v1/candidates",
            &fresh,
            Some("retry-7f3a")
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    let (status, _, _) = problem(
        post(
            &app,
            Some(&write),
            "/api/v1/candidates",
            &body,
            Some("bad key with spaces"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_idempotency_key_is_held_only_by_a_write_that_commits(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let (_, write, ada_id, rec) = writing_integration(&app).await;
    let send = |email: &str, key: &str| {
        Client::new()
            .post(app.url("/api/v1/candidates"))
            .bearer_auth(&write)
            .header("idempotency-key", key)
            .json(
                &serde_json::json!({"recruitment_id": rec, "full_name": "Lin Locked",
                "email": email, "on_behalf_of": ada_id}),
            )
            .send()
    };
    let candidates = || app.count("SELECT count(*) FROM candidates");
    let before = candidates().await;
    const ADD: &str = "INSERT INTO candidates";

    // The write stops after claiming its key: the test holds the candidates table.
    let mut holder = app.owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE candidates IN EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let dying = tokio::spawn(send("lin@example.org", "once-1"));
    app.until_waiting_for_locks(ADD, 1).await;
    // Its connection dies half way, as in a crash of the portal or of the network.
    let killed = app
        .count(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'INSERT INTO candidates%'
               AND wait_event_type = 'Lock') AS t",
        )
        .await;
    assert_eq!(killed, 1);
    let status = dying.await.unwrap().unwrap().status();
    assert!(status.is_server_error(), "{status}");
    holder.rollback().await.unwrap();
    assert_eq!(candidates().await, before, "nothing of the write stayed");
    // The key is free again: the retry runs (before, it answered 409 for a day).
    let retried = send("lin@example.org", "once-1").await.unwrap();
    assert_eq!(retried.status(), StatusCode::CREATED);
    assert!(retried.headers().get("idempotent-replayed").is_none());
    assert_eq!(candidates().await, before + 1);

    // A retry sent while the first request still runs waits for it, then gets its answer.
    let mut holder = app.owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE candidates IN EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let first = tokio::spawn(send("mo@example.org", "once-2"));
    app.until_waiting_for_locks(ADD, 1).await;
    let second = tokio::spawn(send("mo@example.org", "once-2"));
    app.until_waiting_for_locks("INSERT INTO api_idempotency", 1)
        .await;
    holder.commit().await.unwrap();
    let (first, second) = (
        first.await.unwrap().unwrap(),
        second.await.unwrap().unwrap(),
    );
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(first.text().await.unwrap(), second.text().await.unwrap());
    assert_eq!(candidates().await, before + 2);
    assert_eq!(
        app.count("SELECT count(*) FROM email_outbox WHERE recipient = 'mo@example.org'")
            .await,
        1,
        "one consent request"
    );
    // Every committed key holds its answer.
    assert_eq!(
        app.count("SELECT count(*) FROM api_idempotency WHERE status IS NULL")
            .await,
        0
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn ids_and_text_that_cannot_exist_are_answered_as_client_mistakes(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let acme = acme_and_rival(&app).await;
    let key = app
        .create_api_key(
            &acme.ada,
            &[
                ("scope_read", "on"),
                ("scope_write", "on"),
                ("scope_ats", "on"),
            ],
        )
        .await;
    // Found by schemathesis: a NUL byte in a person's id once reached PostgreSQL as a 500.
    let application = &acme.ids["/api/v1/applications/{id}"];
    let body = serde_json::json!({"decision": "hired", "reason": "x", "decided_by": "k\u{0}F"});
    let res = post(
        &app,
        Some(&key),
        &format!("/api/v1/applications/{application}/decision"),
        &body,
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for path in [
        "/api/v1/candidates/%00",
        "/api/v1/recruitments/rec_%00",
        "/api/v1/candidates/cand_x/consents",
        "/api/v1/interviews/..%2F..%2Fetc",
    ] {
        assert_eq!(
            app.api(Some(&key), path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // A filter that cannot name a recruitment is malformed (400), never a database error.
    let (status, _, refused) = problem(
        app.api(Some(&key), "/api/v1/applications?recruitment=%00")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused["detail"],
        "recruitment must be a recruitment id (rec_…)."
    );
    let unknown = "/api/v1/applications?recruitment=rec_00000000000000000000000000";
    let page: Value = app.api(Some(&key), unknown).await.json().await.unwrap();
    assert_eq!(page["data"], serde_json::json!([]));
    let nul_cursor = base64_url("k:cand_\u{0}");
    let res = app
        .api(
            Some(&key),
            &format!("/api/v1/candidates?cursor={nul_cursor}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Free text with a NUL byte is refused at validation, or at the latest by the error map.
    let rec = &acme.ids["/api/v1/recruitments/{id}"];
    let ada_id: String =
        sqlx::query_scalar("SELECT public_id FROM users WHERE email = 'ada@acme.example'")
            .fetch_one(&app.owner)
            .await
            .unwrap();
    let body = serde_json::json!({"recruitment_id": rec, "full_name": "A\u{0}B", "email": "ab@example.org", "phone": "1\u{0}", "on_behalf_of": ada_id});
    let status = post(&app, Some(&key), "/api/v1/candidates", &body, None)
        .await
        .status();
    assert!(status.is_client_error(), "{status}");
}

fn base64_url(raw: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}
