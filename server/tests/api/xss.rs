//! XSS through every plain-text field of the recruiting core (S10): what is typed is stored as
//! typed and rendered as text — in the markup and in the data the page embeds for hydration —
//! on every page that shows it. Rich text (descriptions, notes) is covered where it is sanitised,
//! in `recruitments.rs` and `candidates.rs`.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::routes::UPLOAD_CANDIDATE_DOCUMENT;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Breaks out of a script block, an attribute and a tag at once.
const PAYLOAD: &str = "</script><script>alert(1)</script>\"><img src=x onerror=alert(2)>";

fn location(res: &reqwest::Response, prefix: &str) -> String {
    res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches(prefix)
        .to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn hostile_plain_text_is_stored_as_typed_and_rendered_as_text_everywhere(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("ivan@acme.example", "interviewer"),
        ],
    )
    .await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;

    let res = app
        .call(&rita, "create_recruitment", &[("title", PAYLOAD)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let rec = location(&res, "/app/recruitments/");
    let res = app
        .call(
            &rita,
            "add_criterion",
            &[
                ("id", &rec),
                ("name", PAYLOAD),
                ("criterion_description", PAYLOAD),
                ("weight", "3"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .call(
            &rita,
            "add_candidate",
            &[
                ("recruitment", &rec),
                ("full_name", PAYLOAD),
                ("email", "grace@example.org"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cand = location(&res, "/app/candidates/");
    app.grant_consent("grace@example.org").await;
    let c: Value = app
        .call(&rita, "candidate", &[("id", &cand)])
        .await
        .json()
        .await
        .unwrap();
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .call(
            &rita,
            "schedule_interview",
            &[
                ("application", &application),
                ("candidate", &cand),
                ("starts_at", "2026-12-01T09:30"),
                ("duration", "45"),
                ("location", PAYLOAD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let int = location(&res, "/app/interviews/");
    let ivan_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind("ivan@acme.example")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    app.call(
        &rita,
        "assign_interviewer",
        &[("interview", &int), ("interviewer", &ivan_id)],
    )
    .await;
    let crit: String = sqlx::query_scalar("SELECT public_id FROM evaluation_criteria")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    let res = app
        .call(
            &ivan,
            "save_score",
            &[
                ("interview", &int),
                ("criterion", &crit),
                ("score", "4"),
                ("evidence", PAYLOAD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .upload(
            &rita,
            &UPLOAD_CANDIDATE_DOCUMENT.at(&cand),
            &[("kind", "cv")],
            Some((
                "file",
                "<img src=x onerror=alert(3)>.pdf",
                b"%PDF-1.7\n%%EOF\n".to_vec(),
            )),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .call(
            &rita,
            "record_decision",
            &[
                ("application", &application),
                ("decision", "rejected"),
                ("reason", PAYLOAD),
                ("candidate", &cand),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Stored as typed: escaping belongs to the output.
    for (table, column) in [
        ("recruitments", "title"),
        ("evaluation_criteria", "name"),
        ("evaluation_criteria", "description"),
        ("candidates", "full_name"),
        ("interviews", "location"),
        ("scorecard_entries", "evidence"),
        ("applications", "decision_reason"),
    ] {
        let stored: String = sqlx::query_scalar(&format!("SELECT {column} FROM {table}"))
            .fetch_one(&app.owner)
            .await
            .unwrap();
        assert_eq!(stored, PAYLOAD, "{table}.{column}");
    }
    // A file name keeps no markup characters at all.
    let file_name: String = sqlx::query_scalar("SELECT file_name FROM documents")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(file_name, "img src=x onerror=alert(3).pdf");

    // Rendered as text on every page that shows them, to each who may see them.
    // (who, page, whether the page shows one of the fields)
    let pages = [
        (&rita, "/app".to_owned(), false),
        (&rita, "/app/recruitments".to_owned(), true),
        (&rita, format!("/app/recruitments/{rec}"), true),
        (&rita, format!("/app/candidates/{cand}"), true),
        (&rita, format!("/app/interviews/{int}"), true),
        (&rita, "/app/interviews".to_owned(), true),
        (&ivan, format!("/app/interviews/{int}"), true),
        (&ivan, "/app/interviews".to_owned(), true),
    ];
    for (client, path, shows) in pages {
        let html = app.html(client, &path).await;
        for live in [
            "<script>alert(1)",
            "<img src=x onerror",
            "onerror=alert(3)>",
        ] {
            assert!(!html.contains(live), "{path} renders {live:?} live");
        }
        assert!(
            !shows || html.contains("&lt;script&gt;alert(1)"),
            "{path} shows the payload as text"
        );
    }
}
