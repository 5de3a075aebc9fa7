//! All SQL of the portal, one file per aggregate, checked at compile time.
//!
//! Two pools: `app` connects as `candor_app` (no ownership, no superuser, row-level security
//! applies) and serves every request; `system` connects as the schema owner and serves only
//! background work that spans organisations (the audit sealer, the outbox worker).

pub mod api_keys;
pub mod audit;
pub mod candidates;
pub mod consent;
pub mod data_requests;
pub mod deferred;
pub mod documents;
pub mod idempotency;
pub mod interviews;
pub mod invitations;
pub mod metrics;
pub mod mfa;
pub mod orgs;
pub mod outbox;
pub mod public_api;
pub mod rate_limits;
pub mod recruitments;
pub mod retention;
pub mod sessions;
pub mod sso;
pub mod suppressions;
pub mod tokens;
pub mod users;

use crate::error::AppError;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

pub type Tx = Transaction<'static, Postgres>;

#[derive(Clone, Debug)]
pub struct Db {
    app: PgPool,
    system: PgPool,
}

impl Db {
    pub fn new(app: PgPool, system: PgPool) -> Self {
        Self { app, system }
    }

    /// A transaction whose row-level security admits only `org_id`'s rows (S1). Begun and scoped
    /// in one round trip (every request opens at least one): a `Uuid` prints as hex digits and
    /// dashes only, so it can stand in the statement's text.
    pub async fn begin_for_org(&self, org_id: Uuid) -> Result<Tx, AppError> {
        let statement = format!("BEGIN; SET LOCAL app.org_id = '{}'", org_id.hyphenated());
        Ok(self.app.begin_with(statement).await?)
    }

    /// [`Db::begin_for_org`] for a transaction whose statements find rows by key (a candidate's
    /// page, the API's keyset pages), planned once per connection. Left to choose, PostgreSQL
    /// plans such a statement anew on every call when it has an optional filter (`$viewer IS
    /// NULL OR …`): up to 0.8 ms of planning for a 0.05 ms lookup, the candidate page's largest
    /// cost. Their best plan is the same whatever the key. Not for searches and offset lists,
    /// whose best plan depends on the values (the candidate list took 140 ms on a generic plan).
    pub async fn begin_for_org_keyed(&self, org_id: Uuid) -> Result<Tx, AppError> {
        let statement = format!(
            "BEGIN; SET LOCAL app.org_id = '{}'; SET LOCAL plan_cache_mode = force_generic_plan",
            org_id.hyphenated()
        );
        Ok(self.app.begin_with(statement).await?)
    }

    /// A transaction with no organisation: tenant tables show no row at all until a lookup
    /// scopes it (a one-time token's or an API key's, in the same statement).
    pub async fn begin_unscoped(&self) -> Result<Tx, AppError> {
        Ok(self.app.begin().await?)
    }

    /// [`Db::begin_unscoped`] whose commit does not wait for the disk, for a GET whose only
    /// write is a rate-limit count (a token page): waiting for the write-ahead log's flush on
    /// every view cost the consent page a third of its throughput. A crash of PostgreSQL may
    /// forget the last fraction of a second of such counts; it never half-applies a transaction.
    pub async fn begin_unscoped_counting_only(&self) -> Result<Tx, AppError> {
        Ok(self
            .app
            .begin_with("BEGIN; SET LOCAL synchronous_commit = off")
            .await?)
    }

    pub fn app_pool(&self) -> &PgPool {
        &self.app
    }

    pub fn system_pool(&self) -> &PgPool {
        &self.system
    }

    pub async fn ping(&self) -> bool {
        sqlx::query_scalar!("SELECT 1 AS one")
            .fetch_one(&self.app)
            .await
            .is_ok()
    }
}

/// Scopes a transaction begun without an organisation to `org_id` from here on: for work that
/// moves from one organisation to another (the deferred requests' worker).
pub async fn scope(tx: &mut Tx, org_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"SELECT set_config('app.org_id', $1, true) AS "scoped!""#,
        org_id.to_string()
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(())
}

/// A point in `tx` to return to when a statement after it fails (a unique violation that only
/// means another request won a race), without losing what came before.
pub async fn savepoint(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("SAVEPOINT candor_attempt")
        .persistent(false)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Undoes everything since [`savepoint`]; the transaction goes on.
pub async fn roll_back_to_savepoint(tx: &mut Tx) -> Result<(), sqlx::Error> {
    sqlx::query("ROLLBACK TO SAVEPOINT candor_attempt")
        .persistent(false)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// `raw` as a literal inside an ILIKE pattern: its `%`, `_` and `\` match only themselves.
fn like_literal(raw: &str) -> String {
    raw.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::like_literal;

    #[test]
    fn search_text_matches_literally() {
        assert_eq!(like_literal("100%_done\\"), "100\\%\\_done\\\\");
        assert_eq!(like_literal("plain"), "plain");
    }
}
