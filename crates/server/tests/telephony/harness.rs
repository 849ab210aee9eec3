//! Starting Centrale, SIPp and baresip for a test, and reading back what happened.

use centrale_core::ports::Store;
use centrale_server::{App, Settings, demo};
use reqwest::Method;
use serde_json::{Value, json};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::process::{Child, Command};

/// The SIPp scenarios shipped with the sip crate.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sip/tests/scenarios")
        .join(name)
}

/// A UDP port nobody uses right now (and its TCP twin, for SIPp's TCP checks).
pub fn free_port() -> u16 {
    loop {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a probe socket");
        let port = socket.local_addr().expect("local addr").port();
        let tcp_free = std::net::TcpListener::bind(("127.0.0.1", port)).is_ok();
        // Even ports leave room for SIPp's RTP port+1 conventions.
        if tcp_free && port.is_multiple_of(2) && port < 60000 {
            return port;
        }
    }
}

/// A running Centrale with the demo data.
pub struct Env {
    pub base: String,
    pub sip: SocketAddr,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub admin: String,
    pub dir: PathBuf,
}

/// The demo's first client and its first forwarding number.
pub const BAKERY_NUMBER: &str = "+31852001001";
/// The demo client with a temporary set in force.
pub const VAN_DIJK_NUMBER: &str = "+31852001003";

impl Env {
    /// Centrale with a short ring timeout and wrap-up so tests move along.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Centrale with settings adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        let mut settings = Settings {
            database_url: centrale_store::testing::fresh_database_url().await,
            http_listen: "127.0.0.1:0".parse().unwrap(),
            sip_listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.clone(),
            ring_timeout_secs: 3,
            wrap_up_secs: 1,
            rtp_silence_secs: 20,
            ..Settings::default()
        };
        adjust(&mut settings);
        let app = App::build(&settings).await.expect("app builds");
        demo::seed_if_empty(app.store().as_ref(), &settings.sip_realm)
            .await
            .expect("demo seeded");
        let env = Env {
            base: format!("http://{}", app.http_addr()),
            sip: app.sip_addr(),
            http: reqwest::Client::new(),
            store: app.store().clone(),
            admin: String::new(),
            dir,
        };
        tokio::spawn(app.run_until(std::future::pending()));
        let admin = env
            .login(demo::LOGINS[0].email, demo::LOGINS[0].password)
            .await;
        Env { admin, ..env }
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let reply = self
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        reply["token"].as_str().expect("login succeeds").to_owned()
    }

    /// An API call; the JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        serde_json::from_str(&response.text().await.unwrap_or_default()).unwrap_or(Value::Null)
    }

    pub async fn get(&self, path: &str) -> Value {
        self.call(Method::GET, path, Some(&self.admin.clone()), None)
            .await
    }

    /// Demo operator `index` (1 or 2 in demo::LOGINS): logged in, token returned.
    pub async fn operator(&self, index: usize) -> Operator {
        let login = &demo::LOGINS[index];
        let token = self.login(login.email, login.password).await;
        Operator {
            token,
            user: login.sip_username.expect("operator has SIP").to_owned(),
            password: login.sip_password.expect("operator has SIP").to_owned(),
        }
    }

    /// Sets an operator's state through the API; returns the reply.
    pub async fn set_state(&self, operator: &Operator, state: &str) -> Value {
        self.call(
            Method::PUT,
            "/api/v1/operators/me/state",
            Some(&operator.token),
            Some(json!({"state": state})),
        )
        .await
    }

    /// Waits (bounded) until the operator's phone is registered, as the operator's own API says.
    pub async fn wait_registered(&self, operator: &Operator, registered: bool) {
        for _ in 0..100 {
            let state = self
                .call(
                    Method::GET,
                    "/api/v1/operators/me/state",
                    Some(&operator.token),
                    None,
                )
                .await;
            if state["registered"] == registered {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "operator {} never became registered={registered}",
            operator.user
        );
    }

    /// An operator's SIPp phone: registers, then handles `calls` calls with `scenario`
    /// (operator_answer.xml, operator_reject_486.xml, …), then unregisters.
    pub fn phone(
        &self,
        operator: &Operator,
        scenario_name: &str,
        calls: u32,
        extra: &[&str],
    ) -> Sipp {
        let port = free_port();
        let media = free_port();
        let mut args = vec![
            self.sip.to_string(),
            "-sf".into(),
            scenario("operator_phone.xml").display().to_string(),
            "-oocsf".into(),
            scenario(scenario_name).display().to_string(),
            "-s".into(),
            operator.user.clone(),
            "-au".into(),
            operator.user.clone(),
            "-ap".into(),
            operator.password.clone(),
            "-i".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
            "-mi".into(),
            "127.0.0.1".into(),
            "-mp".into(),
            media.to_string(),
            "-m".into(),
            "1".into(),
            "-set".into(),
            "calls".into(),
            calls.to_string(),
            "-set".into(),
            "wait_s".into(),
            "40".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Sipp::spawn(&self.dir, &args)
    }

    /// The carrier trunk places one call with `scenario_name` to `number`.
    pub fn carrier(&self, scenario_name: &str, number: &str, extra: &[&str]) -> Sipp {
        let port = free_port();
        let media = free_port();
        let mut args = vec![
            self.sip.to_string(),
            "-sf".into(),
            scenario(scenario_name).display().to_string(),
            "-s".into(),
            number.into(),
            "-i".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
            "-mi".into(),
            "127.0.0.1".into(),
            "-mp".into(),
            media.to_string(),
            "-m".into(),
            "1".into(),
            "-recv_timeout".into(),
            "20s".into(),
            "-timeout".into(),
            "40s".into(),
            "-timeout_error".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Sipp::spawn(&self.dir, &args)
    }

    /// A client's calls, newest first (call records as the API shows them).
    pub async fn calls_of_number(&self, number: &str) -> Vec<Value> {
        let clients = self.get("/api/v1/clients").await;
        for client in clients.as_array().expect("clients") {
            let id = client["id"].as_str().unwrap_or_default();
            let numbers = self.get(&format!("/api/v1/clients/{id}/numbers")).await;
            if numbers
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n["number"] == number))
            {
                return self
                    .get(&format!("/api/v1/clients/{id}/calls"))
                    .await
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
        panic!("no client has {number}");
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

    /// The staff id of a logged-in operator (as offers and call records name them).
    pub async fn staff_id(&self, operator: &Operator) -> String {
        let me = self
            .call(Method::GET, "/api/v1/staff/me", Some(&operator.token), None)
            .await;
        me["id"].as_str().expect("staff/me has an id").to_owned()
    }

    /// The operator's own view of their state: `{"state": …, "registered": …}`.
    pub async fn operator_state(&self, operator: &Operator) -> Value {
        self.call(
            Method::GET,
            "/api/v1/operators/me/state",
            Some(&operator.token),
            None,
        )
        .await
    }

    /// The client that owns forwarding number `number` (as the API shows it).
    pub async fn client_of_number(&self, number: &str) -> Value {
        let clients = self.get("/api/v1/clients").await;
        for client in clients.as_array().expect("clients") {
            let id = client["id"].as_str().unwrap_or_default();
            let numbers = self.get(&format!("/api/v1/clients/{id}/numbers")).await;
            if numbers
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n["number"] == number))
            {
                return client.clone();
            }
        }
        panic!("no client has {number}");
    }

    /// Every client's calls: the whole call log.
    pub async fn all_calls(&self) -> Vec<Value> {
        let clients = self.get("/api/v1/clients").await;
        let mut calls = Vec::new();
        for client in clients.as_array().expect("clients") {
            let id = client["id"].as_str().unwrap_or_default();
            let list = self.get(&format!("/api/v1/clients/{id}/calls")).await;
            calls.extend(list.as_array().cloned().unwrap_or_default());
        }
        calls
    }

    /// Live events as `token` sees them, collected in the background.
    pub async fn events(&self, token: &str) -> Events {
        let response = self
            .http
            .get(format!("{}/api/v1/events", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("event stream opens");
        assert_eq!(response.status(), 200);
        let collected = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = collected.clone();
        tokio::spawn(async move {
            let mut response = response;
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: "))
                        && let Ok(event) = serde_json::from_str::<Value>(data)
                    {
                        sink.lock().unwrap().push(event);
                    }
                }
            }
        });
        // Let the subscription take hold before anything happens.
        tokio::time::sleep(Duration::from_millis(100)).await;
        Events { collected }
    }

    /// A one-shot SIPp registration with `scenario_name` (operator_register.xml,
    /// operator_register_refused.xml, operator_register_blocked.xml, operator_unregister.xml)
    /// for `user` with `password`, sent from `ip` (any loopback address).
    pub fn register(&self, scenario_name: &str, user: &str, password: &str, ip: &str) -> Sipp {
        self.register_as(scenario_name, user, user, password, ip)
    }

    /// As [`Env::register`], for the address-of-record `aor` with digest credentials of
    /// `auth_user`.
    pub fn register_as(
        &self,
        scenario_name: &str,
        aor: &str,
        auth_user: &str,
        password: &str,
        ip: &str,
    ) -> Sipp {
        let port = free_port().to_string();
        let args: Vec<String> = [
            self.sip.to_string().as_str(),
            "-sf",
            scenario(scenario_name).to_str().expect("utf-8 path"),
            "-s",
            aor,
            "-au",
            auth_user,
            "-ap",
            password,
            "-i",
            ip,
            "-p",
            &port,
            "-m",
            "1",
            "-recv_timeout",
            "10s",
            "-timeout",
            "30s",
            "-timeout_error",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        Sipp::spawn(&self.dir, &args)
    }

    /// The operator's state as their own API reports it.
    pub async fn my_state(&self, operator: &Operator) -> Value {
        self.call(
            Method::GET,
            "/api/v1/operators/me/state",
            Some(&operator.token),
            None,
        )
        .await
    }

    /// True when `GET /healthz` answers 200.
    pub async fn healthy(&self) -> bool {
        self.http
            .get(format!("{}/healthz", self.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}

/// A demo operator's credentials.
pub struct Operator {
    pub token: String,
    pub user: String,
    pub password: String,
}

/// Events received so far.
pub struct Events {
    collected: Arc<std::sync::Mutex<Vec<Value>>>,
}

impl Events {
    /// Waits (bounded) until an event of `kind` for which `matches` holds has arrived.
    pub async fn wait_for(&self, kind: &str, matches: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..150 {
            if let Some(event) = self
                .all()
                .into_iter()
                .find(|e| e["type"] == kind && matches(e))
            {
                return event;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no {kind} event; got {:?}",
            self.all()
                .iter()
                .map(|e| e["type"].clone())
                .collect::<Vec<_>>()
        );
    }

    pub fn all(&self) -> Vec<Value> {
        self.collected.lock().unwrap().clone()
    }

    /// The types of the events for one call, in order.
    pub fn types_for_call(&self, call_id: &str) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|e| e["call_id"] == call_id)
            .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// A running SIPp.
pub struct Sipp {
    child: Child,
    /// SIPp's error and message logs, shown when a run fails.
    logs: [PathBuf; 2],
}

/// Numbers each SIPp run's log files.
static SIPP_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The last `lines` lines of a log file (empty when there is none).
fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// How a SIPp run ended and what it printed.
pub struct SippResult {
    pub success: bool,
    pub code: Option<i32>,
    pub output: String,
}

impl Sipp {
    pub fn spawn(dir: &Path, args: &[String]) -> Self {
        let run = SIPP_RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let logs = [
            dir.join(format!("sipp-{run}-errors.log")),
            dir.join(format!("sipp-{run}-messages.log")),
        ];
        let child = Command::new("sipp")
            .args(args)
            .args(["-nostdin", "-trace_err", "-trace_msg"])
            .arg("-error_file")
            .arg(&logs[0])
            .arg("-message_file")
            .arg(&logs[1])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("sipp runs (apt-get install sip-tester)");
        Self { child, logs }
    }

    /// Waits (at most a minute) for SIPp to finish.
    pub async fn finish(self) -> SippResult {
        let output = tokio::time::timeout(Duration::from_secs(60), self.child.wait_with_output())
            .await
            .expect("sipp finishes within a minute")
            .expect("sipp output");
        let mut text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() {
            text.push_str(&format!(
                "\n--- sipp errors ---\n{}\n--- last sip messages ---\n{}",
                log_tail(&self.logs[0], 30),
                log_tail(&self.logs[1], 80)
            ));
        }
        SippResult {
            success: output.status.success(),
            code: output.status.code(),
            output: text,
        }
    }
}

impl SippResult {
    /// Panics with SIPp's screen when it failed.
    pub fn assert_ok(&self, what: &str) {
        let tail: String = self
            .output
            .lines()
            .rev()
            .take(150)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        assert!(self.success, "{what}: sipp exited {:?}\n{tail}", self.code);
    }
}

/// A hand-driven SIP peer on UDP, for messages SIPp cannot send (SHA-256 digest, junk).
pub struct RawSip {
    pub socket: tokio::net::UdpSocket,
    pub local: SocketAddr,
    pub server: SocketAddr,
}

/// A SIP response as text, with its status code.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: u16,
    pub text: String,
}

impl RawResponse {
    fn parse(bytes: &[u8]) -> Option<Self> {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let status = text.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()?;
        Some(Self { status, text })
    }

    /// All values of header `name` (case-insensitive; compact forms not expanded).
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.text
            .split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

impl RawSip {
    /// A socket on `ip` (e.g. "127.0.0.2") talking to Centrale at `server`.
    pub async fn bind(ip: &str, server: SocketAddr) -> Self {
        let socket = tokio::net::UdpSocket::bind((ip, 0))
            .await
            .expect("bind a raw SIP socket");
        let local = socket.local_addr().expect("local addr");
        Self {
            socket,
            local,
            server,
        }
    }

    pub async fn send(&self, bytes: &[u8]) {
        self.socket
            .send_to(bytes, self.server)
            .await
            .expect("datagram sent");
    }

    /// The next SIP response within `wait`, skipping provisional ones unless `provisional`.
    pub async fn response(&self, wait: Duration, provisional: bool) -> Option<RawResponse> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut buf = vec![0u8; 65536];
        loop {
            let (len, _) = tokio::time::timeout_at(deadline, self.socket.recv_from(&mut buf))
                .await
                .ok()?
                .ok()?;
            match RawResponse::parse(&buf[..len]) {
                Some(r) if provisional || r.status >= 200 => return Some(r),
                _ => {}
            }
        }
    }

    /// Sends `text` and waits (at most 3 s) for its final response.
    pub async fn request(&self, text: &str) -> Option<RawResponse> {
        self.send(text.as_bytes()).await;
        self.response(Duration::from_secs(3), false).await
    }

    /// A request from this socket with a fresh branch, tag and Call-ID; `headers` are extra
    /// lines (without CRLF); Content-Length is computed from `body` unless `headers` has one.
    pub fn build(&self, method: &str, uri: &str, headers: &[&str], body: &str) -> String {
        let unique = uuid::Uuid::now_v7().simple().to_string();
        let mut text = format!(
            "{method} {uri} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK{unique};rport\r\n\
             Max-Forwards: 70\r\n",
            local = self.local
        );
        let has = |name: &str| {
            headers
                .iter()
                .any(|h| h.to_ascii_lowercase().starts_with(&format!("{name}:")))
        };
        if !has("from") {
            text.push_str(&format!("From: <sip:test@{}>;tag={unique}\r\n", self.local));
        }
        if !has("to") {
            text.push_str(&format!("To: <{uri}>\r\n"));
        }
        if !has("call-id") {
            text.push_str(&format!("Call-ID: {unique}\r\n"));
        }
        if !has("cseq") {
            text.push_str(&format!("CSeq: 1 {method}\r\n"));
        }
        for header in headers {
            text.push_str(header);
            text.push_str("\r\n");
        }
        if !has("content-length") {
            text.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        text.push_str("\r\n");
        text.push_str(body);
        text
    }
}

/// Panics seen so far on each thread, counted by a hook installed once. A `#[tokio::test]`
/// runs Centrale's tasks on its own thread, so a panic in a spawned handler (which tokio
/// swallows) shows up here under the test's thread name.
pub struct PanicWatch {
    thread: String,
    before: usize,
}

static PANICS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

impl PanicWatch {
    pub fn start() -> Self {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                let name = std::thread::current().name().unwrap_or("").to_owned();
                PANICS
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(name);
                previous(info);
            }));
        });
        let thread = std::thread::current().name().unwrap_or("").to_owned();
        let before = Self::count_for(&thread);
        Self { thread, before }
    }

    fn count_for(thread: &str) -> usize {
        PANICS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|t| *t == thread)
            .count()
    }

    /// Panics on this test's thread since [`PanicWatch::start`].
    pub fn panics(&self) -> usize {
        Self::count_for(&self.thread) - self.before
    }
}
