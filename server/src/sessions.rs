//! The session store (S4): tower-sessions-sqlx-store's PostgreSQL store, except for creating a
//! session. Its `create` takes four round trips to PostgreSQL (BEGIN, a look for the drawn id,
//! the insert, COMMIT), a fifth of a sign-in's; here it is one insert that stores the session
//! only if its id is free, and draws another id if not. The record is encoded as that store
//! encodes it (MessagePack), so it reads, saves and deletes these sessions like its own.
//!
//! A session opened by a sign-in carries the sign-in's audit event (`OPENING_EVENT_KEY`): it is
//! taken out of the record and appended in the statement that stores the session, so the session
//! and its event are stored together or not at all, in one round trip rather than two.

use async_trait::async_trait;
use candor_app::backend::audit::DeferredEvent;
use candor_app::backend::auth::session::OPENING_EVENT_KEY;
use candor_app::backend::db::{audit, audit::NewEvent, sessions};
use sqlx::PgPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;

#[derive(Clone, Debug)]
pub struct Sessions {
    store: PostgresStore,
    pool: PgPool,
}

impl Sessions {
    /// The sessions of `pool`'s database, in `public.sessions` (migration 0001).
    pub fn new(pool: PgPool) -> Result<Sessions, String> {
        let store = PostgresStore::new(pool.clone())
            .with_schema_name("public")
            .and_then(|s| s.with_table_name("sessions"))?;
        Ok(Sessions { store, pool })
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let opening = take_opening_event(record)?;
        loop {
            let data = encode(record)?;
            let id = record.id.to_string();
            let stored = match &opening {
                Some(event) => {
                    sessions::insert_new_opened(
                        &self.pool,
                        &id,
                        &data,
                        record.expiry_date,
                        &appendable(event)?,
                    )
                    .await
                }
                None => sessions::insert_new(&self.pool, &id, &data, record.expiry_date).await,
            }
            .map_err(backend)?;
            if stored {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // Only a new session is opened by a sign-in (it never keeps an earlier id, S4), so this
        // is for completeness: the event is still never stored in the session, and is appended
        // once the session is.
        if record.data.contains_key(OPENING_EVENT_KEY) {
            let mut record = record.clone();
            let opening = take_opening_event(&mut record)?;
            self.store.save(&record).await?;
            if let Some(event) = opening {
                audit::append_alone(&self.pool, &appendable(&event)?)
                    .await
                    .map_err(backend)?;
            }
            return Ok(());
        }
        self.store.save(record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.store.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete(id).await
    }
}

fn take_opening_event(record: &mut Record) -> session_store::Result<Option<DeferredEvent>> {
    record
        .data
        .remove(OPENING_EVENT_KEY)
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| session_store::Error::Decode(e.to_string()))
}

fn appendable(event: &DeferredEvent) -> session_store::Result<NewEvent<'_>> {
    event
        .to_append()
        .ok_or_else(|| session_store::Error::Decode("an opening event out of time".into()))
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}
