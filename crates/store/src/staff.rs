//! The bureau's staff: login e-mail (unique regardless of case), password hash, and the
//! HA1 secrets of their SIP account.

use crate::Db;
use crate::convert::{checked, enum_from_text, enum_text, get, millis, now, parsed, storage};
use async_trait::async_trait;
use centrale_core::ports::StaffStore;
use centrale_core::sip_credentials::SipCredentials;
use centrale_core::{Error, PasswordHash, Result, Staff, StaffDraft, StaffId};
use sqlx::any::AnyRow;
use sqlx::error::ErrorKind;

const COLUMNS: &str =
    "id, email, name, role, password_hash, sip_username, sip_realm, sip_ha1_md5, sip_ha1_sha256";

/// A staff member from a row with at least id, email, name, role and sip_username.
pub(crate) fn staff_from_row(row: &AnyRow) -> Result<Staff> {
    Ok(Staff {
        id: parsed(get(row, "id")?, "id")?,
        draft: StaffDraft {
            email: checked(get(row, "email")?, "email")?,
            name: get(row, "name")?,
            role: enum_from_text(get(row, "role")?, "role")?,
            sip_username: get(row, "sip_username")?,
        },
    })
}

/// The SIP secrets of a row, if it has a complete set.
fn sip_from_row(row: &AnyRow) -> Result<Option<SipCredentials>> {
    let parts: [Option<String>; 4] = [
        get(row, "sip_username")?,
        get(row, "sip_realm")?,
        get(row, "sip_ha1_md5")?,
        get(row, "sip_ha1_sha256")?,
    ];
    Ok(match parts {
        [Some(username), Some(realm), Some(ha1_md5), Some(ha1_sha256)] => Some(SipCredentials {
            username,
            realm,
            ha1_md5,
            ha1_sha256,
        }),
        _ => None,
    })
}

/// Credentials given with a draft must be for the draft's SIP username.
fn check_sip(draft: &StaffDraft, sip: Option<&SipCredentials>) -> Result<()> {
    match sip {
        Some(sip) if draft.sip_username.as_deref() != Some(sip.username.as_str()) => {
            Err(Error::invalid(
                "sip_username",
                "the SIP credentials are for another username",
            ))
        }
        _ => Ok(()),
    }
}

/// What a refused write of `draft` means to the user.
fn write_error(e: sqlx::Error, draft: &StaffDraft) -> Error {
    let Some(db) = e
        .as_database_error()
        .filter(|db| db.kind() == ErrorKind::UniqueViolation)
    else {
        return storage(e);
    };
    // PostgreSQL names the constraint, SQLite only mentions it in the message.
    let on_sip = db
        .constraint()
        .unwrap_or_else(|| db.message())
        .contains("sip_username");
    match (&draft.sip_username, on_sip) {
        (Some(username), true) => {
            Error::conflict("sip_username", format!("SIP username {username} is taken"))
        }
        _ => Error::conflict(
            "email",
            format!("{} is already a staff member", draft.email),
        ),
    }
}

/// Numbered parameters for a statement built from parts, all text.
#[derive(Default)]
struct Params(Vec<Option<String>>);

impl Params {
    /// Adds a value and returns its placeholder.
    fn add(&mut self, value: Option<&str>) -> String {
        self.0.push(value.map(str::to_owned));
        format!("${}", self.0.len())
    }
}

#[async_trait]
impl StaffStore for Db {
    async fn create_staff(
        &self,
        draft: &StaffDraft,
        password: &PasswordHash,
        sip: Option<&SipCredentials>,
    ) -> Result<Staff> {
        check_sip(draft, sip)?;
        let staff = Staff {
            id: StaffId::new(),
            draft: draft.clone(),
        };
        sqlx::query(
            "INSERT INTO staff (id, email, name, role, password_hash, sip_username, sip_realm, sip_ha1_md5,
               sip_ha1_sha256, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(staff.id.to_string())
        .bind(draft.email.as_str())
        .bind(&draft.name)
        .bind(enum_text(&draft.role)?)
        .bind(password.as_str())
        .bind(draft.sip_username.as_deref())
        .bind(sip.map(|s| s.realm.as_str()))
        .bind(sip.map(|s| s.ha1_md5.as_str()))
        .bind(sip.map(|s| s.ha1_sha256.as_str()))
        .bind(millis(now()))
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, draft))?;
        Ok(staff)
    }

    async fn list_staff(&self) -> Result<Vec<Staff>> {
        let sql = format!("SELECT {COLUMNS} FROM staff ORDER BY lower(name), id");
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(staff_from_row).collect()
    }

    async fn staff(&self, id: StaffId) -> Result<Staff> {
        let sql = format!("SELECT {COLUMNS} FROM staff WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.as_ref()
            .map(staff_from_row)
            .unwrap_or(Err(Error::NotFound("staff member")))
    }

    async fn update_staff(
        &self,
        id: StaffId,
        draft: &StaffDraft,
        password: Option<&PasswordHash>,
        sip: Option<&SipCredentials>,
    ) -> Result<Staff> {
        check_sip(draft, sip)?;
        let mut params = Params::default();
        let id_param = params.add(Some(&id.to_string()));
        let role = enum_text(&draft.role)?;
        let mut sets = vec![
            format!("email = {}", params.add(Some(draft.email.as_str()))),
            format!("name = {}", params.add(Some(&draft.name))),
            format!("role = {}", params.add(Some(&role))),
        ];
        if let Some(password) = password {
            sets.push(format!(
                "password_hash = {}",
                params.add(Some(password.as_str()))
            ));
        }
        let secrets = ["sip_realm", "sip_ha1_md5", "sip_ha1_sha256"];
        match (&draft.sip_username, sip) {
            (None, _) => sets.extend(
                ["sip_username", "sip_realm", "sip_ha1_md5", "sip_ha1_sha256"]
                    .map(|c| format!("{c} = NULL")),
            ),
            (Some(_), Some(sip)) => {
                sets.push(format!(
                    "sip_username = {}",
                    params.add(Some(&sip.username))
                ));
                sets.push(format!("sip_realm = {}", params.add(Some(&sip.realm))));
                sets.push(format!("sip_ha1_md5 = {}", params.add(Some(&sip.ha1_md5))));
                sets.push(format!(
                    "sip_ha1_sha256 = {}",
                    params.add(Some(&sip.ha1_sha256))
                ));
            }
            (Some(username), None) => {
                // HA1 is bound to the username: the old secrets survive only if it stays the same.
                for column in secrets {
                    let same = params.add(Some(username));
                    sets.push(format!(
                        "{column} = CASE WHEN sip_username = {same} THEN {column} END"
                    ));
                }
                sets.push(format!("sip_username = {}", params.add(Some(username))));
            }
        }
        let sql = format!("UPDATE staff SET {} WHERE id = {id_param}", sets.join(", "));
        let mut query = sqlx::query(&sql);
        for value in params.0 {
            query = query.bind(value);
        }
        let done = query
            .execute(&self.pool)
            .await
            .map_err(|e| write_error(e, draft))?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("staff member"));
        }
        Ok(Staff {
            id,
            draft: draft.clone(),
        })
    }

    async fn delete_staff(&self, id: StaffId) -> Result<()> {
        // Their tokens go with them (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM staff WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("staff member"));
        }
        Ok(())
    }

    async fn staff_login(&self, email: &str) -> Result<(Staff, PasswordHash)> {
        let sql = format!("SELECT {COLUMNS} FROM staff WHERE lower(email) = lower($1)");
        let row = sqlx::query(&sql)
            .bind(email.trim())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
            .ok_or(Error::NotFound("staff member"))?;
        Ok((
            staff_from_row(&row)?,
            PasswordHash::from_stored(get(&row, "password_hash")?),
        ))
    }

    async fn sip_credentials(&self, username: &str) -> Result<(Staff, SipCredentials)> {
        let sql = format!("SELECT {COLUMNS} FROM staff WHERE sip_username = $1");
        let row = sqlx::query(&sql)
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
            .ok_or(Error::NotFound("staff member"))?;
        let sip = sip_from_row(&row)?.ok_or(Error::NotFound("staff member"))?;
        Ok((staff_from_row(&row)?, sip))
    }
}
