//! Test support (feature `testing`): a brand-new, empty database per call, on the backend
//! `CENTRALE_TEST_DB` names (`sqlite`, the default, or `postgres`).
//!
//! These helpers panic with a clear message when the database cannot be made: a test run
//! must fail loudly rather than skip.
//!
//! [`insert_note`] writes a call note with a chosen creation time; [`set_delivery_status`]
//! marks a delivery as the delivery worker will, until that worker exists.

use crate::Db;
use centrale_core::notes::NoteSummary;
use centrale_core::{ClientId, DeliveryId, PhoneNumber};
use sqlx::{AnyConnection, Connection as _, Executor as _};

/// Where the PostgreSQL server for tests is, unless `CENTRALE_TEST_POSTGRES_URL` says otherwise.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://centrale:centrale@127.0.0.1:5432/postgres";

/// The URL of a brand-new, empty database on the backend `CENTRALE_TEST_DB` selects.
///
/// SQLite: a file in a new temporary directory that lives as long as the process.
/// PostgreSQL: `CREATE DATABASE centrale_test_<uuid>` on the server of
/// `CENTRALE_TEST_POSTGRES_URL`.
pub async fn fresh_database_url() -> String {
    let backend = std::env::var("CENTRALE_TEST_DB").unwrap_or_else(|_| "sqlite".into());
    match backend.as_str() {
        "sqlite" => fresh_sqlite_url(),
        "postgres" => fresh_postgres_url().await,
        other => panic!("CENTRALE_TEST_DB={other}: expected sqlite or postgres"),
    }
}

/// A fresh database (see [`fresh_database_url`]), connected and migrated.
pub async fn fresh_db() -> Db {
    let url = fresh_database_url().await;
    let db = Db::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test database: {e:?}"));
    db.migrate()
        .await
        .unwrap_or_else(|e| panic!("cannot migrate the test database: {e:?}"));
    db
}

/// Writes a call note of `client` about `caller_phone` as `note` describes it; the parts a
/// summary does not show are left empty.
pub async fn insert_note(
    db: &Db,
    client: ClientId,
    caller_phone: Option<&PhoneNumber>,
    note: &NoteSummary,
) {
    let created_at = note.created_at.timestamp_millis();
    sqlx::query(
        "INSERT INTO call_notes (id, client_id, call_id, caller_name, caller_company, caller_phone,
           message, for_employees, urgent, callback_wish, actions, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, '', $5, $6, '[]', $7, NULL, '[]', 'test', $8, $8)",
    )
    .bind(note.id.to_string())
    .bind(client.to_string())
    .bind(note.call_id.map(|id| id.to_string()))
    .bind(&note.caller_name)
    .bind(caller_phone.map(PhoneNumber::as_str))
    .bind(&note.message)
    .bind(i64::from(note.urgent))
    .bind(created_at)
    .execute(&db.pool)
    .await
    .unwrap_or_else(|e| panic!("cannot insert test note {}: {e}", note.id));
}

/// Sets a delivery's status (`queued`, `sent`, `failed`) directly.
pub async fn set_delivery_status(db: &Db, delivery: DeliveryId, status: &str) {
    sqlx::query("UPDATE deliveries SET status = $2 WHERE id = $1")
        .bind(delivery.to_string())
        .bind(status)
        .execute(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("cannot set the status of delivery {delivery}: {e}"));
}

fn fresh_sqlite_url() -> String {
    let dir = tempfile::Builder::new()
        .prefix("centrale-test-")
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory for SQLite: {e}"));
    // Kept for the rest of the process: the pool may outlive any one test's scope.
    let path = dir.keep().join("centrale.db");
    format!("sqlite://{}?mode=rwc", path.display())
}

async fn fresh_postgres_url() -> String {
    sqlx::any::install_default_drivers();
    let admin_url =
        std::env::var("CENTRALE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let mut admin = AnyConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "CENTRALE_TEST_DB=postgres but PostgreSQL is unreachable at {} ({e}); \
             start it or set CENTRALE_TEST_POSTGRES_URL",
                without_password(&admin_url)
            )
        });
    let name = format!("centrale_test_{}", uuid::Uuid::now_v7().simple());
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let _ = admin.close().await;
    with_database(&admin_url, &name)
}

/// `url` with its database (the path) replaced by `name`, query kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, _, query) = url_parts(url);
    format!("{base}/{name}{query}")
}

/// The database a PostgreSQL URL names (its path, without the query).
fn database_of(url: &str) -> &str {
    url_parts(url).1
}

/// A URL as scheme and authority, database, and query (with its `?`).
fn url_parts(url: &str) -> (&str, &str, &str) {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, rest) = match url[authority_start..].find(['/', '?']) {
        Some(i) => url.split_at(authority_start + i),
        None => (url, ""),
    };
    let (path, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
    (base, path.trim_start_matches('/'), query)
}

/// `url` without the password, for messages.
fn without_password(url: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    match (
        url[authority_start..].find(':'),
        url[authority_start..].find('@'),
    ) {
        (Some(colon), Some(at)) if colon < at => {
            format!(
                "{}:***{}",
                &url[..authority_start + colon],
                &url[authority_start + at..]
            )
        }
        _ => url.to_owned(),
    }
}

/// A database that cannot write call records for now while reads go on: another connection
/// holds a lock until [`WritesHeld::release`] — on PostgreSQL an exclusive lock on `calls`, on
/// SQLite the write lock of the whole file (WAL lets readers through).
pub struct WritesHeld(AnyConnection);

/// Holds writes to the database at `url` (see [`WritesHeld`]).
pub async fn hold_call_writes(url: &str) -> WritesHeld {
    sqlx::any::install_default_drivers();
    let mut connection = AnyConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to hold writes: {e}"));
    let statements: &[&str] = if url.starts_with("sqlite:") {
        &["BEGIN IMMEDIATE"]
    } else {
        &["BEGIN", "LOCK TABLE calls IN EXCLUSIVE MODE"]
    };
    for statement in statements {
        connection
            .execute(*statement)
            .await
            .unwrap_or_else(|e| panic!("cannot hold writes ({statement}): {e}"));
    }
    WritesHeld(connection)
}

impl WritesHeld {
    /// Lets writes through again.
    pub async fn release(mut self) {
        self.0
            .execute("ROLLBACK")
            .await
            .unwrap_or_else(|e| panic!("cannot release the held writes: {e}"));
        let _ = self.0.close().await;
    }
}

/// A database that is down for the app: on PostgreSQL it refuses new connections and the
/// app's are cut (`ALLOW_CONNECTIONS false`, `pg_terminate_backend`), so every read and
/// write fails; on SQLite, which has no server to stop, another connection holds the write
/// lock (reads go on: WAL). Up again with [`DatabaseDown::restore`].
pub enum DatabaseDown {
    Postgres { admin_url: String, name: String },
    Sqlite(WritesHeld),
}

/// Takes the database at `url` down (see [`DatabaseDown`]).
pub async fn take_down(url: &str) -> DatabaseDown {
    if url.starts_with("sqlite:") {
        return DatabaseDown::Sqlite(hold_call_writes(url).await);
    }
    let admin_url =
        std::env::var("CENTRALE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let name = database_of(url).to_owned();
    // Pasted into SQL below: only the names `fresh_database_url` makes.
    assert!(
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "not a test database name: {name}"
    );
    admin_run(
        &admin_url,
        &[
            &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ),
        ],
    )
    .await;
    DatabaseDown::Postgres { admin_url, name }
}

impl DatabaseDown {
    /// Brings the database back.
    pub async fn restore(self) {
        match self {
            DatabaseDown::Sqlite(held) => held.release().await,
            DatabaseDown::Postgres { admin_url, name } => {
                let allow = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true");
                admin_run(&admin_url, &[&allow]).await;
            }
        }
    }
}

async fn admin_run(admin_url: &str, statements: &[&str]) {
    sqlx::any::install_default_drivers();
    let mut admin = AnyConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL as its admin: {e}"));
    for statement in statements {
        admin
            .execute(*statement)
            .await
            .unwrap_or_else(|e| panic!("cannot run {statement}: {e}"));
    }
    let _ = admin.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "t1"),
            "postgres://u:p@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://h/postgres?sslmode=disable", "t1"),
            "postgres://h/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
        assert_eq!(
            with_database("postgres://h?x=1", "t1"),
            "postgres://h/t1?x=1"
        );
    }

    #[test]
    fn reads_the_database_of_a_url() {
        assert_eq!(database_of("postgres://u:p@h:5432/t1"), "t1");
        assert_eq!(database_of("postgres://h/t1?sslmode=disable"), "t1");
        assert_eq!(database_of("postgres://h"), "");
    }

    #[test]
    fn hides_the_password() {
        assert_eq!(
            without_password("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            without_password("postgres://h:5432/db"),
            "postgres://h:5432/db"
        );
    }
}
