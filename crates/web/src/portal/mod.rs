//! The customer portal: a client's own staff see what the operator sees, find their calls and
//! notes, and look after their colleagues' access. Server-rendered pages (askama) like the
//! console, with one small script (the screen pop, shared with the console).
//!
//! Tenancy by construction: the portal's router has its own state, [`PortalState`], which
//! holds no store — only [`PortalAccessStore`] (to find the user of a session or a link) and
//! [`ClientData`], whose every method takes the [`ClientScope`](centrale_core::portal::ClientScope)
//! that the session extractor ([`session::Portal`]) made. No handler has a client id to pass.
//! Portal users never reach the console or the API (their sessions are their own table), and
//! staff sessions are not portal sessions.

mod agenda;
mod calls;
mod colleagues;
mod delivery;
mod instructions;
pub(crate) mod pages;
mod password;
mod people;
mod second_factor;
mod session;

pub(crate) use session::{Fields, checked_form};

use crate::WebSettings;
use crate::login::Logins;
use axum::Router;
use axum::routing::{get, post};
use centrale_core::portal::ClientData;
use centrale_core::ports::PortalAccessStore;
use std::sync::Arc;

/// What the portal's handlers share: nothing that reaches a client's data unscoped.
#[derive(Clone)]
pub struct PortalState {
    pub access: Arc<dyn PortalAccessStore>,
    pub data: ClientData,
    pub settings: Arc<WebSettings>,
    pub logins: Arc<Logins>,
}

/// Declares the portal's routes once: the router is built from the same table the tests
/// read ([`ROUTES`]), so a new route cannot escape the cross-tenant sweep.
macro_rules! portal_routes {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every portal route: (method, path).
        pub const ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        fn table() -> Router<PortalState> {
            Router::new() $( .route($path, $method($handler)) )*
        }
    };
}

portal_routes! {
    get "/portal" => pages::home,
    get "/portal/login" => session::form,
    post "/portal/login" => session::submit,
    post "/portal/logout" => session::logout,
    get "/portal/login/forgot" => password::forgot_form,
    post "/portal/login/forgot" => password::forgot,
    get "/portal/login/code" => second_factor::form,
    post "/portal/login/code" => second_factor::submit,
    get "/portal/security" => second_factor::security,
    post "/portal/security/enable" => second_factor::enable,
    post "/portal/security/disable" => second_factor::disable,
    post "/portal/security/password" => password::change,
    get "/portal/password/{token}" => password::form,
    post "/portal/password/{token}" => password::submit,
    get "/portal/now" => pages::now,
    get "/portal/instructions" => instructions::list,
    post "/portal/instructions" => instructions::create,
    get "/portal/instructions/{id}" => instructions::show,
    post "/portal/instructions/{id}" => instructions::update,
    post "/portal/instructions/{id}/end" => instructions::end,
    post "/portal/instructions/{id}/delete" => instructions::delete,
    get "/portal/employees" => people::list,
    post "/portal/employees" => people::create_employee,
    get "/portal/employees/{id}" => people::show_employee,
    post "/portal/employees/{id}" => people::update_employee,
    post "/portal/employees/{id}/delete" => people::delete_employee,
    post "/portal/callers" => people::create_caller,
    get "/portal/callers/{id}" => people::show_caller,
    post "/portal/callers/{id}" => people::update_caller,
    post "/portal/callers/{id}/delete" => people::delete_caller,
    get "/portal/agenda" => agenda::show,
    post "/portal/agenda/{id}/url" => agenda::set_url,
    post "/portal/agenda/{id}/upload" => agenda::upload,
    post "/portal/agenda/{id}/remove" => agenda::remove,
    get "/portal/delivery" => delivery::show,
    post "/portal/delivery/addresses" => delivery::addresses_saved,
    post "/portal/delivery/digest" => delivery::digest_saved,
    post "/portal/delivery/test" => delivery::test,
    get "/portal/calls" => calls::list,
    get "/portal/calls.csv" => calls::csv,
    get "/portal/forwarding" => pages::forwarding,
    get "/portal/invoices" => pages::invoices,
    get "/portal/colleagues" => colleagues::list,
    post "/portal/colleagues" => colleagues::invite,
    post "/portal/colleagues/{id}/remove" => colleagues::remove,
}

/// The portal's pages, with their state. Every answer is a client's personal data (or a
/// secret: a TOTP key, recovery codes), so none is kept by a browser's or proxy's cache.
pub fn routes(state: PortalState) -> Router {
    table()
        .layer(axum::middleware::map_response(no_store))
        .with_state(state)
}

async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
