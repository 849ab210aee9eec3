//! The telephony's copy of the [`Directory`]: loaded at start, refreshed when the store
//! reports a committed change ([`ChangeListener`]) and, as a safety net, in full every
//! [`FULL_REFRESH`]. Calls read it without waiting; when the database is down they go on
//! with what it last held.

use centrale_core::directory::{ClientCard, Directory};
use centrale_core::ports::{Change, ChangeListener, Store};
use centrale_core::{Client, ClientId, Error, Result};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the whole directory is read again, in case a change was missed (a write
/// that failed to notify, or a second node's write).
const FULL_REFRESH: Duration = Duration::from_secs(60);

/// See the module documentation.
pub struct LiveDirectory {
    current: RwLock<Arc<Directory>>,
    store: Arc<dyn Store>,
    /// One refresh at a time: each reads after its change committed, so the last one
    /// swapped in is never older than a change already reported.
    refreshing: tokio::sync::Mutex<()>,
}

impl LiveDirectory {
    /// Subscribes to the store's changes, then reads the whole directory (a change
    /// committed meanwhile waits for that read and is applied after it).
    pub async fn load(store: Arc<dyn Store>) -> Result<Arc<Self>> {
        let live = Arc::new(Self {
            current: RwLock::default(),
            store: store.clone(),
            refreshing: tokio::sync::Mutex::new(()),
        });
        let listener: Arc<dyn ChangeListener> = live.clone();
        store.notify_changes_to(Arc::downgrade(&listener));
        live.refresh_all().await?;
        tracing::info!(clients = live.now().clients(), "directory loaded");
        Ok(live)
    }

    /// The directory as it is now.
    pub fn now(&self) -> Arc<Directory> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn swap(&self, next: impl FnOnce(&Directory) -> Directory) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        *current = Arc::new(next(&current));
    }

    async fn refresh(&self, change: Change) -> Result<()> {
        let _one_at_a_time = self.refreshing.lock().await;
        match change {
            Change::Numbers => {
                let numbers = self.store.list_numbers().await?;
                self.swap(|d| d.with_numbers(numbers));
            }
            Change::Client(client) => {
                let card = read_card(self.store.as_ref(), client).await?;
                self.swap(|d| d.with_cards([(client, card)]));
            }
        }
        Ok(())
    }

    async fn refresh_all(&self) -> Result<()> {
        let _one_at_a_time = self.refreshing.lock().await;
        let directory = read_all(self.store.as_ref()).await?;
        self.swap(|_| directory);
        Ok(())
    }
}

#[async_trait::async_trait]
impl ChangeListener for LiveDirectory {
    async fn changed(&self, change: Change) {
        if let Err(e) = self.refresh(change).await {
            // The full refresh picks it up once the database answers.
            tracing::warn!(error = %e, ?change, "directory not refreshed");
        }
    }
}

/// Reads the whole directory again every [`FULL_REFRESH`] until cancelled or dropped.
pub async fn refresh_in_full(directory: Weak<LiveDirectory>, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(FULL_REFRESH);
    tick.tick().await;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let Some(directory) = directory.upgrade() else {
            return;
        };
        if let Err(e) = directory.refresh_all().await {
            tracing::warn!(error = %e, "directory not refreshed");
        }
    }
}

async fn read_all(store: &dyn Store) -> Result<Directory> {
    let numbers = store.list_numbers().await?;
    let mut cards = Vec::new();
    for client in store.list_clients().await? {
        cards.push(card_of(store, client).await?);
    }
    Ok(Directory::new(numbers, cards))
}

/// A client's card; None when the client is gone.
async fn read_card(store: &dyn Store, client: ClientId) -> Result<Option<ClientCard>> {
    match store.client(client).await {
        Ok(client) => Ok(Some(card_of(store, client).await?)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn card_of(store: &dyn Store, client: Client) -> Result<ClientCard> {
    ClientCard::load(store, client).await
}
