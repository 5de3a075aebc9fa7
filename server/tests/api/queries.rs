//! Query discipline (issue 6, item 3): the SQL statements a page or an API call issues, counted
//! exactly by PostgreSQL's `pg_stat_statements`, stay under a small fixed bound and do not grow
//! with the data (no query per listed row).
//!
//! Counted: every statement the application role `candor_app` runs in this test's own database,
//! `BEGIN`, `COMMIT` and the per-transaction `set_config` included (the cluster tracks utility
//! statements): each is a round trip a request waits for. Requests use only that role (the
//! owner's pool is the workers'), and tests run in parallel in other databases, so the filter on
//! role and database sees this test's requests alone.

use crate::helpers::{TestApp, PASSWORD};
use crate::privacy::{acme, grace_session, GRACE};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// Counts what `candor_app` runs in the test's database (see the module comment).
struct Statements {
    owner: PgPool,
}

impl Statements {
    async fn new(owner: &PgPool) -> Statements {
        let preloaded: String = sqlx::query_scalar("SHOW shared_preload_libraries")
            .fetch_one(owner)
            .await
            .unwrap();
        assert!(
            preloaded.contains("pg_stat_statements"),
            "the test cluster must preload pg_stat_statements: run scripts/test-db"
        );
        sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .execute(owner)
            .await
            .unwrap();
        Statements {
            owner: owner.clone(),
        }
    }

    /// The statements issued while `request` ran (their number, and each statement with its
    /// calls for a failure's message), and its status.
    async fn during(&self, request: reqwest::RequestBuilder) -> (Measured, StatusCode) {
        sqlx::query(
            "SELECT pg_stat_statements_reset('candor_app'::regrole::oid,
                (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
        )
        .execute(&self.owner)
        .await
        .unwrap();
        let res = request.send().await.unwrap();
        let status = res.status();
        // The whole body: a streamed page has run every query once it has ended.
        res.bytes().await.unwrap();
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 120)
             FROM pg_stat_statements
             WHERE userid = 'candor_app'::regrole::oid
               AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               -- The session store's own read and its write (at most once a minute, so it
               -- would come and go between two measurements) are not the page's queries.
               AND query NOT LIKE '%\"public\".\"sessions\"%'
             ORDER BY calls DESC, query",
        )
        .fetch_all(&self.owner)
        .await
        .unwrap();
        let measured = Measured {
            total: rows.iter().map(|(calls, _)| calls).sum(),
            statements: rows
                .iter()
                .map(|(calls, query)| format!("  {calls:>3} {query}"))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        (measured, status)
    }
}

struct Measured {
    total: i64,
    statements: String,
}

/// The requests measured, each with its bound: the count measured when this test was written
/// (5 and 60 candidates alike) plus a little slack for a future column or check, far below one
/// query per row: a list of 60 that queried per row would exceed each of them several times over.
/// Every staff request pays 1 to begin with: the caller's user, role and session epoch re-read in
/// one statement (`session_caller`; it was 4, a transaction of its own). The session's own
/// statements are not counted: it is read once and written only when it changes.
struct Probe {
    name: &'static str,
    bound: i64,
}

/// Measured 15: the counts per stage, open recruitments, interviews, offers, team.
const DASHBOARD: Probe = Probe {
    name: "dashboard /app",
    bound: 17,
};
/// Measured 5.
const RECRUITMENTS: Probe = Probe {
    name: "recruitment list /app/recruitments",
    bound: 7,
};
/// Measured 11: in one transaction (its `BEGIN` sent with the organisation's scope and the plan
/// setting, three statements in one round trip), the recruitment, its members, its criteria, the
/// board with each card's consent, the comparison and the staff list. It was 38 to 60 while the
/// board and comparison panels asked for their own data, once per server-side render of the page.
const RECRUITMENT: Probe = Probe {
    name: "recruitment page with its candidates",
    bound: 13,
};
/// Measured 5: the caller, then one statement for the page of 50 with each row's applications.
const CANDIDATES: Probe = Probe {
    name: "candidate list /app/candidates",
    bound: 7,
};
/// Measured 15 (the view itself is audited; its `BEGIN` also asks for cached plans, a statement
/// of its own; the candidate's open deletion request is one); 19 while its interviews were read
/// in a transaction of their own.
const CANDIDATE: Probe = Probe {
    name: "candidate page",
    bound: 17,
};
/// Measured 8.
const AUDIT: Probe = Probe {
    name: "audit log /app/audit",
    bound: 10,
};
/// Measured 11; it was 15 + 1 per interview before the documents were read in one query.
const MY_DATA: Probe = Probe {
    name: "candidate's own data /c/my-data",
    bound: 13,
};
/// Measured 6: in one transaction (its `BEGIN` sent with the setting that its commit need not wait
/// for the disk), the rate limit's hit, then the token (usable or not) with its organisation's
/// scope, then the application with the notice's sub-processors and the consent given. It was 9
/// while the token's use, the sub-processors and the consent were statements of their own.
const CONSENT: Probe = Probe {
    name: "consent page GET /c/consent/{token}",
    bound: 8,
};
/// Measured 11: the key, its organisation and its rate limit in one transaction, then the page
/// with its reads audited in one INSERT. It was 12 + 1 per listed candidate before that INSERT,
/// and 13 while the key's organisation was looked up in a transaction of its own.
const API_CANDIDATES: Probe = Probe {
    name: "GET /api/v1/candidates",
    bound: 12,
};
/// Measured 2: both rate limits' hits counted and the account found by its address and read in
/// one statement, the session stored and its success audited in one. It was 17 while each hit
/// was a statement of its own, the address's lookup, the credentials and the audit each a
/// transaction of their own, and the session's creation a transaction that first looked whether
/// its id was taken; 4 while the hits were a statement apart from the account's read and the
/// audit apart from the session.
const SIGN_IN: Probe = Probe {
    name: "sign-in POST /fn/sign_in",
    bound: 3,
};
/// Measured 10 (12 before the key's lookup joined its transaction).
const API_APPLICATIONS: Probe = Probe {
    name: "GET /api/v1/applications",
    bound: 11,
};

struct World {
    rita: Client,
    audrey: Client,
    grace_browser: Client,
    /// The link of Grace's confirmation e-mail, to change her choices.
    consent_link: String,
    key: String,
    recruitment: String,
    grace: String,
    application: String,
}

/// Acme as `privacy::acme` makes it, with an API key and Grace's own-data session.
async fn world(app: &TestApp) -> World {
    let (rita, grace) = acme(app).await;
    app.grant_consent(GRACE).await;
    let confirmation = app.last_mail_to(GRACE).await.unwrap();
    let consent_link = app.link_in(&confirmation, "/c/consent/");
    let ada = app.signed_in("ada@acme.example", PASSWORD).await;
    let key = app.create_api_key(&ada, &[("scope_read", "on")]).await;
    let audrey = app.signed_in("audrey@acme.example", PASSWORD).await;
    let view: Value = app
        .call(&rita, "candidate", &[("id", &grace)])
        .await
        .json()
        .await
        .unwrap();
    let recruitment = view["applications"][0]["recruitment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let application = view["applications"][0]["id"].as_str().unwrap().to_owned();
    let grace_browser = grace_session(app).await;
    World {
        rita,
        audrey,
        grace_browser,
        consent_link,
        key,
        recruitment,
        grace,
        application,
    }
}

/// Grows the data every measured request lists: recruitments, candidates in Grace's
/// recruitment (each with an application and audited events), and Grace's interviews.
async fn grow(app: &TestApp, w: &World, recruitments: usize, candidates: usize, interviews: usize) {
    for n in 0..recruitments {
        let res = app
            .call(
                &w.rita,
                "create_recruitment",
                &[("title", &format!("Role {n}"))],
            )
            .await;
        assert!(res.status().is_success());
    }
    for n in 0..candidates {
        let res = app
            .call(
                &w.rita,
                "add_candidate",
                &[
                    ("recruitment", &w.recruitment),
                    ("full_name", &format!("Candidate {n}")),
                    ("email", &format!("candidate{n}.{candidates}@example.org")),
                ],
            )
            .await;
        assert!(res.status().is_success(), "{}", res.status());
    }
    for n in 0..interviews {
        let res = app
            .call(
                &w.rita,
                "schedule_interview",
                &[
                    ("application", &w.application),
                    ("candidate", &w.grace),
                    ("starts_at", &format!("2026-12-{:02}T09:30", n % 28 + 1)),
                    ("duration", "45"),
                ],
            )
            .await;
        assert!(res.status().is_success(), "{}", res.status());
    }
}

/// Every measured request once: (probe, statements issued).
async fn measure(app: &TestApp, w: &World, count: &Statements) -> Vec<(Probe, Measured)> {
    let get = |client: &Client, path: &str| client.get(app.url(path));
    let api = |path: &str| {
        reqwest::Client::new()
            .get(app.url(path))
            .bearer_auth(&w.key)
    };
    let recruitment = format!("/app/recruitments/{}", w.recruitment);
    let candidate = format!("/app/candidates/{}", w.grace);
    let requests = [
        (DASHBOARD, get(&w.rita, "/app")),
        (RECRUITMENTS, get(&w.rita, "/app/recruitments")),
        (RECRUITMENT, get(&w.rita, &recruitment)),
        (CANDIDATES, get(&w.rita, "/app/candidates")),
        (CANDIDATE, get(&w.rita, &candidate)),
        (AUDIT, get(&w.audrey, "/app/audit")),
        (MY_DATA, get(&w.grace_browser, "/c/my-data")),
        (
            CONSENT,
            reqwest::Client::new().get(app.url(&w.consent_link)),
        ),
        (API_CANDIDATES, api("/api/v1/candidates?limit=100")),
        (API_APPLICATIONS, api("/api/v1/applications?limit=100")),
        (
            SIGN_IN,
            reqwest::Client::new()
                .post(app.url("/fn/sign_in"))
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::ORIGIN, &app.base)
                .form(&[("email", "audrey@acme.example"), ("password", PASSWORD)]),
        ),
    ];
    let mut counts = Vec::new();
    for (probe, request) in requests {
        let (measured, status) = count.during(request).await;
        assert_eq!(status, StatusCode::OK, "{}", probe.name);
        counts.push((probe, measured));
    }
    counts
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_and_api_lists_issue_a_fixed_small_number_of_statements_however_long_the_lists(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    // One connection: a request that held one while asking for another would wait for itself
    // and fail (the production pool is small, so under load that is a stall).
    let app = TestApp::spawn_with(opts, &[("CANDOR_DB_POOL_SIZE", "1")]).await;
    let w = world(&app).await;
    let count = Statements::new(&app.owner).await;
    grow(&app, &w, 1, 4, 1).await;
    // Once before measuring: whatever a connection does on its first use is not the request's.
    measure(&app, &w, &count).await;
    let small = measure(&app, &w, &count).await;
    grow(&app, &w, 11, 55, 11).await;
    let large = measure(&app, &w, &count).await;
    let listed: Value = app
        .api(Some(&w.key), "/api/v1/candidates?limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        60,
        "the large set"
    );

    let report: Vec<String> = small
        .iter()
        .zip(&large)
        .map(|((p, s), (_, l))| {
            format!("{}: {} -> {} (bound {})", p.name, s.total, l.total, p.bound)
        })
        .collect();
    let report = report.join("\n");
    println!("statements per request, 5 -> 60 candidates:\n{report}");
    for ((probe, small), (_, large)) in small.iter().zip(&large) {
        assert!(small.total > 0, "nothing counted for {}", probe.name);
        assert!(
            large.total <= small.total,
            "{} grows with the data:\n{report}\n5 candidates:\n{}\n60 candidates:\n{}",
            probe.name,
            small.statements,
            large.statements
        );
        assert!(
            large.total <= probe.bound && small.total <= probe.bound,
            "{} issues more than {} statements:\n{report}\n60 candidates:\n{}",
            probe.name,
            probe.bound,
            large.statements
        );
    }
}

/// What a form post of `fields` to the server function `name` runs, for a fresh browser: each
/// statement (by PostgreSQL's id of its normalised text) with its calls, the statements as text
/// for a failure's message, and the answer's status.
async fn form_statements(
    app: &TestApp,
    statements: &Statements,
    name: &str,
    fields: &[(&str, &str)],
) -> (Vec<(i64, i64)>, String, StatusCode) {
    let request = app
        .browser()
        .post(app.url(&format!("/fn/{name}")))
        .header(reqwest::header::ACCEPT, "application/json")
        .header(reqwest::header::ORIGIN, &app.base)
        .form(fields);
    let (measured, status) = statements.during(request).await;
    let ids: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT queryid, calls FROM pg_stat_statements
         WHERE userid = 'candor_app'::regrole::oid
           AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT LIKE '%\"public\".\"sessions\"%'
         ORDER BY queryid",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap();
    (ids, measured.statements, status)
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_up_reset_resend_and_the_privacy_page_run_the_same_statements_for_known_and_unknown_addresses(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    acme(&app).await;
    // An account whose address is not verified yet, for the resend.
    app.sign_up("Pending", "pending@example.org").await;
    app.work_deferred().await;
    let statements = Statements::new(&app.owner).await;
    let sign_up = |email: &'static str| {
        [
            ("org_name", "Initech"),
            ("display_name", "Peter"),
            ("email", email),
            ("password", crate::helpers::PASSWORD),
            ("accept_dpa", "on"),
        ]
    };
    type Form<'a> = Vec<(&'a str, &'a str)>;
    let cases: [(&str, Form, Form); 4] = [
        (
            "sign_up",
            sign_up("ada@acme.example").to_vec(),
            sign_up("peter@initech.example").to_vec(),
        ),
        (
            "request_password_reset",
            vec![("email", "rita@acme.example")],
            vec![("email", "nobody@acme.example")],
        ),
        (
            "resend_verification",
            vec![("email", "pending@example.org")],
            vec![("email", "nobody@example.org")],
        ),
        (
            "request_privacy_link",
            vec![("email", GRACE), ("lang", "en")],
            vec![("email", "stranger@example.org"), ("lang", "en")],
        ),
    ];
    for (name, known, unknown) in &cases {
        let (for_known, text, known_status) = form_statements(&app, &statements, name, known).await;
        let (for_unknown, other, unknown_status) =
            form_statements(&app, &statements, name, unknown).await;
        assert_eq!(known_status, unknown_status, "{name}");
        assert!(known_status.is_success(), "{name}: {known_status}");
        assert_eq!(
            for_known, for_unknown,
            "{name}: a known address ran other statements than an unknown one:\n{text}\n--\n{other}"
        );
        assert!(!text.contains("org_of_user_email"), "{name}: {text}");
        assert!(!text.contains("candidates_with_email"), "{name}: {text}");
    }

    // The worker then tells them apart: mail only where there is someone to answer.
    let mails = app.deliver_mail().await;
    let to = |address: &str| {
        mails
            .iter()
            .filter(|m| m.contains(&format!("To: {address}")))
            .count()
    };
    assert_eq!(
        to("ada@acme.example"),
        2,
        "her verification link, then the account-exists notice"
    );
    assert!(mails
        .iter()
        .any(|m| m.contains("To: ada@acme.example") && m.contains("tried to sign up")));
    assert_eq!(to("peter@initech.example"), 1, "a verification link");
    assert_eq!(to("rita@acme.example"), 1, "a reset link");
    assert_eq!(
        to("pending@example.org"),
        2,
        "its first link and the fresh one"
    );
    assert!(to(GRACE) >= 2, "the consent request and the privacy link");
    for nobody in [
        "nobody@acme.example",
        "nobody@example.org",
        "stranger@example.org",
    ] {
        assert_eq!(to(nobody), 0, "{nobody}");
    }
    assert_eq!(app.count("SELECT count(*) FROM deferred_requests").await, 0);
}
