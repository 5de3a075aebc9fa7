//! Files of candidates and interviews (S12): CVs and documents, recordings and transcripts. An
//! upload is judged by its content before anything is written; it is sealed under the candidate's
//! data key, charged to the organisation's quota and described in the database in one
//! transaction. Downloads go through the same visibility as the page the file belongs to, and each
//! is audited (F12).

use super::audit::record_caller_action as record;
use super::auth::tokens::random_16;
use super::candidates::{self, CandidateForm};
use super::db::{self, documents as store, Tx};
use super::files::{store::StorageName, FileVault};
use super::guard::{Caller, Ctx};
use super::recruitments::viewer;
use crate::domain::audit::AuditAction;
use crate::domain::consent::Purpose;
use crate::domain::ids::{IdKind, PublicId};
use crate::domain::role::Permission;
use crate::domain::upload::{inspect, Accepted, FileKind};
use crate::error::{AppError, FieldError};
use time::OffsetDateTime;
use uuid::Uuid;

/// A file as it arrived: the name the browser gave and the bytes.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// An upload that passed inspection for its purpose.
pub struct Checked {
    kind: FileKind,
    accepted: Accepted,
    bytes: Vec<u8>,
}

/// Inspects an upload for `kind`; a refusal names the form field it came from.
pub fn check(kind: FileKind, field: &str, upload: Upload) -> Result<Checked, FieldError> {
    match inspect(kind, &upload.file_name, &upload.bytes) {
        Ok(accepted) => Ok(Checked {
            kind,
            accepted,
            bytes: upload.bytes,
        }),
        Err(rejection) => Err(FieldError {
            field: field.into(),
            message: format!("{rejection} {}", kind.hint()),
        }),
    }
}

fn is_quota_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.constraint() == Some(store::QUOTA_CONSTRAINT))
}

/// Stores one checked file for a candidate (and interview) inside the caller's transaction.
/// The sealed bytes are written before the transaction commits; the caller discards them with
/// [`commit_or_discard`] if it does not.
async fn store_file(
    ctx: &Ctx,
    tx: &mut Tx,
    caller: &Caller,
    candidate_id: Uuid,
    interview_id: Option<Uuid>,
    checked: Checked,
) -> Result<StorageName, AppError> {
    let owner = FileOwner {
        org_id: caller.org_id,
        candidate_id,
        interview_id,
        uploaded_by: caller.user_id,
    };
    seal_into(&ctx.state.files, tx, &owner, checked, ctx.state.clock.now()).await
}

/// Whose file it is and who brought it.
pub struct FileOwner {
    pub org_id: Uuid,
    pub candidate_id: Uuid,
    pub interview_id: Option<Uuid>,
    pub uploaded_by: Uuid,
}

/// Charges the quota, finds or creates the candidate's data key, records the file and writes it
/// sealed under a generated name — all inside `tx`. Also used to seed the demo organisation.
pub async fn seal_into(
    vault: &FileVault,
    tx: &mut Tx,
    owner: &FileOwner,
    checked: Checked,
    now: OffsetDateTime,
) -> Result<StorageName, AppError> {
    let (org_id, candidate_id) = (owner.org_id, owner.candidate_id);
    let size = i64::try_from(checked.bytes.len()).map_err(super::errors::internal)?;
    if let Err(err) = store::charge_storage(tx, org_id, size).await {
        return Err(if is_quota_violation(&err) {
            AppError::StorageQuotaExceeded
        } else {
            err.into()
        });
    }
    let wrapped = match store::wrapped_key(tx, org_id, candidate_id).await? {
        Some(wrapped) => wrapped,
        None => {
            let (_, wrapped) = vault.new_data_key(candidate_id);
            store::insert_wrapped_key(tx, org_id, candidate_id, &wrapped).await?;
            store::wrapped_key(tx, org_id, candidate_id)
                .await?
                .ok_or_else(|| super::errors::internal("a data key vanished"))?
        }
    };
    let key = vault.data_key(candidate_id, &wrapped)?;
    let id = Uuid::new_v4();
    let public_id = PublicId::from_random(IdKind::Document, random_16());
    let name = StorageName::generate();
    store::insert(
        tx,
        &store::NewDocument {
            id,
            public_id: public_id.as_str(),
            org_id,
            candidate_id,
            interview_id: owner.interview_id,
            kind: checked.kind.as_str(),
            file_name: &checked.accepted.file_name,
            content_type: checked.accepted.format.content_type(),
            size_bytes: size,
            storage_name: name.as_str(),
            uploaded_by: owner.uploaded_by,
            now,
        },
    )
    .await?;
    vault.put(&name, key, id, checked.bytes).await?;
    Ok(name)
}

/// Commits, or removes the files written for a transaction that did not commit.
async fn commit_or_discard(ctx: &Ctx, tx: Tx, written: &[StorageName]) -> Result<(), AppError> {
    if let Err(err) = tx.commit().await {
        for name in written {
            ctx.state.files.delete(name.as_str()).await;
        }
        return Err(err.into());
    }
    Ok(())
}

fn candidate_file_kind(raw: &str) -> Result<FileKind, AppError> {
    FileKind::parse(raw)
        .filter(|k| !k.belongs_to_interview())
        .ok_or_else(|| AppError::invalid("kind", "Choose whether this is a CV or a document."))
}

fn interview_file_kind(raw: &str) -> Result<FileKind, AppError> {
    FileKind::parse(raw)
        .filter(|k| k.belongs_to_interview())
        .ok_or_else(|| AppError::invalid("kind", "Choose a recording or a transcript."))
}

/// Adds a CV or document to a candidate. Returns the candidate's public id.
pub async fn attach_to_candidate(
    ctx: &Ctx,
    caller: &Caller,
    candidate_public_id: &str,
    kind: &str,
    upload: Upload,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let id = PublicId::parse(IdKind::Candidate, candidate_public_id).ok_or(AppError::NotFound)?;
    let kind = candidate_file_kind(kind)?;
    let checked = check(kind, "file", upload).map_err(|f| AppError::Invalid { fields: vec![f] })?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let candidate =
        db::candidates::find_visible(&mut tx, caller.org_id, id.as_str(), viewer(caller)?)
            .await?
            .ok_or(AppError::NotFound)?;
    let name = store_file(ctx, &mut tx, caller, candidate.id, None, checked).await?;
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::DocumentUploaded,
        &candidate.public_id,
    )
    .await?;
    commit_or_discard(ctx, tx, &[name]).await?;
    Ok(candidate.public_id)
}

/// Adds a candidate to a recruitment with their CV, all or nothing: a refused CV adds no one,
/// and a wrong field stores no file. `confirmed_deletion` as for `candidates::add_to_recruitment`.
/// Returns the candidate's public id.
pub async fn add_candidate_with_cv(
    ctx: &Ctx,
    caller: &Caller,
    recruitment_public_id: &str,
    form: CandidateForm,
    cv: Option<Upload>,
    confirmed_deletion: Option<&str>,
) -> Result<String, AppError> {
    caller.require(Permission::ManageCandidates)?;
    let valid = candidates::validate(&form);
    let checked = cv
        .map(|upload| check(FileKind::Cv, "cv", upload))
        .transpose();
    let (valid, checked) = match (valid, checked) {
        (Ok(valid), Ok(checked)) => (valid, checked),
        (valid, checked) => {
            let mut fields = valid.err().unwrap_or_default();
            fields.extend(checked.err());
            return Err(AppError::Invalid { fields });
        }
    };
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let (candidate_id, candidate_public) = candidates::add_in(
        ctx,
        &mut tx,
        caller,
        recruitment_public_id,
        &valid,
        confirmed_deletion,
    )
    .await?;
    let mut written = Vec::new();
    if let Some(checked) = checked {
        written.push(store_file(ctx, &mut tx, caller, candidate_id, None, checked).await?);
        record(
            ctx,
            &mut tx,
            caller,
            AuditAction::DocumentUploaded,
            &candidate_public,
        )
        .await?;
    }
    commit_or_discard(ctx, tx, &written).await?;
    Ok(candidate_public)
}

/// Attaches an interview's recording or transcript, replacing the previous one. Everyone who
/// may see the interview may attach it: its assigned interviewers included. Returns the
/// interview's public id.
pub async fn attach_to_interview(
    ctx: &Ctx,
    caller: &Caller,
    interview_public_id: &str,
    kind: &str,
    upload: Upload,
) -> Result<String, AppError> {
    caller.require(Permission::ConductInterviews)?;
    let kind = interview_file_kind(kind)?;
    let checked = check(kind, "file", upload).map_err(|f| AppError::Invalid { fields: vec![f] })?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let interview = super::interviews::load(&mut tx, caller, interview_public_id).await?;
    let needs = match kind {
        FileKind::Recording => Purpose::Recording,
        _ => Purpose::Transcription,
    };
    super::consent::require_granted(&mut tx, caller.org_id, interview.application_id, needs)
        .await?;
    let replaced =
        store::remove_interview_file(&mut tx, caller.org_id, interview.id, kind.as_str()).await?;
    if let Some((_, size)) = &replaced {
        store::refund_storage(&mut tx, caller.org_id, *size).await?;
    }
    let name = store_file(
        ctx,
        &mut tx,
        caller,
        interview.candidate_id,
        Some(interview.id),
        checked,
    )
    .await?;
    let event = match kind {
        FileKind::Recording => "recording_attached",
        _ => "transcript_attached",
    };
    db::candidates::append_event(
        &mut tx,
        caller.org_id,
        interview.application_id,
        event,
        None,
        caller.user_id,
        ctx.state.clock.now(),
    )
    .await?;
    let action = if replaced.is_some() {
        AuditAction::DocumentReplaced
    } else {
        AuditAction::DocumentUploaded
    };
    record(ctx, &mut tx, caller, action, &interview.candidate_public_id).await?;
    commit_or_discard(ctx, tx, &[name]).await?;
    if let Some((old, _)) = replaced {
        ctx.state.files.delete(&old).await;
    }
    Ok(interview.public_id)
}

/// A decrypted file on its way to the one who may have it.
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A file, if the caller may see what it belongs to: a CV or document with its candidate, a
/// recording or transcript with its interview. Anything else is "not found", like a missing file.
pub async fn download(
    ctx: &Ctx,
    caller: &Caller,
    document_public_id: &str,
) -> Result<Download, AppError> {
    let sees_candidates = caller.require(Permission::ViewCandidates).is_ok();
    let sees_interviews = caller.require(Permission::ConductInterviews).is_ok();
    if !sees_candidates && !sees_interviews {
        return Err(AppError::Forbidden);
    }
    let id = PublicId::parse(IdKind::Document, document_public_id).ok_or(AppError::NotFound)?;
    let mut tx = ctx.state.db.begin_for_org(caller.org_id).await?;
    let doc = store::by_public_id(&mut tx, caller.org_id, id.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = FileKind::parse(&doc.kind).ok_or(AppError::NotFound)?;
    match (&doc.interview_public_id, kind.belongs_to_interview()) {
        (Some(interview), true) if sees_interviews => {
            super::interviews::load(&mut tx, caller, interview).await?;
        }
        (None, false) if sees_candidates => {
            db::candidates::find_visible(
                &mut tx,
                caller.org_id,
                &doc.candidate_public_id,
                viewer(caller)?,
            )
            .await?
            .ok_or(AppError::NotFound)?;
        }
        _ => return Err(AppError::NotFound),
    }
    let wrapped = store::wrapped_key(&mut tx, caller.org_id, doc.candidate_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = ctx.state.files.data_key(doc.candidate_id, &wrapped)?;
    let bytes = ctx.state.files.get(key, doc.id, &doc.storage_name).await?;
    record(
        ctx,
        &mut tx,
        caller,
        AuditAction::DocumentDownloaded,
        &doc.candidate_public_id,
    )
    .await?;
    tx.commit().await?;
    let content_type = crate::domain::upload::Format::from_content_type(&doc.content_type)
        .map(|f| f.content_type())
        .unwrap_or("application/octet-stream");
    Ok(Download {
        file_name: doc.file_name,
        content_type,
        bytes,
    })
}
