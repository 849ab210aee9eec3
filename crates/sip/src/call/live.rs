//! The calls in progress by id, so an operator's order from the web reaches the call's task.

use crate::board::CallCommand;
use centrale_core::CallId;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use tokio::sync::mpsc::UnboundedSender;

/// Each live call's command channel, from its start until its end.
#[derive(Default)]
pub(crate) struct LiveCalls(Mutex<HashMap<CallId, UnboundedSender<CallCommand>>>);

impl LiveCalls {
    pub fn open(&self, call: CallId, commands: UnboundedSender<CallCommand>) {
        self.lock().insert(call, commands);
    }

    pub fn close(&self, call: CallId) {
        self.lock().remove(&call);
    }

    /// Hands `command` to the call; false when no such call is in progress.
    pub fn send(&self, call: CallId, command: CallCommand) -> bool {
        self.lock()
            .get(&call)
            .is_some_and(|commands| commands.send(command).is_ok())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, UnboundedSender<CallCommand>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
