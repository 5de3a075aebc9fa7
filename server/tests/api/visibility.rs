//! The visibility matrix of the recruiting core (R2, R3): every server function that demands a
//! core permission, and every file route, called as each role of the organisation and as an admin
//! of another, against one table of expectations. The test fails when a core function or a file
//! route has no row, so none can join the core without one.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::domain::role::{Access, Permission};
use candor_app::routes::{
    ADD_CANDIDATE_WITH_CV, DOWNLOAD_DOCUMENT, EXPORT_AUDIT_LOG, EXPORT_CANDIDATES,
    UPLOAD_CANDIDATE_DOCUMENT, UPLOAD_INTERVIEW_FILE,
};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Seen {
    /// 200, and the record is in the answer.
    Ok,
    /// 200, but the record is not in the answer (lists).
    Hidden,
    /// 404, exactly like a record that does not exist.
    NotFound,
    /// 403: the role may not do this at all.
    Forbidden,
    /// 422: allowed and visible, but refused on its merits.
    Refused,
}
use Seen::*;

/// The arguments for the caller at an index of CALLERS: the same for all, or fresh per caller
/// for calls that use something up (a decision, a removal, a new candidate).
type Args = Box<dyn Fn(usize) -> Vec<(&'static str, String)>>;

fn same(args: &[(&'static str, &str)]) -> Args {
    let owned: Vec<(&'static str, String)> =
        args.iter().map(|(k, v)| (*k, v.to_string())).collect();
    Box::new(move |_| owned.clone())
}

/// (server function, arguments, record that must appear, expectation per caller in CALLERS order)
type Row<'a> = (&'a str, Args, &'a str, [Seen; 8]);

/// Permissions of the recruiting core: every server function that demands one of them must have
/// its row in the matrix.
const CORE: [Permission; 7] = [
    Permission::ViewRecruitments,
    Permission::ManageRecruitments,
    Permission::ViewCandidates,
    Permission::ManageCandidates,
    Permission::EvaluateCandidates,
    Permission::ConductInterviews,
    Permission::ViewFiles,
];

const CALLERS: [&str; 8] = [
    "ada@acme.example",    // admin
    "rita@acme.example",   // recruiter
    "hank@acme.example",   // hiring manager, owns the recruitment
    "hilda@acme.example",  // hiring manager, not on it
    "ivan@acme.example",   // interviewer, assigned to the interview
    "iris@acme.example",   // interviewer, not assigned
    "audrey@acme.example", // auditor
    "rex@rival.example",   // admin of another organisation
];

async fn public_id(app: &TestApp, table: &str, column: &str, value: &str) -> String {
    sqlx::query_scalar(&format!(
        "SELECT public_id FROM {table} WHERE {column} = $1"
    ))
    .bind(value)
    .fetch_one(&app.owner)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_role_of_every_org_sees_exactly_what_r2_allows(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("hank@acme.example", "hiring_manager"),
            ("hilda@acme.example", "hiring_manager"),
            ("ivan@acme.example", "interviewer"),
            ("iris@acme.example", "interviewer"),
            ("audrey@acme.example", "auditor"),
        ],
    )
    .await;
    app.verified_admin("Rival", "rex@rival.example").await;

    // One recruitment owned by Hank, with a criterion, a candidate and an interview for Ivan.
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let hank_id = public_id(&app, "users", "email", "hank@acme.example").await;
    let ivan_id = public_id(&app, "users", "email", "ivan@acme.example").await;
    app.call(
        &rita,
        "create_recruitment",
        &[("title", "Backend"), ("owner", &hank_id)],
    )
    .await;
    let rec = public_id(&app, "recruitments", "title", "Backend").await;
    app.call(
        &rita,
        "add_criterion",
        &[("id", &rec), ("name", "Rust"), ("weight", "3")],
    )
    .await;
    let crit = public_id(&app, "evaluation_criteria", "name", "Rust").await;
    app.call(
        &rita,
        "add_candidate",
        &[
            ("recruitment", &rec),
            ("full_name", "Grace"),
            ("email", "grace@example.org"),
        ],
    )
    .await;
    let cand = public_id(&app, "candidates", "email", "grace@example.org").await;
    app.grant_consent("grace@example.org").await;
    let application: String = sqlx::query_scalar("SELECT public_id FROM applications")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    app.call(
        &rita,
        "schedule_interview",
        &[
            ("application", &application),
            ("candidate", &cand),
            ("starts_at", "2026-12-01T09:00"),
            ("duration", "45"),
        ],
    )
    .await;
    let int: String = sqlx::query_scalar("SELECT public_id FROM interviews")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    app.call(
        &rita,
        "assign_interviewer",
        &[("interview", &int), ("interviewer", &ivan_id)],
    )
    .await;

    // What some rows use up, one per caller: a criterion to remove, an application to decide.
    let ada_id = public_id(&app, "users", "email", "ada@acme.example").await;
    let mut temp_criteria = Vec::new();
    let mut decision_apps = Vec::new();
    let mut decision_cands = Vec::new();
    for i in 0..CALLERS.len() {
        let name = format!("Temp {i}");
        app.call(
            &rita,
            "add_criterion",
            &[("id", &rec), ("name", &name), ("weight", "1")],
        )
        .await;
        temp_criteria.push(public_id(&app, "evaluation_criteria", "name", &name).await);
        let email = format!("decide-{i}@example.org");
        app.call(
            &rita,
            "add_candidate",
            &[
                ("recruitment", &rec),
                ("full_name", &format!("Decide {i}")),
                ("email", &email),
            ],
        )
        .await;
        let c = public_id(&app, "candidates", "email", &email).await;
        let a: String = sqlx::query_scalar(
            "SELECT a.public_id FROM applications a JOIN candidates c ON c.id = a.candidate_id
             WHERE c.public_id = $1",
        )
        .bind(&c)
        .fetch_one(&app.owner)
        .await
        .unwrap();
        decision_cands.push(c);
        decision_apps.push(a);
    }

    let matrix: Vec<Row> = vec![
        (
            "recruitment",
            same(&[("id", &rec)]),
            &rec,
            [
                Ok, Ok, Ok, NotFound, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "list_recruitments",
            same(&[]),
            &rec,
            [Ok, Ok, Ok, Hidden, Forbidden, Forbidden, Forbidden, Hidden],
        ),
        (
            "list_candidates",
            same(&[]),
            &cand,
            [Ok, Ok, Ok, Hidden, Forbidden, Forbidden, Forbidden, Hidden],
        ),
        (
            "recruitment_board",
            same(&[("id", &rec)]),
            &cand,
            [
                Ok, Ok, Ok, NotFound, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "candidate",
            same(&[("id", &cand)]),
            &cand,
            [
                Ok, Ok, Ok, NotFound, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "interview",
            same(&[("id", &int)]),
            &int,
            [Ok, Ok, Ok, NotFound, Ok, NotFound, Forbidden, NotFound],
        ),
        (
            "my_interviews",
            same(&[]),
            &int,
            [Ok, Ok, Ok, Hidden, Ok, Hidden, Forbidden, Hidden],
        ),
        (
            "set_recruitment_status",
            same(&[("id", &rec), ("status", "open")]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "move_application",
            same(&[
                ("application", &application),
                ("stage", "applied"),
                ("candidate", &cand),
            ]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "move_applications",
            same(&[
                ("recruitment", &rec),
                ("applications[]", &application),
                ("stage", "applied"),
            ]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "save_score",
            same(&[
                ("interview", &int),
                ("criterion", &crit),
                ("score", "3"),
                ("evidence", "x"),
            ]),
            "",
            [
                Forbidden, Forbidden, Forbidden, NotFound, Ok, NotFound, Forbidden, NotFound,
            ],
        ),
        (
            "create_recruitment",
            same(&[("title", "Another opening")]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok,
            ],
        ),
        (
            "update_recruitment",
            same(&[("id", &rec), ("title", "Backend")]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "add_recruitment_member",
            same(&[("id", &rec), ("member", &ada_id)]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "remove_recruitment_member",
            same(&[("id", &rec), ("member", &ada_id)]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "add_criterion",
            same(&[("id", &rec), ("name", "Extra"), ("weight", "2")]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "remove_criterion",
            {
                let (rec, temp) = (rec.clone(), temp_criteria.clone());
                Box::new(move |i| vec![("id", rec.clone()), ("criterion", temp[i].clone())])
            },
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "recruitment_staff",
            same(&[]),
            &hank_id,
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Hidden,
            ],
        ),
        (
            "add_candidate",
            {
                let rec = rec.clone();
                Box::new(move |i| {
                    vec![
                        ("recruitment", rec.clone()),
                        ("full_name", format!("Added {i}")),
                        ("email", format!("added-{i}@example.org")),
                    ]
                })
            },
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "add_application_note",
            same(&[
                ("application", &application),
                ("note", "Strong systems answers"),
                ("candidate", &cand),
            ]),
            "",
            [
                Ok, Ok, Ok, NotFound, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "schedule_interview",
            same(&[
                ("application", &application),
                ("candidate", &cand),
                ("starts_at", "2026-12-02T09:00"),
                ("duration", "30"),
            ]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "assign_interviewer",
            same(&[("interview", &int), ("interviewer", &ivan_id)]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "extend_retention",
            same(&[("candidate", &cand)]),
            "",
            [
                // Every candidate has a clock (F10), so allowed callers extend it.
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "set_retention_period",
            same(&[("candidate", &cand), ("days", "400")]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "update_candidate",
            same(&[
                ("candidate", &cand),
                ("full_name", "Grace Hopper"),
                ("email", "grace@example.org"),
            ]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "set_legal_hold",
            same(&[("candidate", &cand), ("lift", "1")]),
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "resend_consent",
            {
                let (apps, cands) = (decision_apps.clone(), decision_cands.clone());
                Box::new(move |i| {
                    vec![
                        ("application", apps[i].clone()),
                        ("candidate", cands[i].clone()),
                    ]
                })
            },
            "",
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "record_decision",
            {
                let (apps, cands) = (decision_apps.clone(), decision_cands.clone());
                Box::new(move |i| {
                    vec![
                        ("application", apps[i].clone()),
                        ("decision", "rejected".to_owned()),
                        ("reason", "Another candidate fitted better".to_owned()),
                        ("candidate", cands[i].clone()),
                        ("confirm", "yes".to_owned()),
                    ]
                })
            },
            "",
            [
                Ok, Ok, Ok, NotFound, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
    ];

    // No server function of the core without its row.
    let in_matrix: Vec<String> = matrix.iter().map(|r| format!("/fn/{}", r.0)).collect();
    let missing: Vec<&str> = candor_app::api::SERVER_FUNCTIONS
        .iter()
        .filter(|(_, access)| matches!(access, Access::Requires(p) if CORE.contains(p)))
        .map(|(path, _)| *path)
        .filter(|path| !in_matrix.iter().any(|m| m == path))
        .collect();
    assert!(
        missing.is_empty(),
        "server functions without a row: {missing:?}"
    );

    let mut clients = Vec::new();
    for email in CALLERS {
        clients.push(app.signed_in(email, PASSWORD).await);
    }
    let mut failures = Vec::new();
    for (name, args, record, expected) in &matrix {
        for (i, ((email, client), want)) in CALLERS.iter().zip(&clients).zip(expected).enumerate() {
            let owned = args(i);
            let args: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.call(client, name, &args).await;
            let status = res.status();
            let body = res.text().await.unwrap();
            let seen = match status {
                StatusCode::OK if body.contains(record) => Ok,
                StatusCode::OK => Hidden,
                StatusCode::NOT_FOUND => NotFound,
                StatusCode::FORBIDDEN => Forbidden,
                StatusCode::UNPROCESSABLE_ENTITY => Refused,
                other => panic!("{name} as {email}: unexpected {other}: {body}"),
            };
            if seen != *want {
                failures.push(format!(
                    "{name} as {email}: expected {want:?}, got {seen:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The file routes of the same records: Grace's CV, and the interview's transcript.
    let cv = crate::files::pdf(crate::files::MARKER);
    app.upload(
        &rita,
        &UPLOAD_CANDIDATE_DOCUMENT.at(&cand),
        &[("kind", "cv")],
        Some(("file", "cv.pdf", cv.clone())),
    )
    .await;
    let transcript = crate::files::vtt("Tell me about Rust.");
    app.upload(
        &rita,
        &UPLOAD_INTERVIEW_FILE.at(&int),
        &[("kind", "transcript")],
        Some(("file", "t.vtt", transcript.clone())),
    )
    .await;
    let href = |kind: &'static str| {
        let app = &app;
        async move {
            let id: String = sqlx::query_scalar("SELECT public_id FROM documents WHERE kind = $1")
                .bind(kind)
                .fetch_one(&app.owner)
                .await
                .unwrap();
            DOWNLOAD_DOCUMENT.at(&id)
        }
    };
    let (cv_href, transcript_href) = (href("cv").await, href("transcript").await);
    enum Call {
        Download(String, Vec<u8>),
        /// A download whose content must name a record.
        Export(String, String),
        Upload(String, &'static str, &'static str, Vec<u8>),
        AddWithCv,
    }
    let file_matrix: Vec<(&str, &str, Call, [Seen; 8])> = vec![
        (
            "download a CV",
            DOWNLOAD_DOCUMENT.path,
            Call::Download(cv_href, cv.clone()),
            [
                Ok, Ok, Ok, NotFound, NotFound, NotFound, Forbidden, NotFound,
            ],
        ),
        (
            "download a transcript",
            DOWNLOAD_DOCUMENT.path,
            Call::Download(transcript_href, transcript.clone()),
            [Ok, Ok, Ok, NotFound, Ok, NotFound, Forbidden, NotFound],
        ),
        (
            "upload a candidate's document",
            UPLOAD_CANDIDATE_DOCUMENT.path,
            Call::Upload(
                UPLOAD_CANDIDATE_DOCUMENT.at(&cand),
                "document",
                "d.pdf",
                cv.clone(),
            ),
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "attach an interview's transcript",
            UPLOAD_INTERVIEW_FILE.path,
            Call::Upload(
                UPLOAD_INTERVIEW_FILE.at(&int),
                "transcript",
                "t.vtt",
                transcript,
            ),
            [Ok, Ok, Ok, NotFound, Ok, NotFound, Forbidden, NotFound],
        ),
        (
            "export a recruitment's candidates",
            EXPORT_CANDIDATES.path,
            Call::Export(EXPORT_CANDIDATES.at(&rec), cand.clone()),
            [
                Ok, Ok, Ok, NotFound, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
        (
            "export the audit log",
            EXPORT_AUDIT_LOG.path,
            // Acme's log names the candidate (candidate.added); Rival's own log does not.
            Call::Export(EXPORT_AUDIT_LOG.path.to_owned(), cand.clone()),
            [
                Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok, Hidden,
            ],
        ),
        (
            "add a candidate with a CV",
            ADD_CANDIDATE_WITH_CV.path,
            Call::AddWithCv,
            [
                Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound,
            ],
        ),
    ];
    // No file route without its row.
    // (A candidate's own routes are decided by their privacy session, not by a staff role.)
    for route in candor_app::routes::FILE_ROUTES
        .iter()
        .filter(|r| r.access != candor_app::domain::role::Access::Public)
    {
        assert!(
            file_matrix.iter().any(|row| row.1 == route.path),
            "file route without a row: {} {}",
            route.method,
            route.path
        );
    }
    for (what, _, call, expected) in &file_matrix {
        for (i, ((email, client), want)) in CALLERS.iter().zip(&clients).zip(expected).enumerate() {
            let (status, matches) = match call {
                Call::Download(href, bytes) => {
                    let res = client
                        .get(app.url(href))
                        .header("accept", "application/json")
                        .send()
                        .await
                        .unwrap();
                    let status = res.status();
                    (
                        status,
                        res.bytes().await.unwrap().as_ref() == bytes.as_slice(),
                    )
                }
                Call::Export(href, record) => {
                    let res = client
                        .get(app.url(href))
                        .header("accept", "application/json")
                        .send()
                        .await
                        .unwrap();
                    let status = res.status();
                    (status, res.text().await.unwrap().contains(record.as_str()))
                }
                Call::Upload(path, kind, name, bytes) => {
                    let res = app
                        .upload(
                            client,
                            path,
                            &[("kind", kind)],
                            Some(("file", name, bytes.clone())),
                        )
                        .await;
                    (res.status(), true)
                }
                Call::AddWithCv => {
                    let email = format!("new-{i}@example.org");
                    let res = app
                        .upload(
                            client,
                            &ADD_CANDIDATE_WITH_CV.at(&rec),
                            &[("full_name", "New"), ("email", &email)],
                            Some(("cv", "cv.pdf", cv.clone())),
                        )
                        .await;
                    (res.status(), true)
                }
            };
            let seen = match status {
                StatusCode::OK if matches => Ok,
                StatusCode::OK => Hidden,
                StatusCode::NOT_FOUND => NotFound,
                StatusCode::FORBIDDEN => Forbidden,
                other => panic!("{what} as {email}: unexpected {other}"),
            };
            if seen != *want {
                failures.push(format!(
                    "{what} as {email}: expected {want:?}, got {seen:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Hidden and missing records answer alike.
    let hidden = app
        .call(&clients[3], "candidate", &[("id", &cand)])
        .await
        .text()
        .await
        .unwrap();
    let missing = app
        .call(
            &clients[3],
            "candidate",
            &[("id", "cand_0000000000000000000000000z")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(hidden, missing);
}
