//! With no SMS gateway configured, messages are appended to a log file — announced at start,
//! never dropped silently.

use super::{SmsChannel, SmsMessage};
use crate::Outcome;
use async_trait::async_trait;
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// Appends each SMS as one line to a file.
pub struct LogFileSms {
    path: PathBuf,
}

impl LogFileSms {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

#[async_trait]
impl SmsChannel for LogFileSms {
    async fn send(&self, message: &SmsMessage) -> Outcome {
        let line = format!(
            "{}\t{}\t{}\t{}\n",
            chrono::Utc::now().to_rfc3339(),
            message.reference,
            message.to,
            message.text.replace('\n', "\\n")
        );
        let written = async {
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .await?;
            file.write_all(line.as_bytes()).await?;
            file.flush().await
        };
        match written.await {
            Ok(()) => Outcome::Sent { reference: None },
            Err(e) => Outcome::Retry(format!("cannot write {}: {e}", self.path.display())),
        }
    }
}
