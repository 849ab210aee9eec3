//! Sign-ups and their activation in one transaction; the plans they choose from.

use crate::Db;
use crate::convert::{
    checked, enum_from_text, enum_text, get, instant, millis, now, parsed, storage,
};
use crate::{clients, employees, instructions, mails, portal_users};
use async_trait::async_trait;
use centrale_core::plan::Plan;
use centrale_core::portal::PortalUserDraft;
use centrale_core::ports::{Change, ComposeMails, PlanStore, SignupStore};
use centrale_core::signup::{
    Activated, Activation, ActivationOutcome, Signup, SignupDraft, SignupStatus,
};
use centrale_core::{
    Actor, Client, ClientDraft, ClientId, Employee, EmployeeDraft, EmployeeId, Error,
    InstructionSet, InstructionSetDraft, InstructionSetId, NumberKind, PhoneNumber, Result,
    SignupId, SmsPreference,
};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, company, contact_name, email, phone, address, kvk, line_type, plan, \
                       language, status, client_id, created_at";

fn signup_from_row(row: &AnyRow) -> Result<Signup> {
    Ok(Signup {
        id: parsed(get(row, "id")?, "id")?,
        draft: SignupDraft {
            company: get(row, "company")?,
            contact: get(row, "contact_name")?,
            email: checked(get(row, "email")?, "email")?,
            phone: checked(get(row, "phone")?, "phone")?,
            address: get(row, "address")?,
            kvk: get(row, "kvk")?,
            line: enum_from_text(get(row, "line_type")?, "line_type")?,
            plan: get(row, "plan")?,
            language: enum_from_text(get(row, "language")?, "language")?,
        },
        status: enum_from_text(get(row, "status")?, "status")?,
        client_id: get::<Option<String>>(row, "client_id")?
            .map(|id| parsed(id, "client_id"))
            .transpose()?,
        created_at: instant(get(row, "created_at")?)?,
    })
}

fn plan_from_row(row: &AnyRow) -> Result<Plan> {
    Ok(Plan {
        code: get(row, "code")?,
        name: get(row, "name")?,
        monthly_cents: get(row, "monthly_cents")?,
        included_calls: get(row, "included_calls")?,
        extra_call_cents: get(row, "extra_call_cents")?,
        valid_from: instant(get(row, "valid_from")?)?,
    })
}

/// The client a sign-up becomes: active, speaking its language, greeting in its name.
fn client_of(draft: &SignupDraft, at: DateTime<Utc>) -> Client {
    Client {
        id: ClientId::new(),
        draft: ClientDraft {
            name: draft.company.clone(),
            greeting: draft.greeting(),
            emails: vec![draft.email.clone()],
            time_zone: Default::default(),
            language: draft.language,
            status: Default::default(),
            sms_default: SmsPreference::Never,
            transfers: Default::default(),
        },
        created_at: at,
    }
}

/// The contact person as the client's first employee, reachable on the number given.
fn contact_of(draft: &SignupDraft, client: ClientId) -> Employee {
    let mobile = draft.phone.kind() == NumberKind::Mobile;
    Employee {
        id: EmployeeId::new(),
        client_id: client,
        draft: EmployeeDraft {
            name: draft.contact.clone(),
            role: "Contactpersoon".into(),
            emails: vec![draft.email.clone()],
            mobile: mobile.then(|| draft.phone.clone()),
            landline: (!mobile).then(|| draft.phone.clone()),
            reachable: true,
            sms: SmsPreference::Never,
        },
    }
}

impl Db {
    async fn insert_signup(
        &self,
        draft: &SignupDraft,
        status: SignupStatus,
        confirm: Option<(&str, DateTime<Utc>)>,
        conn: &mut sqlx::AnyConnection,
    ) -> Result<Signup> {
        let signup = Signup {
            id: SignupId::new(),
            draft: draft.clone(),
            status,
            client_id: None,
            created_at: now(),
        };
        sqlx::query(
            "INSERT INTO signups (id, company, contact_name, email, phone, address, kvk, line_type,
               plan, language, status, confirm_token_hash, confirm_expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(signup.id.to_string())
        .bind(&draft.company)
        .bind(&draft.contact)
        .bind(draft.email.as_str())
        .bind(draft.phone.as_str())
        .bind(&draft.address)
        .bind(draft.kvk.as_deref())
        .bind(enum_text(&draft.line)?)
        .bind(&draft.plan)
        .bind(enum_text(&draft.language)?)
        .bind(enum_text(&status)?)
        .bind(confirm.map(|(hash, _)| hash))
        .bind(confirm.map(|(_, expires)| millis(expires)))
        .bind(millis(signup.created_at))
        .execute(conn)
        .await
        .map_err(storage)?;
        Ok(signup)
    }

    /// Takes the first free number of the pool for `client`: not assigned, not in quarantine
    /// at `now`. Concurrent activations pass each other's rows by (PostgreSQL) or wait for
    /// each other (SQLite's write lock), and the guarded update makes sure of it.
    async fn take_free_number(
        &self,
        conn: &mut sqlx::AnyConnection,
        client: ClientId,
        activation: &Activation,
    ) -> Result<Option<PhoneNumber>> {
        let rested_since = millis(activation.now - activation.quarantine);
        loop {
            let sql = format!(
                "SELECT id, number FROM forwarding_numbers
                 WHERE client_id IS NULL AND (released_at IS NULL OR released_at <= $1)
                 ORDER BY number LIMIT 1 {}",
                self.skip_locked()
            );
            let Some(row) = sqlx::query(&sql)
                .bind(rested_since)
                .fetch_optional(&mut *conn)
                .await
                .map_err(storage)?
            else {
                return Ok(None);
            };
            let id: String = get(&row, "id")?;
            let taken = sqlx::query(
                "UPDATE forwarding_numbers SET client_id = $2, released_at = NULL
                 WHERE id = $1 AND client_id IS NULL",
            )
            .bind(&id)
            .bind(client.to_string())
            .execute(&mut *conn)
            .await
            .map_err(storage)?;
            if taken.rows_affected() == 1 {
                return Ok(Some(checked(get(&row, "number")?, "number")?));
            }
        }
    }
}

#[async_trait]
impl SignupStore for Db {
    async fn create_unconfirmed_signup(
        &self,
        draft: &SignupDraft,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        mail: &centrale_core::mail::MailDraft,
    ) -> Result<Signup> {
        let mut tx = self.begin().await?;
        let signup = self
            .insert_signup(
                draft,
                SignupStatus::Unconfirmed,
                Some((token_hash, expires_at)),
                &mut tx,
            )
            .await?;
        mails::insert_mails(&mut tx, std::slice::from_ref(mail)).await?;
        tx.commit().await.map_err(storage)?;
        Ok(signup)
    }

    async fn confirm_signup(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Signup> {
        let sql = format!(
            "UPDATE signups SET status = $3, confirm_token_hash = NULL
             WHERE confirm_token_hash = $1 AND confirm_expires_at > $2 AND status = $4
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(millis(now))
            .bind(enum_text(&SignupStatus::Pending)?)
            .bind(enum_text(&SignupStatus::Unconfirmed)?)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
            .ok_or(Error::NotFound("sign-up"))?;
        signup_from_row(&row)
    }

    async fn create_pending_signup(&self, draft: &SignupDraft) -> Result<Signup> {
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        self.insert_signup(draft, SignupStatus::Pending, None, &mut conn)
            .await
    }

    async fn activate_signup(
        &self,
        id: SignupId,
        activation: &Activation,
        compose: ComposeMails<'_>,
    ) -> Result<ActivationOutcome> {
        let mut tx = self.begin().await?;
        let sql = format!("SELECT {COLUMNS} FROM signups WHERE id = $1 AND status = $2");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(enum_text(&SignupStatus::Pending)?)
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?
            .ok_or(Error::NotFound("pending sign-up"))?;
        let signup = signup_from_row(&row)?;
        let client = client_of(&signup.draft, activation.now);
        clients::insert_client(&mut tx, &client).await?;
        let Some(number) = self
            .take_free_number(&mut tx, client.id, activation)
            .await?
        else {
            // Nothing of the client is kept: the sign-up waits for a number.
            tx.rollback().await.map_err(storage)?;
            return Ok(ActivationOutcome::NoFreeNumber(signup));
        };
        let actor = Actor::system();
        instructions::insert_set(
            &mut tx,
            &InstructionSet {
                id: InstructionSetId::new(),
                client_id: client.id,
                draft: InstructionSetDraft {
                    period: None,
                    title: String::new(),
                    content: signup.draft.standard_instructions(),
                },
                version: 1,
                created_at: activation.now,
                updated_at: activation.now,
                updated_by: actor,
            },
        )
        .await?;
        employees::insert_employee(&mut tx, &contact_of(&signup.draft, client.id)).await?;
        let admin = portal_users::insert_portal_user(
            &mut tx,
            client.id,
            &PortalUserDraft {
                email: signup.draft.email.clone(),
                name: signup.draft.contact.clone(),
                admin: true,
            },
            None,
        )
        .await?;
        portal_users::insert_link(
            &mut tx,
            admin.id,
            &activation.link_token_hash,
            millis(activation.now),
            activation.link_expires_at,
        )
        .await?;
        sqlx::query(
            "UPDATE signups SET status = $2, client_id = $3, activated_at = $4 WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(enum_text(&SignupStatus::Active)?)
        .bind(client.id.to_string())
        .bind(millis(activation.now))
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        let activated = Activated {
            signup: Signup {
                status: SignupStatus::Active,
                client_id: Some(client.id),
                ..signup
            },
            client_id: client.id,
            number,
            admin: admin.id,
        };
        mails::insert_mails(&mut tx, &compose(&activated)).await?;
        tx.commit().await.map_err(storage)?;
        self.changed(Change::Client(client.id)).await;
        self.changed(Change::Numbers).await;
        Ok(ActivationOutcome::Active(activated))
    }

    async fn signups(&self, status: SignupStatus, limit: u32) -> Result<Vec<Signup>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM signups WHERE status = $1 ORDER BY created_at DESC, id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(enum_text(&status)?)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(signup_from_row).collect()
    }
}

#[async_trait]
impl PlanStore for Db {
    async fn plan_versions(&self) -> Result<Vec<Plan>> {
        let rows = sqlx::query(
            "SELECT code, valid_from, name, monthly_cents, included_calls, extra_call_cents
             FROM plans ORDER BY valid_from, code",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter().map(plan_from_row).collect()
    }

    async fn add_plan_version(&self, plan: &Plan) -> Result<()> {
        sqlx::query(
            "INSERT INTO plans (code, valid_from, name, monthly_cents, included_calls, extra_call_cents)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&plan.code)
        .bind(millis(plan.valid_from))
        .bind(&plan.name)
        .bind(plan.monthly_cents)
        .bind(plan.included_calls)
        .bind(plan.extra_call_cents)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            crate::convert::unique(e, "valid_from", || {
                format!("{} has a version from that instant already", plan.code)
            })
        })?;
        Ok(())
    }
}
