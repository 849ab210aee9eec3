//! The REST API under `/api/v1`, one file per resource; every route is in the OpenAPI document.

mod audit;
mod auth;
mod callbacks;
mod calls;
mod clients;
mod contacts;
mod deliveries;
mod digest;
mod employees;
mod instructions;
mod live;
mod notes;
mod numbers;
mod privacy;
mod signups;
mod staff;
mod transfers;
mod wallboard;

use crate::AppState;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "Centrale API", description = "Clients, numbers, employees, instructions, contacts and staff of an answering bureau."),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "auth"), (name = "clients"), (name = "numbers"), (name = "employees"),
        (name = "instructions"), (name = "contacts"), (name = "staff"), (name = "calls"), (name = "notes"), (name = "live"), (name = "privacy"), (name = "audit"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// All API routes, with the OpenAPI document built from the same list.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes())
        .merge(clients::routes())
        .merge(numbers::routes())
        .merge(employees::routes())
        .merge(instructions::routes())
        .merge(contacts::routes())
        .merge(staff::routes())
        .merge(calls::routes())
        .merge(callbacks::routes())
        .merge(transfers::routes())
        .merge(notes::routes())
        .merge(audit::routes())
        .merge(deliveries::routes())
        .merge(digest::routes())
        .merge(privacy::routes())
        .merge(signups::routes())
        .merge(live::routes())
        .merge(wallboard::routes())
}
