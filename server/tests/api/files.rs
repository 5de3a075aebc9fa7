//! Files (S12): CVs, documents, recordings and transcripts are judged by content, sealed at rest,
//! charged to the organisation's quota and handed out only as attachments through the guarded
//! route — and hostile uploads leave nothing behind.

use crate::helpers::{TestApp, PASSWORD};
use candor_app::routes::{ADD_CANDIDATE_WITH_CV, UPLOAD_CANDIDATE_DOCUMENT, UPLOAD_INTERVIEW_FILE};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub const MARKER: &str = "GRACE-HOPPER-CV-PLAINTEXT";

pub fn pdf(body: &str) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% {body}\n%%EOF\n").into_bytes()
}

pub fn vtt(line: &str) -> Vec<u8> {
    format!("WEBVTT\n\n00:00.000 --> 00:02.000\n{line}\n").into_bytes()
}

fn wav() -> Vec<u8> {
    [b"RIFF".as_slice(), &[36, 0, 0, 0], b"WAVEfmt ", &[0; 64]].concat()
}

fn zip_with(entries: &[&str]) -> Vec<u8> {
    // A stored (uncompressed) ZIP, built by hand so the test does not share the portal's reader.
    let mut out = Vec::new();
    let mut central = Vec::new();
    for name in entries {
        let offset = out.len() as u32;
        let data = b"<x/>";
        let crc = crc32(data);
        let mut local = Vec::new();
        local.extend_from_slice(b"PK\x03\x04");
        local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        local.extend_from_slice(&crc.to_le_bytes());
        local.extend_from_slice(&(data.len() as u32).to_le_bytes());
        local.extend_from_slice(&(data.len() as u32).to_le_bytes());
        local.extend_from_slice(&(name.len() as u16).to_le_bytes());
        local.extend_from_slice(&[0, 0]);
        local.extend_from_slice(name.as_bytes());
        local.extend_from_slice(data);
        out.extend_from_slice(&local);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let start = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

struct Org {
    rita: Client,
    rec: String,
}

async fn org(app: &TestApp) -> Org {
    app.verified_admin("Acme", "ada@acme.example").await;
    app.add_members(
        "ada@acme.example",
        &[
            ("rita@acme.example", "recruiter"),
            ("ivan@acme.example", "interviewer"),
            ("iris@acme.example", "interviewer"),
        ],
    )
    .await;
    let rita = app.signed_in("rita@acme.example", PASSWORD).await;
    let res = app
        .call(&rita, "create_recruitment", &[("title", "Backend")])
        .await;
    let rec = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/recruitments/")
        .to_owned();
    Org { rita, rec }
}

/// Adds a candidate with a CV through the page's form; returns the answer.
async fn add_with_cv(
    app: &TestApp,
    o: &Org,
    email: &str,
    cv: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    app.upload(
        &o.rita,
        &ADD_CANDIDATE_WITH_CV.at(&o.rec),
        &[("full_name", "Grace Hopper"), ("email", email)],
        cv.map(|(name, bytes)| ("cv", name, bytes)),
    )
    .await
}

async fn candidate_json(app: &TestApp, client: &Client, id: &str) -> Value {
    app.call(client, "candidate", &[("id", id)])
        .await
        .json()
        .await
        .unwrap()
}

fn location_id(body: &Value, prefix: &str) -> String {
    body["location"]
        .as_str()
        .unwrap()
        .trim_start_matches(prefix)
        .split('#')
        .next()
        .unwrap()
        .to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cv_added_with_its_candidate_is_sealed_and_handed_out_only_as_an_attachment(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let cv = pdf(MARKER);
    let res = add_with_cv(
        &app,
        &o,
        "grace@example.org",
        Some(("Grace CV.pdf", cv.clone())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let grace = location_id(&res.json().await.unwrap(), "/app/candidates/");

    let c = candidate_json(&app, &o.rita, &grace).await;
    let doc = &c["documents"][0];
    assert_eq!(doc["kind"], "cv");
    assert_eq!(doc["file_name"], "Grace CV.pdf");
    let href = doc["href"].as_str().unwrap().to_owned();
    assert!(href.starts_with("/app/documents/doc_"), "{href}");
    assert_eq!(c["timeline"][0]["kind"], "cv_added");
    assert_eq!(c["timeline"][0]["detail"], "Grace CV.pdf");

    // At rest: one file under a generated name, none of the plaintext in it.
    let stored = app.stored_files();
    assert_eq!(stored.len(), 1);
    let (path, bytes) = &stored[0];
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()),
        "{name}"
    );
    assert!(path.starts_with(&app.files_dir));
    assert!(!bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()));
    assert!(!bytes.starts_with(b"%PDF"));
    assert_eq!(
        app.count("SELECT used_bytes FROM org_storage").await,
        cv.len() as i64
    );
    assert_eq!(app.count("SELECT count(*) FROM candidate_keys").await, 1);

    // Out: the same bytes, as an attachment that cannot run as a page of ours.
    let res = o.rita.get(app.url(&href)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''Grace%20CV%2Epdf"),
        "{disposition}"
    );
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(res.bytes().await.unwrap().to_vec(), cv);

    // Reads are audited: the upload and the download, against the candidate.
    let downloads: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'document.downloaded' AND target = $1",
    )
    .bind(&grace)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(downloads, 1);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'document.uploaded'")
            .await,
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn hostile_uploads_are_refused_and_leave_nothing_behind(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let res = add_with_cv(&app, &o, "grace@example.org", None).await;
    let grace = location_id(&res.json().await.unwrap(), "/app/candidates/");
    let route = UPLOAD_CANDIDATE_DOCUMENT.at(&grace);

    let elf = [b"\x7fELF\x02\x01\x01\0".as_slice(), &[0; 120]].concat();
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0; 64]].concat();
    let docx = zip_with(&["[Content_Types].xml", "word/document.xml"]);
    let polyglot = [pdf("cv"), zip_with(&["index.html"])].concat();
    let scripted =
        b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF\n"
            .to_vec();
    let macros = zip_with(&[
        "[Content_Types].xml",
        "word/document.xml",
        "word/vbaProject.bin",
    ]);
    let too_big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("a program behind .pdf", "cv.pdf", elf, "a program"),
        ("an image behind .txt", "cv.txt", png, "an image"),
        (
            "HTML behind .txt",
            "cv.txt",
            b"<html><script>alert(1)</script>".to_vec(),
            "HTML",
        ),
        ("a Word file behind .pdf", "cv.pdf", docx, "ends in .pdf"),
        (
            "a PDF that is also a ZIP",
            "cv.pdf",
            polyglot,
            "archive hidden",
        ),
        ("a PDF with JavaScript", "cv.pdf", scripted, "scripts"),
        ("a Word file with macros", "cv.docx", macros, "macros"),
        ("an empty file", "cv.pdf", vec![], "empty"),
        ("an oversized file", "cv.txt", too_big, "larger than 10 MB"),
    ];
    for (what, name, bytes, says) in cases {
        let res = app
            .upload(
                &o.rita,
                &route,
                &[("kind", "cv")],
                Some(("file", name, bytes)),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["fields"][0]["field"], "file", "{what}");
        let message = body["fields"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{what}: {message}");
    }
    // A purpose that is not the candidate's, and a file of the right shape but the wrong purpose.
    let res = app
        .upload(
            &o.rita,
            &route,
            &[("kind", "recording")],
            Some(("file", "a.wav", wav())),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .upload(
            &o.rita,
            &route,
            &[("kind", "cv")],
            Some(("file", "talk.wav", wav())),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.stored_files().is_empty());
    assert_eq!(app.count("SELECT count(*) FROM documents").await, 0);
    assert_eq!(
        app.count("SELECT coalesce(sum(used_bytes), 0)::bigint FROM org_storage")
            .await,
        0
    );

    // A path in the name is dropped: the file lands in the store under a generated name.
    let escape = format!(
        "../../../../tmp/candor-{}.pdf",
        uuid::Uuid::new_v4().simple()
    );
    let res = app
        .upload(
            &o.rita,
            &route,
            &[("kind", "document")],
            Some(("file", &escape, pdf("x"))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let stored_name: String = sqlx::query_scalar("SELECT file_name FROM documents")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(stored_name, escape.rsplit('/').next().unwrap());
    assert!(!std::path::Path::new(&escape).exists());
    let stored = app.stored_files();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].0.starts_with(&app.files_dir));
}

#[sqlx::test(migrations = "../migrations")]
async fn adding_a_candidate_with_a_cv_is_all_or_nothing(_: PgPoolOptions, opts: PgConnectOptions) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    // A wrong field stores no file; a refused CV adds no one. Both are reported at once.
    let res = app
        .upload(
            &o.rita,
            &ADD_CANDIDATE_WITH_CV.at(&o.rec),
            &[("full_name", ""), ("email", "not-an-address")],
            Some(("cv", "cv.pdf", b"MZ\x90\0 not a pdf".to_vec())),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["full_name", "email", "cv"]);
    let res = add_with_cv(
        &app,
        &o,
        "grace@example.org",
        Some(("cv.txt", b"<svg onload=x>".to_vec())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = add_with_cv(&app, &o, "bad", Some(("cv.pdf", pdf("ok")))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM documents").await, 0);
    assert!(app.stored_files().is_empty());

    // Without a file, the form adds the candidate alone.
    let res = add_with_cv(&app, &o, "grace@example.org", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM documents").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_organisation_quota_refuses_what_does_not_fit_and_keeps_nothing_of_it(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let cv = pdf(&"x".repeat(500));
    sqlx::query("INSERT INTO org_storage (org_id, quota_bytes) SELECT id, $1 FROM orgs")
        .bind(cv.len() as i64 + 100)
        .execute(&app.owner)
        .await
        .unwrap();
    let res = add_with_cv(&app, &o, "grace@example.org", Some(("cv.pdf", cv.clone()))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let grace = location_id(&res.json().await.unwrap(), "/app/candidates/");

    let res = app
        .upload(
            &o.rita,
            &UPLOAD_CANDIDATE_DOCUMENT.at(&grace),
            &[("kind", "document")],
            Some(("file", "letter.pdf", cv.clone())),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "storage_quota_exceeded");
    // The candidate that would have come with a CV over the quota is not added either.
    let res = add_with_cv(&app, &o, "alan@example.org", Some(("cv.pdf", cv.clone()))).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("SELECT count(*) FROM candidates").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM documents").await, 1);
    assert_eq!(app.stored_files().len(), 1);
    assert_eq!(
        app.count("SELECT used_bytes FROM org_storage").await,
        cv.len() as i64
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_assigned_interviewer_attaches_and_replaces_the_transcript_and_recording(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let res = add_with_cv(&app, &o, "grace@example.org", None).await;
    let grace = location_id(&res.json().await.unwrap(), "/app/candidates/");
    app.grant_consent("grace@example.org").await;
    let c = candidate_json(&app, &o.rita, &grace).await;
    let application = c["applications"][0]["id"].as_str().unwrap().to_owned();
    let res = app
        .call(
            &o.rita,
            "schedule_interview",
            &[
                ("application", &application),
                ("candidate", &grace),
                ("starts_at", "2026-12-01T09:30"),
                ("duration", "45"),
            ],
        )
        .await;
    let interview = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/app/interviews/")
        .to_owned();
    let ivan_id: String = sqlx::query_scalar("SELECT public_id FROM users WHERE email = $1")
        .bind("ivan@acme.example")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    app.call(
        &o.rita,
        "assign_interviewer",
        &[("interview", &interview), ("interviewer", &ivan_id)],
    )
    .await;
    let ivan = app.signed_in("ivan@acme.example", PASSWORD).await;
    let iris = app.signed_in("iris@acme.example", PASSWORD).await;
    let route = UPLOAD_INTERVIEW_FILE.at(&interview);

    let first = vtt("Tell me about Rust.");
    let res = app
        .upload(
            &ivan,
            &route,
            &[("kind", "transcript")],
            Some(("file", "take1.vtt", first)),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let second = vtt("Tell me about ownership.");
    let res = app
        .upload(
            &ivan,
            &route,
            &[("kind", "transcript")],
            Some(("file", "take2.vtt", second.clone())),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .upload(
            &ivan,
            &route,
            &[("kind", "recording")],
            Some(("file", "call.wav", wav())),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // One transcript (the second) and one recording; the first transcript's bytes are gone.
    let d: Value = app
        .call(&ivan, "interview", &[("id", &interview)])
        .await
        .json()
        .await
        .unwrap();
    let files = d["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let transcript = files.iter().find(|f| f["kind"] == "transcript").unwrap();
    assert_eq!(transcript["file_name"], "take2.vtt");
    assert_eq!(app.stored_files().len(), 2);
    assert_eq!(
        app.count("SELECT used_bytes FROM org_storage").await,
        (second.len() + wav().len()) as i64
    );
    assert_eq!(
        app.count("SELECT count(*) FROM audit_events WHERE action = 'document.replaced'")
            .await,
        1
    );
    let res = ivan
        .get(app.url(transcript["href"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/vtt; charset=utf-8");
    assert_eq!(res.bytes().await.unwrap().to_vec(), second);

    // The candidate's timeline tells what happened, newest first.
    let c = candidate_json(&app, &o.rita, &grace).await;
    let kinds: Vec<&str> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "recording_attached",
            "transcript_attached",
            "transcript_attached",
            "interview_scheduled",
            "applied"
        ]
    );

    // Not assigned: the interview and its files do not exist for Iris.
    let res = app
        .upload(
            &iris,
            &route,
            &[("kind", "transcript")],
            Some(("file", "x.vtt", vtt("x"))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = iris
        .get(app.url(transcript["href"].as_str().unwrap()))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // A CV is not a recording, and a CV is not attached to an interview.
    let res = app
        .upload(
            &ivan,
            &route,
            &[("kind", "recording")],
            Some(("file", "cv.pdf", pdf("x"))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .upload(
            &ivan,
            &route,
            &[("kind", "cv")],
            Some(("file", "cv.pdf", pdf("x"))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrations = "../migrations")]
async fn without_javascript_uploads_redirect_to_the_page_and_errors_come_back_to_the_form(
    _: PgPoolOptions,
    opts: PgConnectOptions,
) {
    let app = TestApp::spawn(opts).await;
    let o = org(&app).await;
    let res = add_with_cv(&app, &o, "grace@example.org", None).await;
    let grace = location_id(&res.json().await.unwrap(), "/app/candidates/");
    let route = UPLOAD_CANDIDATE_DOCUMENT.at(&grace);
    let res = app
        .upload_as(
            &o.rita,
            &route,
            &[("kind", "cv")],
            Some(("file", "cv.pdf", pdf("x"))),
            "text/html",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("/app/candidates/{grace}#documents").as_str()
    );
    let res = app
        .upload_as(
            &o.rita,
            &route,
            &[("kind", "cv")],
            Some(("file", "cv.pdf", b"nope".to_vec())),
            "text/html",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        back,
        format!("/app/candidates/{grace}?error=invalid&fields=file&form=documents#documents")
    );
    let page = app.html(&o.rita, back.split('#').next().unwrap()).await;
    assert!(page.contains("This file was not accepted"), "{page}");
    assert_eq!(
        page.matches("Please correct the fields marked below.")
            .count(),
        1
    );
    // Signed out, the form leads to the sign-in page, and nothing is stored.
    let res = app
        .upload_as(
            &app.browser(),
            &route,
            &[("kind", "cv")],
            Some(("file", "cv.pdf", pdf("x"))),
            "text/html",
        )
        .await;
    assert_eq!(res.headers()["location"], "/login");
    assert_eq!(app.count("SELECT count(*) FROM documents").await, 1);
}
