//! The bureau's own pages, for supervisors and admins: clients (with their numbers,
//! instructions and portal users), the number pool, staff, prices and plans, sign-ups and
//! failed deliveries. Server-rendered forms (askama) over the console's session; what staff
//! change here is recorded as bureau staff, as through the API.

mod clients;
mod pool;
mod session;
mod staff;

use crate::AppState;
use crate::console::Shell;
use crate::i18n::Lang;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

/// Declares the bureau's routes once: the router is built from the same table the tests
/// sweep ([`ROUTES`]), so no page escapes the check that operators and portal users are
/// refused.
macro_rules! bureau_routes {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every bureau route: (method, path).
        pub const ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        /// The bureau's pages.
        pub fn routes() -> Router<AppState> {
            Router::new() $( .route($path, $method($handler)) )*
        }
    };
}

bureau_routes! {
    get "/bureau" => home,
    get "/bureau/clients" => clients::list,
    post "/bureau/clients" => clients::create,
    get "/bureau/clients/{id}" => clients::show,
    post "/bureau/clients/{id}" => clients::update,
    post "/bureau/clients/{id}/status" => clients::set_status,
    post "/bureau/clients/{id}/delete" => clients::delete,
    post "/bureau/clients/{id}/numbers" => clients::assign_number,
    post "/bureau/clients/{id}/numbers/{number}/release" => clients::release_number,
    post "/bureau/clients/{id}/instructions" => clients::save_instructions,
    post "/bureau/clients/{id}/portal-users" => clients::invite,
    post "/bureau/clients/{id}/portal-users/{user}/reset" => clients::reset_portal_password,
    post "/bureau/clients/{id}/portal-users/{user}/remove" => clients::remove_portal_user,
    get "/bureau/numbers" => pool::numbers,
    post "/bureau/numbers/import" => pool::import,
    get "/bureau/signups" => pool::signups,
    post "/bureau/signups/{id}/activate" => pool::activate,
    get "/bureau/prices" => pool::prices,
    post "/bureau/prices/plans" => pool::add_plan,
    get "/bureau/deliveries" => pool::deliveries,
    post "/bureau/deliveries/{id}/retry" => pool::retry_delivery,
    get "/bureau/invoices" => pool::invoices,
    get "/bureau/staff" => staff::list,
    post "/bureau/staff" => staff::create,
    post "/bureau/staff/{id}" => staff::update,
    post "/bureau/staff/{id}/password" => staff::reset_password,
    post "/bureau/staff/{id}/sip" => staff::reset_sip,
    post "/bureau/staff/{id}/delete" => staff::delete,
}

async fn home(_: session::Bureau) -> Redirect {
    Redirect::to("/bureau/clients")
}

/// What every bureau page's frame needs: the shell, the session's CSRF token for its forms,
/// whether the viewer is an admin, and what the last action came to.
pub(crate) struct Frame {
    pub shell: Shell,
    pub csrf: String,
    /// Who is logged in (the bar's logout form names them).
    pub staff: centrale_core::Staff,
    pub admin: bool,
    /// Which item of the navigation this page is.
    pub section: &'static str,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// What the last action came to, as a page's query says it (`?done=KEY` or `?error=TEXT`).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Notice {
    done: Option<String>,
    error: Option<String>,
}

impl Frame {
    fn new(
        bureau: &session::Bureau,
        title: &'static str,
        path: &'static str,
        said: Notice,
    ) -> Self {
        Self {
            shell: Shell::new(bureau.lang, title, path),
            csrf: bureau.csrf.clone(),
            staff: bureau.staff.clone(),
            admin: bureau.is_admin(),
            section: path,
            notice: said
                .done
                .map(|key| bureau.lang.t(&format!("bureau.done.{key}")).to_owned()),
            error: said.error,
        }
    }

    /// The navigation: (path, label).
    pub fn nav(&self) -> Vec<(&'static str, &'static str)> {
        [
            ("/wallboard", "wallboard.title"),
            ("/bureau/clients", "bureau.clients"),
            ("/bureau/numbers", "bureau.numbers"),
            ("/bureau/signups", "bureau.signups"),
            ("/bureau/staff", "bureau.staff"),
            ("/bureau/prices", "bureau.prices"),
            ("/bureau/invoices", "bureau.invoices"),
            ("/bureau/deliveries", "bureau.deliveries"),
        ]
        .into_iter()
        .map(|(path, key)| (path, self.shell.t(key)))
        .collect()
    }
}

/// A page is its frame and more: the templates' `shell`, `csrf` and `staff` (which the base
/// template and the logout form read) are the frame's.
macro_rules! framed {
    ($($page:ty),* $(,)?) => {$(
        impl std::ops::Deref for $page {
            type Target = $crate::bureau::Frame;
            fn deref(&self) -> &Self::Target {
                &self.frame
            }
        }
    )*};
}
pub(crate) use framed;

/// A failure reading or writing, as a page says it (the details go to the log).
fn unavailable(lang: Lang, e: &centrale_core::Error) -> Response {
    tracing::error!(error = %e, "a bureau page failed");
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        lang.t("bureau.unavailable"),
    )
        .into_response()
}

/// A form's refusal as the error line of `path` (`?error=…`), or a failure page.
fn back(bureau: &session::Bureau, path: &str, e: centrale_core::Error) -> Response {
    let lang = bureau.lang;
    let message = match e {
        centrale_core::Error::Invalid { message, .. }
        | centrale_core::Error::Conflict { message, .. } => message,
        centrale_core::Error::NotFound(what) => format!("{what}: {}", lang.t("bureau.not_found")),
        e => return unavailable(lang, &e),
    };
    Redirect::to(&format!(
        "{path}?{}",
        serde_urlencoded::to_string([("error", message)]).unwrap_or_default()
    ))
    .into_response()
}

/// How a form's action ended: back to `path` with the notice `key`, or with what went wrong.
fn finished<T>(
    bureau: &session::Bureau,
    path: &str,
    key: &str,
    result: centrale_core::Result<T>,
) -> Response {
    match result {
        Ok(_) => done(path, key),
        Err(e) => back(bureau, path, e),
    }
}

/// Back to `path` with a notice key in the query (`?done=…`), the usual end of a form.
fn done(path: &str, key: &str) -> Response {
    Redirect::to(&format!("{path}?done={key}")).into_response()
}
