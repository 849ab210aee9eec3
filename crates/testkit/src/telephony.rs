//! The demo bureau's telephony as tests use it: operators, their SIPp phones, the carrier
//! trunk, and the call records the API shows afterwards.

use crate::{Sipp, TestApp, free_media_port, free_port, scenario};
use centrale_server::demo;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// The demo's first client and its first forwarding number.
pub const BAKERY_NUMBER: &str = "+31852001001";
/// The demo client with a temporary set in force.
pub const VAN_DIJK_NUMBER: &str = "+31852001003";

/// A demo operator: API token and SIP credentials.
pub struct Operator {
    pub token: String,
    pub user: String,
    pub password: String,
}

impl TestApp {
    /// Demo operator `index` (1 or 2 in `demo::LOGINS`), logged in.
    pub async fn operator(&self, index: usize) -> Operator {
        let login = &demo::LOGINS[index];
        Operator {
            token: self.api.token_for(login.email, login.password).await,
            user: login.sip_username.expect("operator has SIP").to_owned(),
            password: login.sip_password.expect("operator has SIP").to_owned(),
        }
    }

    /// Sets an operator's state through the API; returns the reply's body.
    pub async fn set_state(&self, operator: &Operator, state: &str) -> Value {
        self.api
            .call(
                Method::PUT,
                "/api/v1/operators/me/state",
                Some(&operator.token),
                Some(json!({"state": state})),
            )
            .await
            .body
    }

    /// The operator's own view of their state: `{"state": …, "registered": …}`.
    pub async fn operator_state(&self, operator: &Operator) -> Value {
        self.api
            .call(
                Method::GET,
                "/api/v1/operators/me/state",
                Some(&operator.token),
                None,
            )
            .await
            .body
    }

    /// Waits (bounded) until the operator's phone is registered, as the operator's own API says.
    pub async fn wait_registered(&self, operator: &Operator, registered: bool) {
        for _ in 0..100 {
            if self.operator_state(operator).await["registered"] == registered {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "operator {} never became registered={registered}",
            operator.user
        );
    }

    /// The staff id of a logged-in operator (as offers and call records name them).
    pub async fn staff_id(&self, operator: &Operator) -> String {
        let me = self
            .api
            .call(Method::GET, "/api/v1/staff/me", Some(&operator.token), None)
            .await;
        me["id"].as_str().expect("staff/me has an id").to_owned()
    }

    /// An operator's SIPp phone: registers, then handles `calls` calls with `scenario_name`
    /// (operator_answer.xml, operator_reject_486.xml, …), then unregisters.
    pub fn phone(
        &self,
        operator: &Operator,
        scenario_name: &str,
        calls: u32,
        extra: &[&str],
    ) -> Sipp {
        let mut args = self.sipp_args("operator_phone.xml", &operator.user, "127.0.0.1");
        args.extend(
            [
                "-oocsf",
                scenario(scenario_name).to_str().expect("utf-8 path"),
                "-au",
                &operator.user,
                "-ap",
                &operator.password,
                "-mi",
                "127.0.0.1",
                "-mp",
                &free_media_port().to_string(),
                "-set",
                "calls",
                &calls.to_string(),
                "-set",
                "wait_s",
                "40",
            ]
            .map(String::from),
        );
        args.extend(extra.iter().map(|s| s.to_string()));
        Sipp::spawn(self.dir(), &args)
    }

    /// The carrier trunk places one call with `scenario_name` to `number`.
    pub fn carrier(&self, scenario_name: &str, number: &str, extra: &[&str]) -> Sipp {
        let mut args = self.sipp_args(scenario_name, number, "127.0.0.1");
        args.extend(
            [
                "-mi",
                "127.0.0.1",
                "-mp",
                &free_media_port().to_string(),
                "-recv_timeout",
                "20s",
                "-timeout",
                "40s",
                "-timeout_error",
            ]
            .map(String::from),
        );
        args.extend(extra.iter().map(|s| s.to_string()));
        Sipp::spawn(self.dir(), &args)
    }

    /// The outbound gateway (and the destinations behind it): SIPp in server mode on
    /// 127.0.0.1:`port` — the port `sip_outbound_uri` names — taking one call with
    /// `scenario_name` (gateway_answer.xml, operator_reject_486.xml, …).
    pub fn gateway(&self, scenario_name: &str, port: u16, extra: &[&str]) -> Sipp {
        let mut args: Vec<String> = [
            "-sf",
            scenario(scenario_name).to_str().expect("utf-8 path"),
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            "1",
            "-mi",
            "127.0.0.1",
            "-mp",
            &free_media_port().to_string(),
            "-timeout",
            "90s",
            "-timeout_error",
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        Sipp::spawn(self.dir(), &args)
    }

    /// The operator's phone registers (from 127.0.0.1, with her password) and Centrale shows
    /// it registered.
    pub async fn register_phone(&self, operator: &Operator) {
        self.register(
            "operator_register.xml",
            &operator.user,
            &operator.password,
            "127.0.0.1",
        )
        .finish()
        .await
        .assert_ok("registration");
        self.wait_registered(operator, true).await;
    }

    /// A one-shot SIPp registration with `scenario_name` (operator_register.xml,
    /// operator_register_refused.xml, operator_register_blocked.xml, operator_unregister.xml)
    /// for `user` with `password`, sent from `ip` (any loopback address).
    pub fn register(&self, scenario_name: &str, user: &str, password: &str, ip: &str) -> Sipp {
        self.register_as(scenario_name, user, user, password, ip)
    }

    /// As [`TestApp::register`], for the address-of-record `aor` with digest credentials of
    /// `auth_user`.
    pub fn register_as(
        &self,
        scenario_name: &str,
        aor: &str,
        auth_user: &str,
        password: &str,
        ip: &str,
    ) -> Sipp {
        let mut args = self.sipp_args(scenario_name, aor, ip);
        args.extend(
            [
                "-au",
                auth_user,
                "-ap",
                password,
                "-recv_timeout",
                "10s",
                "-timeout",
                "30s",
                "-timeout_error",
            ]
            .map(String::from),
        );
        Sipp::spawn(self.dir(), &args)
    }

    /// What every SIPp run here starts with: Centrale's SIP address, the scenario, the
    /// service (user part), a free local port on `ip`, one run.
    fn sipp_args(&self, scenario_name: &str, service: &str, ip: &str) -> Vec<String> {
        [
            &self.sip.to_string(),
            "-sf",
            scenario(scenario_name).to_str().expect("utf-8 path"),
            "-s",
            service,
            "-i",
            ip,
            "-p",
            &free_port().to_string(),
            "-m",
            "1",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The client that owns forwarding number `number` (as the API shows it).
    pub async fn client_of_number(&self, number: &str) -> Value {
        let clients = self.api.get("/api/v1/clients").await;
        for client in clients.as_array().expect("clients") {
            let id = client["id"].as_str().unwrap_or_default();
            let numbers = self.api.get(&format!("/api/v1/clients/{id}/numbers")).await;
            if numbers
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n["number"] == number))
            {
                return client.clone();
            }
        }
        panic!("no client has {number}");
    }

    /// The calls of the client that owns `number`, newest first (as the API shows them).
    pub async fn calls_of_number(&self, number: &str) -> Vec<Value> {
        let client = self.client_of_number(number).await;
        let id = client["id"].as_str().unwrap_or_default();
        let calls = self.api.get(&format!("/api/v1/clients/{id}/calls")).await;
        calls.as_array().cloned().unwrap_or_default()
    }

    /// Waits (bounded) until the latest call to `number` has ended, and returns it.
    pub async fn ended_call(&self, number: &str) -> Value {
        for _ in 0..100 {
            if let Some(call) = self.calls_of_number(number).await.into_iter().next()
                && !call["outcome"].is_null()
            {
                return call;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no ended call to {number}");
    }

    /// Every client's calls: the whole call log.
    pub async fn all_calls(&self) -> Vec<Value> {
        let clients = self.api.get("/api/v1/clients").await;
        let mut calls = Vec::new();
        for client in clients.as_array().expect("clients") {
            let id = client["id"].as_str().unwrap_or_default();
            let list = self.api.get(&format!("/api/v1/clients/{id}/calls")).await;
            calls.extend(list.as_array().cloned().unwrap_or_default());
        }
        calls
    }
}
