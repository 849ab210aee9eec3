//! Clients as the bureau keeps them: the list with search and status, a new client, and a
//! client's page — details, suspension, forwarding numbers, its standard instructions (saved
//! as bureau staff, the common case of a client who e-mailed new ones), its portal users,
//! its latest calls, and deletion with what it removes spelled out.

use super::session::{Bureau, Posted};
use super::{Frame, Notice, back, done, finished, unavailable};
use crate::AppState;
use crate::auth::token_hash;
use crate::console::render;
use crate::portal::pages::{PathId, PathIds};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use centrale_core::calls::CallRecord;
use centrale_core::forwarding;
use centrale_core::instructions::InstructionVersion;
use centrale_core::portal::{PortalUser, PortalUserDraft, link_expiry};
use centrale_core::{
    Actor, Client, ClientDraft, ClientId, ClientStatus, EmailAddress, Employee, ForwardingNumber,
    InstructionSet, Language, NumberDraft, NumberId, PortalUserId,
};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(flatten)]
    said: Notice,
}

struct ClientRow {
    id: ClientId,
    name: String,
    suspended: bool,
    numbers: String,
}

#[derive(Template)]
#[template(path = "bureau/clients.html")]
struct ListPage {
    frame: Frame,
    q: String,
    status: String,
    rows: Vec<ClientRow>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    bureau: Bureau,
    Query(query): Query<ListQuery>,
) -> Response {
    let (clients, numbers) =
        match tokio::try_join!(state.store.list_clients(), state.store.list_numbers()) {
            Ok(found) => found,
            Err(e) => return unavailable(bureau.lang, &e),
        };
    let needle = query.q.trim().to_lowercase();
    let rows = clients
        .into_iter()
        .map(|client| {
            let numbers = numbers
                .iter()
                .filter(|n| n.draft.client_id == Some(client.id))
                .map(|n| forwarding::dialled(&n.draft.number))
                .collect::<Vec<_>>()
                .join(", ");
            ClientRow {
                id: client.id,
                suspended: client.draft.status == ClientStatus::Suspended,
                name: client.draft.name,
                numbers,
            }
        })
        .filter(|row| {
            needle.is_empty()
                || row.name.to_lowercase().contains(&needle)
                || row.numbers.contains(&needle)
        })
        .filter(|row| match query.status.as_str() {
            "active" => !row.suspended,
            "suspended" => row.suspended,
            _ => true,
        })
        .collect();
    render(&ListPage {
        frame: Frame::new(&bureau, "bureau.clients", "/bureau/clients", query.said),
        q: query.q,
        status: query.status,
        rows,
    })
}

#[derive(Deserialize)]
pub(super) struct ClientForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    greeting: String,
    /// General addresses, one per line or separated by commas.
    #[serde(default)]
    emails: String,
    #[serde(default)]
    language: String,
}

impl ClientForm {
    /// The draft this form makes of `base` (a new client's defaults, or the client as it is).
    fn draft(&self, base: ClientDraft) -> centrale_core::Result<ClientDraft> {
        let emails = self
            .emails
            .split([',', '\n', ';'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| EmailAddress::parse(e).map_err(|m| centrale_core::Error::invalid("emails", m)))
            .collect::<centrale_core::Result<Vec<_>>>()?;
        let language = if self.language == "en" {
            Language::En
        } else {
            Language::Nl
        };
        ClientDraft {
            name: self.name.clone(),
            greeting: self.greeting.clone(),
            emails,
            language,
            ..base
        }
        .validate()
    }
}

pub(super) async fn create(State(state): State<AppState>, posted: Posted<ClientForm>) -> Response {
    let Posted { bureau, form } = posted;
    let draft = match form.draft(blank_draft()) {
        Ok(draft) => draft,
        Err(e) => return back(&bureau, "/bureau/clients", e),
    };
    match state
        .store
        .create_client(&draft, &Actor::staff(&bureau.staff))
        .await
    {
        Ok(client) => done(&format!("/bureau/clients/{}", client.id), "created"),
        Err(e) => back(&bureau, "/bureau/clients", e),
    }
}

fn blank_draft() -> ClientDraft {
    ClientDraft {
        name: String::new(),
        greeting: String::new(),
        emails: Vec::new(),
        time_zone: Default::default(),
        language: Language::Nl,
        status: ClientStatus::Active,
        sms_default: Default::default(),
        transfers: Default::default(),
    }
}

#[derive(Template)]
#[template(path = "bureau/client.html")]
struct ClientPage {
    frame: Frame,
    client: Client,
    emails: String,
    numbers: Vec<(ForwardingNumber, String)>,
    free: Vec<(ForwardingNumber, String)>,
    employees: Vec<Employee>,
    callers: usize,
    standard: Option<InstructionSet>,
    history: Vec<InstructionVersion>,
    portal_users: Vec<PortalUser>,
    calls: Vec<CallRecord>,
}

impl ClientPage {
    /// Who made a change, as people read it: the address and "bureau" or "klant".
    fn who(&self, actor: &Actor) -> String {
        match actor.who() {
            Some((email, true)) => format!("{email} ({})", self.frame.shell.t("bureau.by_staff")),
            Some((email, false)) => format!("{email} ({})", self.frame.shell.t("bureau.by_client")),
            None => "Centrale".into(),
        }
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    bureau: Bureau,
    PathId(id): PathId<ClientId>,
    Query(said): Query<Notice>,
) -> Response {
    let store = &state.store;
    let loaded = tokio::try_join!(
        store.client(id),
        store.list_numbers(),
        store.list_employees(id),
        store.list_contacts(id),
        store.list_instruction_sets(id),
        store.list_portal_users(id),
        store.list_calls(id, 20),
    );
    let (client, pool, employees, contacts, sets, portal_users, calls) = match loaded {
        Ok(loaded) => loaded,
        Err(centrale_core::Error::NotFound(_)) => return not_found(&bureau),
        Err(e) => return unavailable(bureau.lang, &e),
    };
    let standard = sets.into_iter().find(|s| s.draft.period.is_none());
    let history = match &standard {
        Some(set) => match store.instruction_history(id, set.id).await {
            Ok(mut history) => {
                history.reverse();
                history
            }
            Err(e) => return unavailable(bureau.lang, &e),
        },
        None => Vec::new(),
    };
    let quarantine = state.settings.number_quarantine();
    let now = chrono::Utc::now();
    let with_dialled = |n: ForwardingNumber| {
        let dialled = forwarding::dialled(&n.draft.number);
        (n, dialled)
    };
    let numbers = pool
        .iter()
        .filter(|n| n.draft.client_id == Some(id))
        .cloned()
        .map(with_dialled)
        .collect();
    let free = pool
        .into_iter()
        .filter(|n| n.state(quarantine, now) == centrale_core::number_pool::NumberState::Free)
        .map(with_dialled)
        .collect();
    render(&ClientPage {
        frame: Frame::new(&bureau, "bureau.client", "/bureau/clients", said),
        emails: client
            .draft
            .emails
            .iter()
            .map(EmailAddress::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        client,
        numbers,
        free,
        employees,
        callers: contacts.len(),
        standard,
        history,
        portal_users,
        calls,
    })
}

fn not_found(bureau: &Bureau) -> Response {
    (
        axum::http::StatusCode::NOT_FOUND,
        bureau.lang.t("bureau.not_found"),
    )
        .into_response()
}

fn page_of(id: ClientId) -> String {
    format!("/bureau/clients/{id}")
}

pub(super) async fn update(
    State(state): State<AppState>,
    PathId(id): PathId<ClientId>,
    posted: Posted<ClientForm>,
) -> Response {
    let Posted { bureau, form } = posted;
    let result = async {
        let client = state.store.client(id).await?;
        let draft = form.draft(client.draft)?;
        state.store.update_client(id, &draft).await
    }
    .await;
    finished(&bureau, &page_of(id), "saved", result)
}

#[derive(Deserialize)]
pub(super) struct StatusForm {
    status: String,
}

/// Suspends a client (its calls are refused with 480 until resumed) or resumes it.
pub(super) async fn set_status(
    State(state): State<AppState>,
    PathId(id): PathId<ClientId>,
    posted: Posted<StatusForm>,
) -> Response {
    let Posted { bureau, form } = posted;
    let status = if form.status == "suspended" {
        ClientStatus::Suspended
    } else {
        ClientStatus::Active
    };
    let result = async {
        let client = state.store.client(id).await?;
        let draft = ClientDraft {
            status,
            ..client.draft
        };
        state.store.update_client(id, &draft).await
    }
    .await;
    match result {
        Ok(_) if status == ClientStatus::Suspended => done(&page_of(id), "suspended"),
        Ok(_) => done(&page_of(id), "resumed"),
        Err(e) => back(&bureau, &page_of(id), e),
    }
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    #[serde(default)]
    confirm: String,
}

/// Deletes a client with everything it has, once its name is typed to confirm.
pub(super) async fn delete(
    State(state): State<AppState>,
    PathId(id): PathId<ClientId>,
    posted: Posted<DeleteForm>,
) -> Response {
    let Posted { bureau, form } = posted;
    let client = match state.store.client(id).await {
        Ok(client) => client,
        Err(e) => return back(&bureau, "/bureau/clients", e),
    };
    if form.confirm.trim() != client.draft.name {
        return back(
            &bureau,
            &page_of(id),
            centrale_core::Error::invalid("confirm", bureau.lang.t("bureau.delete_confirm_wrong")),
        );
    }
    match state.store.delete_client(id).await {
        Ok(()) => done("/bureau/clients", "deleted"),
        Err(e) => back(&bureau, &page_of(id), e),
    }
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    number: String,
}

/// Gives the client a free number of the pool.
pub(super) async fn assign_number(
    State(state): State<AppState>,
    PathId(id): PathId<ClientId>,
    posted: Posted<AssignForm>,
) -> Response {
    let Posted { bureau, form } = posted;
    let result = async {
        let number_id: NumberId = form
            .number
            .parse()
            .map_err(|_| centrale_core::Error::invalid("number", "choose a number"))?;
        state.store.client(id).await?;
        let number = state.store.number(number_id).await?;
        if number.draft.client_id.is_some() {
            return Err(centrale_core::Error::Conflict {
                field: "number".into(),
                message: format!("{} is assigned already", number.draft.number),
            });
        }
        let draft = NumberDraft {
            client_id: Some(id),
            ..number.draft
        };
        state.store.update_number(number_id, &draft).await
    }
    .await;
    finished(&bureau, &page_of(id), "assigned", result)
}

/// Takes a number from the client back to the pool, where it starts its quarantine.
pub(super) async fn release_number(
    State(state): State<AppState>,
    PathIds(id, number_id): PathIds<ClientId, NumberId>,
    posted: Posted<crate::portal::Fields>,
) -> Response {
    let Posted { bureau, .. } = posted;
    let result = async {
        let number = state.store.number(number_id).await?;
        if number.draft.client_id != Some(id) {
            return Err(centrale_core::Error::NotFound("forwarding number"));
        }
        let draft = NumberDraft {
            client_id: None,
            ..number.draft
        };
        state.store.update_number(number_id, &draft).await
    }
    .await;
    finished(&bureau, &page_of(id), "released", result)
}

#[derive(Deserialize)]
pub(super) struct InstructionsForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    greeting_override: String,
    version: i64,
}

/// Saves the standard instructions as bureau staff, only over the version the page showed
/// (someone else's change meanwhile is not overwritten).
pub(super) async fn save_instructions(
    State(state): State<AppState>,
    PathId(id): PathId<ClientId>,
    posted: Posted<InstructionsForm>,
) -> Response {
    let Posted { bureau, form } = posted;
    let result = async {
        let sets = state.store.list_instruction_sets(id).await?;
        let standard = sets
            .into_iter()
            .find(|s| s.draft.period.is_none())
            .ok_or(centrale_core::Error::NotFound("standard instructions"))?;
        let mut draft = standard.draft.clone();
        draft.content.text = form.text.clone();
        let greeting = form.greeting_override.trim();
        draft.content.greeting_override = (!greeting.is_empty()).then(|| greeting.to_owned());
        state
            .store
            .update_instruction_set(
                id,
                standard.id,
                &draft.validate()?,
                &Actor::staff(&bureau.staff),
                Some(form.version),
            )
            .await
    }
    .await;
    finished(&bureau, &page_of(id), "instructions", result)
}

#[derive(Deserialize)]
pub(super) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    admin: Option<String>,
}

/// The link that sets `user`'s password, e-mailed through the portal's outbox.
async fn mail_password_link(
    state: &AppState,
    client: ClientId,
    user: PortalUserId,
) -> centrale_core::Result<()> {
    let (token, link) = state.settings.password_link();
    state
        .store
        .create_password_link(
            client,
            user,
            &token_hash(&token),
            &link,
            link_expiry(chrono::Utc::now()),
        )
        .await
}

/// Gives someone of the client a portal login: they choose their password by a link.
pub(super) async fn invite(
    State(state): State<AppState>,
    PathId(id): PathId<ClientId>,
    posted: Posted<InviteForm>,
) -> Response {
    let Posted { bureau, form } = posted;
    let result = async {
        let email = EmailAddress::parse(form.email.trim())
            .map_err(|m| centrale_core::Error::invalid("email", m))?;
        let draft = PortalUserDraft {
            email,
            name: form.name.clone(),
            admin: form.admin.is_some(),
        }
        .validate()?;
        let user = state.store.create_portal_user(id, &draft, None).await?;
        mail_password_link(&state, id, user.id).await
    }
    .await;
    finished(&bureau, &page_of(id), "invited", result)
}

/// Mails a portal user a new set-password link (a forgotten password, a lost invitation).
pub(super) async fn reset_portal_password(
    State(state): State<AppState>,
    PathIds(id, user): PathIds<ClientId, PortalUserId>,
    posted: Posted<crate::portal::Fields>,
) -> Response {
    let Posted { bureau, .. } = posted;
    finished(
        &bureau,
        &page_of(id),
        "link_sent",
        mail_password_link(&state, id, user).await,
    )
}

/// Removes a portal user; their sessions end with them.
pub(super) async fn remove_portal_user(
    State(state): State<AppState>,
    PathIds(id, user): PathIds<ClientId, PortalUserId>,
    posted: Posted<crate::portal::Fields>,
) -> Response {
    let Posted { bureau, .. } = posted;
    finished(
        &bureau,
        &page_of(id),
        "removed",
        state.store.delete_portal_user(id, user).await,
    )
}

super::framed!(ListPage, ClientPage);
