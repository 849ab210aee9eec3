//! Centrale's ports on a database: one SQL implementation for SQLite (the embedded default)
//! and PostgreSQL, through sqlx's `Any` driver, the backend chosen from the URL at runtime.
//!
//! Key types: [`Db`] (a pool; implements [`centrale_core::ports::Store`]) and [`Error`] for
//! connecting and migrating. Port methods answer with [`centrale_core::Error`].
//! Each capability lives in its own module: clients, numbers, employees, instructions,
//! contacts, staff, tokens, calls (with their offers), notes (with their deliveries), outbox (the delivery
//! worker's claims and marks).
//! With the `testing` feature, [`testing`] hands out fresh databases.
//!
//! Portability rules kept by every query: `$1, $2…` placeholders, only BIGINT, TEXT and
//! NULL values (instants are UTC milliseconds, flags 0/1, structured parts JSON text).
//!
//! May depend on: `centrale-core`, sqlx, serde. Nothing of Centrale depends on it but the binary.

mod agendas;
mod audit;
mod callback_feeds;
mod calls;
mod client_access;
mod clients;
mod contacts;
mod convert;
mod digests;
mod employees;
mod instructions;
mod mails;
mod note_versions;
mod notes;
mod numbers;
mod outbox;
mod portal_users;
mod privacy;
mod signups;
mod staff;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;
mod transfers;

use async_trait::async_trait;
use centrale_core::ports::{Change, ChangeListener};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor as _, Transaction};
use std::sync::{Arc, Mutex, Once, Weak};
use std::time::Duration;

/// Why the database could not be opened or brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The URL names no backend Centrale supports.
    #[error("unsupported database URL: it must start with sqlite: or postgres://")]
    UnsupportedUrl,
    /// The database did not answer or refused the connection.
    #[error("cannot connect to the {backend} database")]
    Connect {
        backend: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// A migration failed or the database holds migrations this build does not know.
    #[error("cannot apply the database migrations")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How long a pool waits for a free connection (or a first one) before giving up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long SQLite waits on a lock held by another connection.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// The database: a connection pool, the name of its backend and who is told of changes.
/// Cheap to clone; clones share the pool and the listeners.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: &'static str,
    listeners: Listeners,
}

/// Those told of committed changes ([`ChangeListener`]), held weakly.
#[derive(Clone, Default)]
struct Listeners(Arc<Mutex<Vec<Weak<dyn ChangeListener>>>>);

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listeners")
    }
}

impl Db {
    /// Connects to `sqlite://path?mode=rwc` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(install_default_drivers);

        let backend = backend_of(url).ok_or(Error::UnsupportedUrl)?;
        let connect_error = |source| Error::Connect { backend, source };
        let mut options = AnyPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        if backend == "sqlite" {
            // Every connection to an in-memory database is a database of its own.
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            options = options
                .max_connections(if in_memory { 1 } else { 8 })
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        // sqlx's defaults already do this; stated here so no URL can undo it.
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute(
                            format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}").as_str(),
                        )
                        .await?;
                        // In WAL mode, NORMAL syncs at checkpoints rather than every commit: a
                        // crash of the process loses nothing committed; a power cut may lose the
                        // last commits.
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        Ok(())
                    })
                });
        } else {
            options = options.max_connections(10);
        }
        let pool = options.connect(url).await.map_err(connect_error)?;
        if backend == "sqlite" {
            // WAL lets readers work during a write; it is a property of the file, set once.
            if let Err(e) = pool.execute("PRAGMA journal_mode = WAL").await {
                tracing::warn!(error = %e, "could not switch SQLite to WAL journaling");
            }
        }
        Ok(Db {
            pool,
            backend,
            listeners: Listeners::default(),
        })
    }

    /// Applies pending migrations (`sqlx::migrate!("./migrations")`).
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations").run(&self.pool).await?;
        Ok(())
    }

    /// Tells the listeners of a committed change and waits until each has taken it in.
    pub(crate) async fn changed(&self, change: Change) {
        let listeners: Vec<_> = {
            let mut listeners = self.listeners.0.lock().unwrap_or_else(|e| e.into_inner());
            listeners.retain(|l| l.strong_count() > 0);
            listeners.iter().filter_map(Weak::upgrade).collect()
        };
        for listener in listeners {
            listener.changed(change).await;
        }
    }

    /// Claims up to `limit` queued rows of an outbox `table` (`deliveries`, `portal_mails`)
    /// due at `now`: each gets one more attempt and is not due again until the lease ends.
    /// Their ids, in the order they came due.
    pub(crate) async fn claim_due(
        &self,
        tx: &mut Transaction<'static, Any>,
        table: &'static str,
        now: chrono::DateTime<chrono::Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> centrale_core::Result<Vec<String>> {
        let lock = self.skip_locked();
        let claim = format!(
            "UPDATE {table} SET next_attempt_at = $2, attempts = attempts + 1
             WHERE id IN (
               SELECT id FROM {table} WHERE status = 'queued' AND next_attempt_at <= $1
               ORDER BY next_attempt_at, id LIMIT $3 {lock}
             )
             RETURNING id"
        );
        sqlx::query(&claim)
            .bind(convert::millis(now))
            .bind(convert::millis(now + lease))
            .bind(i64::from(limit))
            .fetch_all(&mut **tx)
            .await
            .map_err(convert::storage)?
            .iter()
            .map(|row| convert::get::<String>(row, "id"))
            .collect()
    }

    /// What a claiming SELECT adds so concurrent workers pass each other's rows by
    /// (PostgreSQL); SQLite's write transaction already serialises them.
    pub(crate) fn skip_locked(&self) -> &'static str {
        if self.backend == "postgres" {
            "FOR UPDATE SKIP LOCKED"
        } else {
            ""
        }
    }

    /// Begins a transaction; on SQLite it takes the write lock at once, so two writers
    /// wait for each other (busy timeout) instead of failing on a lock upgrade.
    pub(crate) async fn begin(&self) -> centrale_core::Result<Transaction<'static, Any>> {
        let tx = if self.backend == "sqlite" {
            self.pool.begin_with("BEGIN IMMEDIATE").await
        } else {
            self.pool.begin().await
        };
        tx.map_err(convert::storage)
    }
}

/// The backend a URL names, if Centrale supports it.
fn backend_of(url: &str) -> Option<&'static str> {
    if url.starts_with("sqlite:") {
        Some("sqlite")
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some("postgres")
    } else {
        None
    }
}

#[async_trait]
impl centrale_core::ports::Store for Db {
    async fn ping(&self) -> centrale_core::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(convert::storage)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        self.backend
    }

    fn notify_changes_to(&self, listener: Weak<dyn ChangeListener>) {
        let mut listeners = self.listeners.0.lock().unwrap_or_else(|e| e.into_inner());
        listeners.push(listener);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_backends_by_url() {
        assert_eq!(
            backend_of("sqlite://data/centrale.db?mode=rwc"),
            Some("sqlite")
        );
        assert_eq!(backend_of("sqlite::memory:"), Some("sqlite"));
        assert_eq!(
            backend_of("postgres://u:p@localhost/centrale"),
            Some("postgres")
        );
        assert_eq!(
            backend_of("postgresql://localhost/centrale"),
            Some("postgres")
        );
        assert_eq!(backend_of("mysql://localhost/centrale"), None);
        assert_eq!(backend_of(""), None);
    }

    #[tokio::test]
    async fn sqlite_writes_ahead_and_syncs_at_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/c.db?mode=rwc", dir.path().display());
        let db = Db::connect(&url).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(sync, 1, "NORMAL");
    }
}
