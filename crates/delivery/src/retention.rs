//! The daily purge: once per bureau-local day (the store's `claim_purge` deciding between
//! workers and restarts), every client's calls, notes, deliveries and digests older than its
//! retention are deleted, and so are the local fallbacks' copies — the Maildir's files and the
//! SMS log's lines — older than the bureau's retention.

use centrale_core::ports::PrivacyStore;
use centrale_core::privacy::{self, Purged, Retention};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A purge claimed by a worker that died is taken again after this.
const LEASE: Duration = Duration::from_secs(3600);

/// What the purge needs: the store, the bureau's retention and zone, the fallback files.
pub struct Purge {
    store: Arc<dyn PrivacyStore>,
    bureau: Retention,
    zone: chrono_tz::Tz,
    /// `DATA_DIR/maildir` (its `new`, `cur` and `tmp`) when e-mail goes there.
    maildir: Option<PathBuf>,
    /// `DATA_DIR/sms.log` when SMS go there.
    sms_log: Option<PathBuf>,
    /// The last day this process saw done, so a tick does not ask the store each second.
    last_day: Mutex<Option<NaiveDate>>,
}

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PurgeStep {
    /// False when the day's purge was done already (here or by another worker).
    pub ran: bool,
    pub purged: Purged,
    /// Fallback files deleted and SMS log lines dropped.
    pub files: u64,
    pub log_lines: u64,
}

impl Purge {
    pub fn new(store: Arc<dyn PrivacyStore>, bureau: Retention, zone: chrono_tz::Tz) -> Self {
        Self {
            store,
            bureau,
            zone,
            maildir: None,
            sms_log: None,
            last_day: Mutex::new(None),
        }
    }

    /// Also purges these local fallbacks.
    pub fn with_fallbacks(mut self, maildir: Option<PathBuf>, sms_log: Option<PathBuf>) -> Self {
        self.maildir = maildir;
        self.sms_log = sms_log;
        self
    }

    /// The purge of `now`'s bureau-local day, unless it was done already.
    pub async fn run(&self, now: DateTime<Utc>) -> centrale_core::Result<PurgeStep> {
        let day = now.with_timezone(&self.zone).date_naive();
        if *self.lock() == Some(day) || !self.store.claim_purge(day, now, LEASE).await? {
            *self.lock() = Some(day);
            return Ok(PurgeStep::default());
        }
        let mut step = PurgeStep {
            ran: true,
            ..PurgeStep::default()
        };
        for (client, own) in self.store.retentions().await? {
            let before = privacy::cutoff(now, own.unwrap_or(self.bureau));
            let purged = self.store.purge_client(client, before).await?;
            step.purged.calls += purged.calls;
            step.purged.notes += purged.notes;
            step.purged.deliveries += purged.deliveries;
            step.purged.digests += purged.digests;
        }
        let before = privacy::cutoff(now, self.bureau);
        if let Some(dir) = &self.maildir {
            step.files = purge_maildir(dir, before);
        }
        if let Some(log) = &self.sms_log {
            step.log_lines = purge_sms_log(log, before);
        }
        self.store.purge_done(day, now).await?;
        *self.lock() = Some(day);
        tracing::info!(%day, ?step, "retention: old calls, notes and deliveries purged");
        Ok(step)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<NaiveDate>> {
        self.last_day
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Deletes the Maildir's messages last written before `before`; returns how many.
fn purge_maildir(dir: &std::path::Path, before: DateTime<Utc>) -> u64 {
    let mut deleted = 0;
    for sub in ["new", "cur", "tmp"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| DateTime::<Utc>::from(at) < before);
            if old && std::fs::remove_file(entry.path()).is_ok() {
                deleted += 1;
            }
        }
    }
    deleted
}

/// Drops the SMS log's lines (each starts with its RFC 3339 time) from before `before`;
/// returns how many. A line whose time cannot be read is kept.
fn purge_sms_log(path: &std::path::Path, before: DateTime<Utc>) -> u64 {
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0;
    };
    let old = |line: &str| {
        line.split('\t')
            .next()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .is_some_and(|at| at < before)
    };
    let (gone, kept): (Vec<&str>, Vec<&str>) = text.lines().partition(|line| old(line));
    let dropped = gone.len() as u64;
    let kept: String = kept.iter().map(|line| format!("{line}\n")).collect();
    // Written beside and renamed over, so a crash leaves the old log or the new, never half.
    let fresh = path.with_extension("log.purging");
    if dropped > 0 && std::fs::write(&fresh, kept).is_ok() && std::fs::rename(&fresh, path).is_ok()
    {
        dropped
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_sms_log_lines_go_and_newer_or_unreadable_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sms.log");
        std::fs::write(
            &log,
            "2024-01-01T10:00:00+00:00\tr1\t+31612345678\told\n\
             not a time\tr2\t+31612345678\tkept\n\
             2026-11-30T10:00:00+00:00\tr3\t+31612345678\tnew\n",
        )
        .unwrap();
        let before = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(purge_sms_log(&log, before), 1);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(!text.contains("old") && text.contains("kept") && text.contains("new"));
        assert_eq!(purge_sms_log(&log, before), 0);
    }
}
