//! Stored files as pages show them. Uploads and downloads are plain HTTP routes
//! (`routes::FILE_ROUTES`), not server functions: they carry files, not JSON.

use crate::domain::upload::FileKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSummary {
    pub id: String,
    pub kind: FileKind,
    pub file_name: String,
    pub size: String,
    pub uploaded_by: String,
    pub at: String,
    /// The authorised download route.
    pub href: String,
}

#[cfg(feature = "ssr")]
pub(crate) fn summary(d: &crate::backend::db::documents::DocumentRow) -> Option<DocumentSummary> {
    let t = d.created_at;
    Some(DocumentSummary {
        href: crate::routes::DOWNLOAD_DOCUMENT.at(&d.public_id),
        id: d.public_id.clone(),
        kind: FileKind::parse(&d.kind)?,
        file_name: d.file_name.clone(),
        size: crate::domain::upload::human_size(u64::try_from(d.size_bytes).unwrap_or(0)),
        uploaded_by: d.uploaded_by.clone(),
        at: format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute()),
    })
}
