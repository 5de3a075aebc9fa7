//! API keys (F11) and the public REST API (SPEC section 5): keys shown once and stored hashed,
//! the API matrix over every endpoint the OpenAPI document lists, cursor pages, problem details,
//! durable per-key rate limits and audited candidate reads.

use crate::helpers::{TestApp, PASSWORD};
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

async fn problem(res: reqwest::Response) -> (StatusCode, String, Value) {
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
        app.call(&rex, "revoke_api_key", &[("id", &revoked_id)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&acme.ada, "revoke_api_key", &[("id", &revoked_id)])
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

    // The database keeps only a hash: no key's secret appears anywhere in its row.
    let dump: String = sqlx::query_scalar("SELECT string_agg(k::text, ' ') FROM api_keys k")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    for key in [&own, &rival, &revoked] {
        let secret = key.rsplit('_').next().unwrap();
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
    assert!(!again.to_string().contains(key.rsplit('_').next().unwrap()));
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
            Some(cursor) => path = format!("/api/v1/candidates?limit=2&cursor={cursor}"),
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
