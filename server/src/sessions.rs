//! The session store (S4): tower-sessions-sqlx-store's PostgreSQL store, except for creating a
//! session. Its `create` takes four round trips to PostgreSQL (BEGIN, a look for the drawn id,
//! the insert, COMMIT), a fifth of a sign-in's; here it is one insert that stores the session
//! only if its id is free, and draws another id if not. The record is encoded as that store
//! encodes it (MessagePack), so it reads, saves and deletes these sessions like its own.

use async_trait::async_trait;
use candor_app::backend::db::sessions;
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
        loop {
            let data = rmp_serde::to_vec(&*record)
                .map_err(|e| session_store::Error::Encode(e.to_string()))?;
            let id = record.id.to_string();
            if sessions::insert_new(&self.pool, &id, &data, record.expiry_date)
                .await
                .map_err(|e| session_store::Error::Backend(e.to_string()))?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.store.save(record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.store.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete(id).await
    }
}
