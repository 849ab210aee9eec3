//! The bureau's staff: who they are, their role and whether their phone is registered; admins
//! add, remove and give new passwords (a console password or a SIP password, generated and
//! shown once: the page that shows it is the only place it is ever read).

use super::session::{Bureau, Posted};
use super::{Frame, Notice, back, done, unavailable};
use crate::AppState;
use crate::console::render;
use crate::portal::pages::PathId;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use centrale_core::sip_credentials::SipCredentials;
use centrale_core::{EmailAddress, Error, PasswordHash, Role, Staff, StaffDraft, StaffId};
use rand::Rng;
use serde::Deserialize;

struct StaffRow {
    staff: Staff,
    role: &'static str,
    registered: bool,
}

/// A secret just made, for the one page that shows it.
struct Shown {
    whose: String,
    what: &'static str,
    secret: String,
}

#[derive(Template)]
#[template(path = "bureau/staff.html")]
struct StaffPage {
    frame: Frame,
    rows: Vec<StaffRow>,
    roles: [(&'static str, &'static str); 3],
    shown: Vec<Shown>,
}

fn role_key(role: Role) -> &'static str {
    match role {
        Role::Operator => "bureau.role_operator",
        Role::Supervisor => "bureau.role_supervisor",
        Role::Admin => "bureau.role_admin",
    }
}

async fn page(state: &AppState, bureau: &Bureau, query: Notice, shown: Vec<Shown>) -> Response {
    let staff = match state.store.list_staff().await {
        Ok(staff) => staff,
        Err(e) => return unavailable(bureau.lang, &e),
    };
    let rows = staff
        .into_iter()
        .map(|staff| StaffRow {
            role: bureau.lang.t(role_key(staff.draft.role)),
            registered: state.switchboard.operator_status(staff.id).1,
            staff,
        })
        .collect();
    let frame = Frame::new(bureau, "bureau.staff", "/bureau/staff", query);
    let t = |role| bureau.lang.t(role_key(role));
    render(&StaffPage {
        frame,
        rows,
        roles: [
            ("operator", t(Role::Operator)),
            ("supervisor", t(Role::Supervisor)),
            ("admin", t(Role::Admin)),
        ],
        shown,
    })
}

pub(super) async fn list(
    State(state): State<AppState>,
    bureau: Bureau,
    Query(query): Query<Notice>,
) -> Response {
    page(&state, &bureau, query, Vec::new()).await
}

/// A fresh secret: 20 letters and digits (about 119 bits), without look-alikes.
fn generated_secret() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

async fn hashed(secret: &str) -> centrale_core::Result<PasswordHash> {
    let plain = secret.to_owned();
    tokio::task::spawn_blocking(move || PasswordHash::create(&plain))
        .await
        .map_err(|e| Error::Storage(e.to_string()))?
        .map_err(|e| Error::invalid("password", e))
}

#[derive(Deserialize)]
pub(super) struct NewStaff {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    /// The SIP account's user part, for someone with a phone.
    #[serde(default)]
    sip_username: String,
}

/// Adds a staff member (admins); their console password, and SIP password when they have a
/// phone, are made here and shown once.
pub(super) async fn create(State(state): State<AppState>, posted: Posted<NewStaff>) -> Response {
    let Posted { bureau, form } = posted;
    if let Some(refusal) = bureau.unless_admin() {
        return refusal;
    }
    let result = async {
        let role = role_of(&form.role);
        let sip_username = Some(form.sip_username.trim().to_owned()).filter(|u| !u.is_empty());
        let draft = StaffDraft {
            email: EmailAddress::parse(form.email.trim())
                .map_err(|m| Error::invalid("email", m))?,
            name: form.name.clone(),
            role,
            sip_username,
        }
        .validate()?;
        let password = generated_secret();
        let sip_password = draft.sip_username.as_ref().map(|_| generated_secret());
        let sip = match (&draft.sip_username, &sip_password) {
            (Some(user), Some(secret)) => Some(
                SipCredentials::derive(user, &state.settings.sip_realm, secret)
                    .map_err(|e| Error::invalid("sip_username", e))?,
            ),
            _ => None,
        };
        let staff = state
            .store
            .create_staff(&draft, &hashed(&password).await?, sip.as_ref())
            .await?;
        let mut shown = vec![Shown {
            whose: staff.draft.email.to_string(),
            what: "bureau.console_password",
            secret: password,
        }];
        if let Some(secret) = sip_password {
            shown.push(Shown {
                whose: staff.draft.sip_username.clone().unwrap_or_default(),
                what: "bureau.sip_password",
                secret,
            });
        }
        Ok::<_, Error>(shown)
    }
    .await;
    match result {
        Ok(shown) => page(&state, &bureau, Notice::default(), shown).await,
        Err(e) => back(&bureau, "/bureau/staff", e),
    }
}

#[derive(Deserialize)]
pub(super) struct EditStaff {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

fn role_of(code: &str) -> Role {
    match code {
        "admin" => Role::Admin,
        "supervisor" => Role::Supervisor,
        _ => Role::Operator,
    }
}

/// Renames a staff member or gives them another role (admins); a new role ends their
/// sessions (another role sees other things) and drops their phone's registration.
pub(super) async fn update(
    State(state): State<AppState>,
    PathId(id): PathId<StaffId>,
    posted: Posted<EditStaff>,
) -> Response {
    let Posted { bureau, form } = posted;
    if let Some(refusal) = bureau.unless_admin() {
        return refusal;
    }
    let result = async {
        let staff = state.store.staff(id).await?;
        let role = role_of(&form.role);
        if id == bureau.staff.id && role != Role::Admin {
            return Err(Error::invalid("role", bureau.lang.t("bureau.not_yourself")));
        }
        let draft = StaffDraft {
            name: form.name.clone(),
            role,
            ..staff.draft.clone()
        }
        .validate()?;
        state.store.update_staff(id, &draft, None, None).await?;
        if role != staff.draft.role {
            state.store.revoke_staff_tokens(id).await?;
            state.switchboard.drop_registration(id);
        }
        Ok(())
    }
    .await;
    super::finished(&bureau, "/bureau/staff", "saved", result)
}

/// A new console password (admins), shown once; the member's sessions end.
pub(super) async fn reset_password(
    State(state): State<AppState>,
    PathId(id): PathId<StaffId>,
    posted: Posted<crate::portal::Fields>,
) -> Response {
    let Posted { bureau, .. } = posted;
    if let Some(refusal) = bureau.unless_admin() {
        return refusal;
    }
    let result = async {
        let staff = state.store.staff(id).await?;
        let password = generated_secret();
        state
            .store
            .update_staff(id, &staff.draft, Some(&hashed(&password).await?), None)
            .await?;
        state.store.revoke_staff_tokens(id).await?;
        Ok::<_, Error>(Shown {
            whose: staff.draft.email.to_string(),
            what: "bureau.console_password",
            secret: password,
        })
    }
    .await;
    match result {
        Ok(shown) => page(&state, &bureau, Notice::default(), vec![shown]).await,
        Err(e) => back(&bureau, "/bureau/staff", e),
    }
}

/// A new SIP password (admins), shown once; the phone's registration is dropped, so the old
/// password no longer registers or is rung.
pub(super) async fn reset_sip(
    State(state): State<AppState>,
    PathId(id): PathId<StaffId>,
    posted: Posted<crate::portal::Fields>,
) -> Response {
    let Posted { bureau, .. } = posted;
    if let Some(refusal) = bureau.unless_admin() {
        return refusal;
    }
    let result = async {
        let staff = state.store.staff(id).await?;
        let user = staff
            .draft
            .sip_username
            .clone()
            .ok_or_else(|| Error::invalid("sip_username", "this member has no SIP account"))?;
        let secret = generated_secret();
        let sip = SipCredentials::derive(&user, &state.settings.sip_realm, &secret)
            .map_err(|e| Error::invalid("sip_username", e))?;
        state
            .store
            .update_staff(id, &staff.draft, None, Some(&sip))
            .await?;
        state.switchboard.drop_registration(id);
        Ok::<_, Error>(Shown {
            whose: user,
            what: "bureau.sip_password",
            secret,
        })
    }
    .await;
    match result {
        Ok(shown) => page(&state, &bureau, Notice::default(), vec![shown]).await,
        Err(e) => back(&bureau, "/bureau/staff", e),
    }
}

/// Removes a staff member (admins, not themselves): their logins and phone go with them.
pub(super) async fn delete(
    State(state): State<AppState>,
    PathId(id): PathId<StaffId>,
    posted: Posted<crate::portal::Fields>,
) -> Response {
    let Posted { bureau, .. } = posted;
    if let Some(refusal) = bureau.unless_admin() {
        return refusal;
    }
    if id == bureau.staff.id {
        return back(
            &bureau,
            "/bureau/staff",
            Error::invalid("staff", bureau.lang.t("bureau.not_yourself")),
        );
    }
    match state.store.delete_staff(id).await {
        Ok(()) => {
            state.switchboard.drop_registration(id);
            done("/bureau/staff", "staff_removed")
        }
        Err(e) => back(&bureau, "/bureau/staff", e),
    }
}

super::framed!(StaffPage);
