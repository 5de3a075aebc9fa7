//! E-mail: askama templates, the transactional outbox and its delivery worker.

pub mod messages;
pub mod outbox;

use lettre::{
    message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart},
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use std::path::PathBuf;

/// Where e-mail goes: an SMTP server, or `.eml` files in the outbox folder when none is
/// configured (SPEC section 5).
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Mailer {
    /// `url` as lettre understands it, e.g. `smtp://127.0.0.1:2525` or `smtps://user:pw@host`.
    pub fn smtp(url: &str) -> Result<Self, lettre::transport::smtp::Error> {
        Ok(Mailer::Smtp(
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build(),
        ))
    }

    pub fn files(dir: PathBuf) -> Self {
        Mailer::Files(AsyncFileTransport::<Tokio1Executor>::new(&dir), dir)
    }

    pub async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Files(t, _) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// Builds the MIME message from stored parts: text and HTML alternatives, and the attached file
/// (name, media type, content) when there is one.
pub fn build_message(
    from: &str,
    to: &str,
    subject: &str,
    text: &str,
    html: &str,
    attachment: Option<(&str, &str, &str)>,
    message_id: &str,
) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("sender address: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("recipient address: {e}"))?;
    let alternatives = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text.to_owned()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(html.to_owned()),
        );
    let body = match attachment {
        None => alternatives,
        Some((name, media_type, content)) => {
            let media_type = ContentType::parse(media_type)
                .map_err(|e| format!("attachment type {media_type}: {e}"))?;
            MultiPart::mixed()
                .multipart(alternatives)
                .singlepart(Attachment::new(name.to_owned()).body(content.to_owned(), media_type))
        }
    };
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(message_id.to_owned()))
        .multipart(body)
        .map_err(|e| e.to_string())
}
