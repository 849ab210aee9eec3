//! Test support (feature `testing`): a brand-new, empty database per call, on the backend
//! `CENTRALE_TEST_DB` names (`sqlite`, the default, or `postgres`).
//!
//! These helpers panic with a clear message when the database cannot be made: a test run
//! must fail loudly rather than skip.

use crate::Db;
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
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let (base, rest) = match url[authority_start..].find(['/', '?']) {
        Some(i) => url.split_at(authority_start + i),
        None => (url, ""),
    };
    let query = rest.find('?').map_or("", |i| &rest[i..]);
    format!("{base}/{name}{query}")
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
