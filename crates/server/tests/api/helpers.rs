//! Spawning Centrale for a test and talking to it.

use centrale_core::ports::Store;
use centrale_core::{EmailAddress, PasswordHash, Role, StaffDraft};
use centrale_server::{App, Settings};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

pub const ADMIN_EMAIL: &str = "admin@bureau.test";
pub const PASSWORD: &str = "a long enough password";

/// A running Centrale with a logged-in admin.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub admin: String,
}

/// A response: its status and its JSON body (Null when the body is empty or not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn field(&self) -> &str {
        self.body["field"].as_str().unwrap_or_default()
    }
}

pub async fn spawn() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir").keep();
    let settings = Settings {
        database_url: centrale_store::testing::fresh_database_url().await,
        http_listen: "127.0.0.1:0".parse().unwrap(),
        sip_listen: "127.0.0.1:0".parse().unwrap(),
        data_dir,
        ..Settings::default()
    };
    let app = App::build(&settings).await.expect("app builds");
    let base = format!("http://{}", app.http_addr());
    let store = app.store().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    let mut test = TestApp {
        base,
        http: reqwest::Client::new(),
        store,
        admin: String::new(),
    };
    test.add_staff(ADMIN_EMAIL, Role::Admin).await;
    test.admin = test.login(ADMIN_EMAIL, PASSWORD).await;
    test
}

impl TestApp {
    /// Creates a staff member directly in the store (password [`PASSWORD`]).
    pub async fn add_staff(&self, email: &str, role: Role) {
        let draft = StaffDraft {
            email: EmailAddress::parse(email).unwrap(),
            name: email.split('@').next().unwrap().into(),
            role,
            sip_username: None,
        };
        self.store
            .create_staff(&draft, &PasswordHash::create(PASSWORD).unwrap(), None)
            .await
            .unwrap();
    }

    /// Logs in and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let reply = self
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "login of {email}: {}",
            reply.body
        );
        reply.body["token"].as_str().unwrap().to_owned()
    }

    /// A staff member of `role`, logged in.
    pub async fn token_for(&self, email: &str, role: Role) -> String {
        self.add_staff(email, role).await;
        self.login(email, PASSWORD).await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// As the admin.
    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, Some(&self.admin.clone()), None)
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(&self.admin.clone()), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(&self.admin.clone()), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, Some(&self.admin.clone()), None)
            .await
    }

    /// Creates a client and returns its id.
    pub async fn create_client(&self, name: &str) -> String {
        let reply = self
            .post(
                "/api/v1/clients",
                json!({"name": name, "greeting": format!("{name}, goedemorgen")}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Creates a resource under `path` and returns its id.
    pub async fn create(&self, path: &str, body: Value) -> String {
        let reply = self.post(path, body).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "POST {path}: {}",
            reply.body
        );
        reply.body["id"].as_str().unwrap().to_owned()
    }
}
