//! The application as a value: [`App::build`] connects, migrates and binds; tests build it on
//! port 0 with a fresh database and read back the addresses.

use crate::Settings;
use anyhow::Context as _;
use centrale_core::ports::Store;
use centrale_delivery::agenda::AgendaFetcher;
use centrale_sip::{SipHandle, SipMetrics, Telephony};
use centrale_store::Db;
use centrale_web::{AppState, WebSettings, events::EventBus, metrics::Metrics};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long open requests may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// A built Centrale: database ready, listeners bound.
pub struct App {
    store: Arc<dyn Store>,
    http: TcpListener,
    http_addr: SocketAddr,
    router: axum::Router,
    sip: SipHandle,
    delivery: Delivery,
}

/// The delivery worker, its loop (when the settings run it here) and how to stop it.
struct Delivery {
    worker: Arc<centrale_delivery::worker::Worker>,
    agendas: Arc<AgendaFetcher>,
    stop: tokio_util::sync::CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Opens the database named by the settings (creating the data directory for SQLite).
pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    if settings.uses_data_dir() {
        std::fs::create_dir_all(settings.data_dir()).with_context(|| {
            format!(
                "cannot create data directory {}",
                settings.data_dir().display()
            )
        })?;
    }
    let db = Db::connect(&settings.database_url)
        .await
        .with_context(|| format!("cannot open database {}", settings.database_url_for_log()))?;
    db.migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(db)
}

impl App {
    /// Opens and migrates the database, then binds the HTTP listener.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let store: Arc<dyn Store> = Arc::new(open_database(settings).await?);
        Self::with_store(settings, store).await
    }

    /// Starts the telephony and binds the HTTP listener around an already opened store.
    pub async fn with_store(settings: &Settings, store: Arc<dyn Store>) -> anyhow::Result<Self> {
        let mut metrics = Metrics::default();
        let sip_metrics = SipMetrics::register(metrics.registry_mut());
        let events = Arc::new(EventBus::default());
        let sip_config = settings.sip().map_err(anyhow::Error::msg)?;
        let sip = Telephony::start(sip_config, store.clone(), events.clone(), sip_metrics).await?;
        let http = TcpListener::bind(settings.http_listen)
            .await
            .with_context(|| format!("cannot listen for HTTP on {}", settings.http_listen))?;
        let http_addr = http.local_addr()?;
        let web_settings = WebSettings {
            token_ttl: Duration::from_secs(settings.token_ttl_hours * 3600),
            sip_realm: settings.sip_realm.clone(),
            secure_cookies: settings.secure_cookies(),
            metrics_networks: settings.metrics_networks().map_err(anyhow::Error::msg)?,
            metrics_token: settings.metrics_token.clone(),
            public_url: settings.public_url(http_addr),
            wrap_up: Duration::from_secs(settings.wrap_up_secs),
            note_edit_window: Duration::from_secs(settings.note_edit_minutes * 60),
            signup_confirm_email: settings.signup_confirm_email,
            number_quarantine_days: settings.number_quarantine_days,
        };
        let state = AppState {
            store: store.clone(),
            events,
            switchboard: sip.switchboard(),
            metrics: Arc::new(metrics),
            settings: Arc::new(web_settings),
            logins: Arc::default(),
            signup_limit: Arc::new(centrale_web::signup::limit::SourceLimit::new(
                settings.signups_per_hour,
            )),
        };
        let stop = tokio_util::sync::CancellationToken::new();
        let worker = crate::delivery::worker(settings, store.clone(), &stop)?;
        let task = settings
            .delivery_worker
            .then(|| worker.clone().spawn(stop.clone()));
        let agendas = Arc::new(AgendaFetcher::new(
            store.clone(),
            settings.agenda_networks()?,
            Duration::from_secs(settings.agenda_timeout_secs),
        ));
        if settings.delivery_worker {
            // Ends with the same token as the worker; a round under way is bounded by the timeout.
            agendas.clone().spawn(
                Duration::from_secs(settings.agenda_refresh_minutes * 60),
                stop.clone(),
            );
        }
        Ok(Self {
            store,
            http,
            http_addr,
            router: centrale_web::router(state),
            sip,
            delivery: Delivery {
                worker,
                agendas,
                stop,
                task,
            },
        })
    }

    /// The address SIP really listens on (UDP and TCP).
    pub fn sip_addr(&self) -> SocketAddr {
        self.sip.local_addr()
    }

    /// The address the web server really listens on.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The delivery worker, for tests that drive it one step at a time.
    pub fn delivery_worker(&self) -> &Arc<centrale_delivery::worker::Worker> {
        &self.delivery.worker
    }

    /// The agenda fetcher, for tests that drive it one round at a time.
    pub fn agenda_fetcher(&self) -> &Arc<AgendaFetcher> {
        &self.delivery.agendas
    }

    /// The store, for seeding.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Serves until `shutdown` completes, then finishes open requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stopping = tokio_util::sync::CancellationToken::new();
        let trigger = stopping.clone();
        tokio::spawn(async move {
            shutdown.await;
            trigger.cancel();
        });
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(self.http, service)
            .with_graceful_shutdown(stopping.clone().cancelled_owned());
        // Open event streams never end by themselves: give requests a moment, then stop.
        let deadline = async {
            stopping.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        let served = tokio::select! {
            served = serve => served.context("HTTP server failed"),
            () = deadline => Ok(()),
        };
        self.sip.shutdown();
        // A step under way finishes (sends are bounded by their timeouts); an unmarked
        // delivery would come back after its lease anyway.
        self.delivery.stop.cancel();
        if let Some(task) = self.delivery.task
            && tokio::time::timeout(SHUTDOWN_GRACE * 10, task)
                .await
                .is_err()
        {
            tracing::warn!("the delivery worker did not stop in time");
        }
        served
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}
