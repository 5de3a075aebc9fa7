//! One struct per e-mail; its subject, text and HTML parts are askama templates under
//! `app/templates/email/<name>/`. HTML parts escape every value; text parts are plain.

use super::super::db::Tx;
use super::outbox;
use askama::Template;
use uuid::Uuid;

pub struct Rendered {
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachment: Option<Attachment>,
}

/// A file sent with an e-mail.
#[derive(Clone)]
pub struct Attachment {
    pub name: String,
    pub media_type: &'static str,
    pub content: String,
}

pub trait Email {
    fn render(&self) -> Result<Rendered, askama::Error>;
}

macro_rules! email_parts {
    ($name:literal, $model:ident, $subject:ident, $text:ident, $html:ident) => {
        impl Email for $model {
            fn render(&self) -> Result<Rendered, askama::Error> {
                Ok(Rendered {
                    template: $name,
                    subject: $subject { m: self }.render()?.trim().to_owned(),
                    text: $text { m: self }.render()?,
                    html: $html { m: self }.render()?,
                    attachment: None,
                })
            }
        }
    };
}

pub struct VerifyEmail {
    pub display_name: String,
    pub org_name: String,
    pub link: String,
    pub valid_hours: i64,
}

#[derive(Template)]
#[template(path = "email/verify_email/subject.txt", escape = "none")]
struct VerifyEmailSubject<'a> {
    m: &'a VerifyEmail,
}
#[derive(Template)]
#[template(path = "email/verify_email/text.txt", escape = "none")]
struct VerifyEmailText<'a> {
    m: &'a VerifyEmail,
}
#[derive(Template)]
#[template(path = "email/verify_email/html.html")]
struct VerifyEmailHtml<'a> {
    m: &'a VerifyEmail,
}
email_parts!(
    "verify_email",
    VerifyEmail,
    VerifyEmailSubject,
    VerifyEmailText,
    VerifyEmailHtml
);

pub struct AccountExists {
    pub sign_in_link: String,
    pub reset_link: String,
}

#[derive(Template)]
#[template(path = "email/account_exists/subject.txt", escape = "none")]
#[allow(
    dead_code,
    reason = "this subject uses no field; the macro passes the model to every part"
)]
struct AccountExistsSubject<'a> {
    m: &'a AccountExists,
}
#[derive(Template)]
#[template(path = "email/account_exists/text.txt", escape = "none")]
struct AccountExistsText<'a> {
    m: &'a AccountExists,
}
#[derive(Template)]
#[template(path = "email/account_exists/html.html")]
struct AccountExistsHtml<'a> {
    m: &'a AccountExists,
}
email_parts!(
    "account_exists",
    AccountExists,
    AccountExistsSubject,
    AccountExistsText,
    AccountExistsHtml
);

pub struct PasswordReset {
    pub display_name: String,
    pub link: String,
    pub valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "email/password_reset/subject.txt", escape = "none")]
#[allow(
    dead_code,
    reason = "this subject uses no field; the macro passes the model to every part"
)]
struct PasswordResetSubject<'a> {
    m: &'a PasswordReset,
}
#[derive(Template)]
#[template(path = "email/password_reset/text.txt", escape = "none")]
struct PasswordResetText<'a> {
    m: &'a PasswordReset,
}
#[derive(Template)]
#[template(path = "email/password_reset/html.html")]
struct PasswordResetHtml<'a> {
    m: &'a PasswordReset,
}
email_parts!(
    "password_reset",
    PasswordReset,
    PasswordResetSubject,
    PasswordResetText,
    PasswordResetHtml
);

pub struct PasswordChanged {
    pub display_name: String,
    pub reset_link: String,
}

#[derive(Template)]
#[template(path = "email/password_changed/subject.txt", escape = "none")]
#[allow(
    dead_code,
    reason = "this subject uses no field; the macro passes the model to every part"
)]
struct PasswordChangedSubject<'a> {
    m: &'a PasswordChanged,
}
#[derive(Template)]
#[template(path = "email/password_changed/text.txt", escape = "none")]
struct PasswordChangedText<'a> {
    m: &'a PasswordChanged,
}
#[derive(Template)]
#[template(path = "email/password_changed/html.html")]
struct PasswordChangedHtml<'a> {
    m: &'a PasswordChanged,
}
email_parts!(
    "password_changed",
    PasswordChanged,
    PasswordChangedSubject,
    PasswordChangedText,
    PasswordChangedHtml
);

/// Every e-mail a candidate receives, in their language: a greeting, paragraphs, at most one
/// action link, closing paragraphs and the line naming who sent it. The texts come from
/// `domain::i18n`, so one template serves every language.
pub struct CandidateEmail {
    /// The outbox's name for this kind of e-mail.
    pub kind: &'static str,
    pub lang: &'static str,
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    pub action: Option<Action>,
    pub closing: Vec<String>,
    pub sender_line: String,
    pub attachment: Option<Attachment>,
}

pub struct Action {
    pub label: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "email/candidate/subject.txt", escape = "none")]
struct CandidateSubject<'a> {
    m: &'a CandidateEmail,
}
#[derive(Template)]
#[template(path = "email/candidate/text.txt", escape = "none")]
struct CandidateText<'a> {
    m: &'a CandidateEmail,
}
#[derive(Template)]
#[template(path = "email/candidate/html.html")]
struct CandidateHtml<'a> {
    m: &'a CandidateEmail,
}

impl Email for CandidateEmail {
    fn render(&self) -> Result<Rendered, askama::Error> {
        Ok(Rendered {
            template: self.kind,
            subject: CandidateSubject { m: self }.render()?.trim().to_owned(),
            text: CandidateText { m: self }.render()?,
            html: CandidateHtml { m: self }.render()?,
            attachment: self.attachment.clone(),
        })
    }
}

/// Renders and queues an e-mail inside the caller's transaction: it is sent if and only if the
/// change that caused it commits.
pub async fn queue(
    tx: &mut Tx,
    org_id: Option<Uuid>,
    recipient: &str,
    email: &impl Email,
) -> Result<(), crate::error::AppError> {
    let rendered = email.render().map_err(super::super::errors::internal)?;
    outbox::enqueue_rendered(tx, org_id, None, recipient, &rendered).await?;
    Ok(())
}

/// [`queue`] for an e-mail about a candidate, to them or to staff: deleting the candidate deletes
/// it too, sent or not, whatever address it went to.
pub async fn queue_about(
    tx: &mut Tx,
    org_id: Uuid,
    candidate_id: Uuid,
    recipient: &str,
    email: &impl Email,
) -> Result<(), crate::error::AppError> {
    let rendered = email.render().map_err(super::super::errors::internal)?;
    outbox::enqueue_rendered(tx, Some(org_id), Some(candidate_id), recipient, &rendered).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_parts_escape_values_and_text_parts_keep_the_link_intact() {
        let email = VerifyEmail {
            display_name: "<script>alert(1)</script>".into(),
            org_name: "Acme & Co".into(),
            link: "https://candor.example/verify-email/abc?x=1&y=2".into(),
            valid_hours: 48,
        };
        let r = email.render().unwrap();
        assert_eq!(r.subject, "Confirm your e-mail address for Acme & Co");
        assert!(r
            .text
            .contains("https://candor.example/verify-email/abc?x=1&y=2"));
        assert!(!r.html.contains("<script>alert(1)</script>"));
        assert!(
            r.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{}",
            r.html
        );
        assert!(r.html.contains("Acme &#38; Co"), "{}", r.html);
    }
}
