//! The demo organisation for `--demo`: one verified user per role (R1) with known passwords.
//! Development only; production refuses it.

use candor_app::backend::{
    auth::{password, tokens::random_16, totp},
    consent,
    db::{self, orgs::NewOrg, users::NewUser},
    documents,
    guard::CURRENT_DPA_VERSION,
    state::AppState,
};
use candor_app::domain::{
    consent::Purpose,
    controller::PrivacyContact,
    ids::{IdKind, PublicId},
    role::Role,
    upload::FileKind,
};
use uuid::Uuid;

pub const DEMO_ORG: &str = "Northwind Talent (demo)";

pub struct DemoUser {
    pub role: Role,
    pub email: String,
    pub password: String,
}

pub fn demo_users() -> Vec<DemoUser> {
    Role::ALL
        .iter()
        .map(|role| DemoUser {
            role: *role,
            email: format!("{}@demo.candor.test", role.as_str().replace('_', "-")),
            password: format!("demo {} passphrase 2026", role.label().to_lowercase()),
        })
        .collect()
}

/// Creates the demo organisation unless its admin already exists.
pub async fn seed(state: &AppState) -> anyhow::Result<Vec<DemoUser>> {
    let users = demo_users();
    let mut probe = state.db.begin_unscoped().await?;
    let existing = db::users::locate_by_email(&mut probe, &users[0].email).await?;
    probe.commit().await?;
    if existing.is_some() {
        return Ok(users);
    }
    let org_id = Uuid::new_v4();
    let mut tx = state.db.begin_for_org(org_id).await?;
    let org_public = PublicId::from_random(IdKind::Org, random_16());
    db::orgs::insert(
        &mut tx,
        &NewOrg {
            id: org_id,
            public_id: org_public.as_str(),
            name: DEMO_ORG,
            dpa_version: CURRENT_DPA_VERSION,
        },
    )
    .await?;
    db::orgs::set_privacy_contact(
        &mut tx,
        org_id,
        &PrivacyContact {
            contact: "Data protection officer".into(),
            street_address: "Keizersgracht 1".into(),
            postal_code: "1015 CJ".into(),
            locality: "Amsterdam".into(),
            country: "NL".into(),
            email: "privacy@demo.example".into(),
            phone: "+31 20 123 4567".into(),
        },
    )
    .await?;
    for (position, (name, service, country)) in [
        ("Hetzner Online GmbH", "hosting and backups", "Germany"),
        ("Postmark", "transactional e-mail delivery", "United States"),
    ]
    .into_iter()
    .enumerate()
    {
        let position = i32::try_from(position).unwrap_or(0);
        let public = PublicId::from_random(IdKind::SubProcessor, random_16());
        db::consent::add_sub_processor(
            &mut tx,
            org_id,
            public.as_str(),
            name,
            service,
            country,
            position,
        )
        .await?;
    }
    let now = state.clock.now();
    let mut ids = Vec::new();
    for user in &users {
        let user_id = Uuid::new_v4();
        ids.push((user.role, user_id));
        let public = PublicId::from_random(IdKind::User, random_16());
        let checked = password::parse_new_password(user.password.clone(), &[])
            .map_err(|e| anyhow::anyhow!("demo password for {}: {e}", user.role))?;
        let hash = password::hash(&checked).await?;
        db::users::insert(
            &mut tx,
            &NewUser {
                id: user_id,
                public_id: public.as_str(),
                org_id,
                email: &user.email,
                display_name: &format!("Demo {}", user.role.label()),
                password_hash: &hash,
                role: user.role.as_str(),
            },
        )
        .await?;
        db::users::mark_email_verified(&mut tx, org_id, user_id, now).await?;
        if user.role == Role::Admin {
            db::orgs::record_dpa_acceptance(&mut tx, org_id, user_id, CURRENT_DPA_VERSION).await?;
            // Admins need a second factor (F2): the demo admin's key is fixed and printed.
            let sealed = state.files.seal_totp_key(user_id, DEMO_ADMIN_TOTP_KEY);
            db::mfa::set_pending_key(&mut tx, org_id, user_id, &sealed).await?;
            db::mfa::enable(&mut tx, org_id, user_id, &sealed, 0, now).await?;
        }
    }
    let id_of = |role: Role| ids.iter().find(|(r, _)| *r == role).map(|(_, id)| *id);
    let (Some(recruiter), Some(hiring_manager), Some(interviewer)) = (
        id_of(Role::Recruiter),
        id_of(Role::HiringManager),
        id_of(Role::Interviewer),
    ) else {
        anyhow::bail!("demo users missing");
    };
    let people = Staff {
        recruiter,
        hiring_manager,
        interviewer,
    };
    seed_recruiting(state, &mut tx, org_id, &people, now).await?;
    tx.commit().await?;
    Ok(users)
}

/// Names for made-up people (the demo's, and the benchmark's seed).
pub const FIRST_NAMES: [&str; 16] = [
    "Amara", "Bram", "Chiara", "Dawid", "Elin", "Farah", "Gustav", "Hana", "Ismael", "Jolien",
    "Kasia", "Lars", "Maja", "Noor", "Oskar", "Priya",
];
pub const LAST_NAMES: [&str; 12] = [
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Müller",
    "Okafor",
    "Peeters",
    "Rossi",
    "Sato",
    "Svensson",
    "de Vries",
    "Nowak",
    "Schmidt",
];

struct Staff {
    recruiter: Uuid,
    hiring_manager: Uuid,
    interviewer: Uuid,
}

const EVIDENCE: [&str; 6] = [
    "Walked through a queue design and named its failure modes unprompted",
    "Summarised the trade-off in two sentences, then checked I had followed",
    "Described settling a disagreement between design and engineering",
    "Answered the scaling question with numbers from a past project",
    "Asked sharp questions about how the team reviews work",
    "Gave a vague answer on testing and could not name an example",
];

/// A short plain-text CV, sealed like any upload.
fn demo_cv(name: &str, title: &str) -> Vec<u8> {
    format!(
        "{name}\n\nApplying for: {title}\n\nExperience\n- 2021-now: senior role, Rotterdam\n\
         - 2017-2021: engineer, Kraków\n\nLanguages: English, Dutch, Polish\n"
    )
    .into_bytes()
}

/// A WebVTT transcript of a demo interview.
fn demo_transcript(name: &str) -> Vec<u8> {
    format!(
        "WEBVTT\n\n00:00:01.000 --> 00:00:06.000\nInterviewer: Thanks for joining, {name}. \
         Tell me about a system you designed.\n\n00:00:06.500 --> 00:00:15.000\n{name}: A job \
         queue for invoices; I sharded it by tenant so one customer could not starve the rest.\n"
    )
    .into_bytes()
}

/// Seals a demo file for a candidate (and interview) as the recruiter or interviewer who brought it.
async fn seed_file(
    state: &AppState,
    tx: &mut candor_app::backend::db::Tx,
    owner: &documents::FileOwner,
    kind: FileKind,
    file_name: &str,
    bytes: Vec<u8>,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let upload = documents::Upload {
        file_name: file_name.into(),
        bytes,
    };
    let checked = documents::check(kind, "file", upload)
        .map_err(|e| anyhow::anyhow!("demo {}: {}", kind.as_str(), e.message))?;
    documents::seal_into(&state.files, tx, owner, checked, now)
        .await
        .map_err(|e| anyhow::anyhow!("sealing a demo file: {e}"))?;
    Ok(())
}

/// Three recruitments with criteria and about fifty candidates spread over the pipeline, each with
/// a CV; those past the screening have an interview, and the interviews held have a transcript and
/// the interviewer's scorecard.
async fn seed_recruiting(
    state: &AppState,
    tx: &mut candor_app::backend::db::Tx,
    org_id: Uuid,
    people: &Staff,
    now: time::OffsetDateTime,
) -> anyhow::Result<()> {
    let (recruiter, hiring_manager) = (people.recruiter, people.hiring_manager);
    use candor_app::backend::db::{candidates, recruitments};
    use candor_app::domain::pipeline::Stage;
    let openings = [
        (
            "Senior backend engineer",
            hiring_manager,
            "<p>Build the services behind Candor in <strong>Rust</strong> and PostgreSQL.</p>",
        ),
        (
            "Product designer",
            recruiter,
            "<p>Shape calm, accessible interfaces for recruiters and candidates.</p>",
        ),
        (
            "Data protection officer",
            recruiter,
            "<p>Own our GDPR programme: DPIAs, DSARs, retention.</p>",
        ),
    ];
    let criteria = [
        (
            "Technical depth",
            "Explains trade-offs with concrete evidence",
            5,
        ),
        ("Communication", "Clear, structured, listens", 3),
        ("Collaboration", "Examples of working across teams", 3),
    ];
    let stages = [
        Stage::Applied,
        Stage::Applied,
        Stage::Applied,
        Stage::Screening,
        Stage::Screening,
        Stage::Interview,
        Stage::Interview,
        Stage::Offer,
        Stage::Hired,
        Stage::Rejected,
    ];
    let mut person = 0usize;
    for (title, owner, description) in openings {
        let recruitment_id = Uuid::new_v4();
        let public = PublicId::from_random(IdKind::Recruitment, random_16());
        recruitments::insert(
            tx,
            &recruitments::NewRecruitment {
                id: recruitment_id,
                public_id: public.as_str(),
                org_id,
                title,
                description_html: description,
                owner_id: owner,
            },
        )
        .await?;
        let mut criterion_ids = Vec::new();
        for (name, what, weight) in criteria {
            let id = PublicId::from_random(IdKind::Criterion, random_16());
            recruitments::add_criterion(
                tx,
                org_id,
                recruitment_id,
                &recruitments::NewCriterion {
                    public_id: id.as_str(),
                    name,
                    description: what,
                    weight,
                },
            )
            .await?;
            if let Some(internal) =
                db::interviews::criterion_id(tx, org_id, recruitment_id, id.as_str()).await?
            {
                criterion_ids.push(internal);
            }
        }
        for i in 0..16 {
            let first = FIRST_NAMES[person % FIRST_NAMES.len()];
            let last = LAST_NAMES[(person * 7 + 3) % LAST_NAMES.len()];
            person += 1;
            let email = format!(
                "{}.{}{}@candidates.example",
                first.to_lowercase(),
                last.to_lowercase().replace(' ', ""),
                person
            );
            let public = PublicId::from_random(IdKind::Candidate, random_16());
            let full_name = format!("{first} {last}");
            let (candidate_id, _) = candidates::upsert(
                tx,
                &candidates::NewCandidate {
                    id: Uuid::new_v4(),
                    public_id: public.as_str(),
                    org_id,
                    full_name: &full_name,
                    email: &email,
                    phone: "",
                    now,
                },
            )
            .await?;
            let candidate_files = documents::FileOwner {
                org_id,
                candidate_id,
                interview_id: None,
                uploaded_by: recruiter,
            };
            seed_file(
                state,
                tx,
                &candidate_files,
                FileKind::Cv,
                &format!("{first} {last} CV.txt"),
                demo_cv(&full_name, title),
                now,
            )
            .await?;
            let application_id = Uuid::new_v4();
            let app_public = PublicId::from_random(IdKind::Application, random_16());
            candidates::insert_application(
                tx,
                org_id,
                application_id,
                app_public.as_str(),
                candidate_id,
                recruitment_id,
            )
            .await?;
            candidates::append_event(
                tx,
                org_id,
                application_id,
                "applied",
                Some("applied"),
                recruiter,
                now,
            )
            .await?;
            let stage = stages[i % stages.len()];
            if stage.is_decided() {
                let reason = if stage == Stage::Hired {
                    "Strongest match on every criterion"
                } else {
                    "Other candidates matched the criteria better"
                };
                candidates::record_decision(
                    tx,
                    org_id,
                    application_id,
                    &candidates::DecisionRecord {
                        from: Stage::Applied.as_str(),
                        stage: stage.as_str(),
                        reason,
                        decided_by: hiring_manager,
                        now,
                    },
                )
                .await?;
                candidates::append_event(
                    tx,
                    org_id,
                    application_id,
                    "decision",
                    Some(stage.as_str()),
                    hiring_manager,
                    now,
                )
                .await?;
            } else if stage != Stage::Applied {
                candidates::set_stage(
                    tx,
                    org_id,
                    application_id,
                    Stage::Applied.as_str(),
                    stage.as_str(),
                    now,
                )
                .await?;
                candidates::append_event(
                    tx,
                    org_id,
                    application_id,
                    "stage_changed",
                    Some(stage.as_str()),
                    recruiter,
                    now,
                )
                .await?;
            }
            // Candidates past the first stage have answered the consent request; one in ten
            // refused recording, so the gate shows in the demo too.
            if stage != Stage::Applied {
                let choices = Purpose::ALL.map(|p| (p, !(p == Purpose::Recording && i % 10 == 3)));
                consent::seed_choices(tx, org_id, application_id, &choices, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("demo consent: {e}"))?;
            }
            if matches!(stage, Stage::Applied | Stage::Screening) {
                continue;
            }
            // Interviews still to come for the interview stage; held ones for the others.
            let held = stage != Stage::Interview;
            let day = i64::try_from(i).unwrap_or(0);
            let at = if held {
                now - time::Duration::days(7 + day)
            } else {
                now + time::Duration::days(1 + day % 5)
            };
            let at = at.replace_time(time::Time::from_hms(10, 0, 0)?);
            let interview_id = Uuid::new_v4();
            let interview_public = PublicId::from_random(IdKind::Interview, random_16());
            db::interviews::insert(
                tx,
                &db::interviews::NewInterview {
                    id: interview_id,
                    public_id: interview_public.as_str(),
                    org_id,
                    application_id,
                    scheduled_at: at,
                    duration_minutes: 45,
                    location: "Video call",
                    created_by: recruiter,
                },
            )
            .await?;
            db::interviews::assign(tx, org_id, interview_id, people.interviewer).await?;
            if !held {
                continue;
            }
            let base = match stage {
                Stage::Hired => 4,
                Stage::Offer => 3,
                _ => 2,
            };
            for (n, criterion) in criterion_ids.iter().enumerate() {
                let score = (base + i32::try_from((i + n) % 2).unwrap_or(0)).min(5);
                db::interviews::upsert_score(
                    tx,
                    org_id,
                    interview_id,
                    people.interviewer,
                    *criterion,
                    score,
                    EVIDENCE[(i + n) % EVIDENCE.len()],
                    at,
                )
                .await?;
            }
            let interview_files = documents::FileOwner {
                interview_id: Some(interview_id),
                uploaded_by: people.interviewer,
                ..candidate_files
            };
            seed_file(
                state,
                tx,
                &interview_files,
                FileKind::Transcript,
                "interview.vtt",
                demo_transcript(&full_name),
                at,
            )
            .await?;
        }
    }
    Ok(())
}

/// The demo admin's TOTP key (20 bytes). Public like the demo passwords: demo data only.
pub const DEMO_ADMIN_TOTP_KEY: &[u8] = b"candor-demo-totp-key";

pub fn print(users: &[DemoUser], base_url: &str) {
    println!();
    println!(
        "Demo organisation \"{DEMO_ORG}\" — sign in at {}login",
        base_url
    );
    for u in users {
        println!("  {:<15} {:<36} {}", u.role.label(), u.email, u.password);
    }
    if let Some(p) = totp::provisioning(DEMO_ADMIN_TOTP_KEY, "Candor demo", "admin") {
        println!(
            "  The admin signs in with a second factor: add the key {} to an authenticator app",
            p.key_base32
        );
        println!("  (or run: oathtool --totp -b {}).", p.key_base32);
    }
    println!();
}
