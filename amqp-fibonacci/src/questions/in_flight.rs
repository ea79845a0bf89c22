//! The tutorial asks: **can one client have several calls in flight?** Yes: every call has its
//! own `correlation_id`, so `send` can publish many and `wait` can take their answers in any
//! order (`RpcClient::call_many` does a batch). An answer that arrives while we wait for another call is kept for its own caller; one
//! nobody waits for (a duplicate after a server died between reply and ack, or a reply after our
//! timeout) is discarded and counted.

use std::collections::{HashMap, HashSet};

use crate::questions::error_replies::Answer;

/// A call that was published and not yet waited for. Hand it back to `RpcClient::wait`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCall {
    correlation_id: String,
    body: String,
}

impl PendingCall {
    /// The uuid4 text this call's reply must carry.
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }
    /// What was sent (the decimal text of n).
    pub fn body(&self) -> &str {
        &self.body
    }
}

/// The bookkeeping: calls in flight, answers kept for them, replies thrown away.
#[derive(Debug, Default)]
pub struct Calls {
    /// Correlation ids published and not answered yet.
    pending: HashSet<String>,
    /// Answers that arrived while we were waiting for another call.
    arrived: HashMap<String, Answer>,
    discarded: u64,
}

impl Calls {
    /// Records a call just published.
    pub(crate) fn sent(&mut self, correlation_id: String, body: &str) -> PendingCall {
        self.pending.insert(correlation_id.clone());
        PendingCall {
            correlation_id,
            body: body.to_string(),
        }
    }

    /// The answer to `call`, if it has arrived.
    pub(crate) fn take(&mut self, call: &PendingCall) -> Option<Answer> {
        self.arrived.remove(&call.correlation_id)
    }

    /// Gives up on `call`: a reply that comes later is discarded.
    pub(crate) fn forget(&mut self, call: &PendingCall) {
        self.pending.remove(&call.correlation_id);
    }

    /// How many replies were thrown away because no call was waiting for their correlation id.
    pub(crate) fn discarded(&self) -> u64 {
        self.discarded
    }

    /// How many calls are published and not answered yet.
    pub(crate) fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Keeps an answer for its call — if a call is still waiting for that correlation id.
    pub(crate) fn file(&mut self, id: String, answer: Answer) {
        if self.pending.remove(&id) {
            self.arrived.insert(id, answer);
        } else {
            // Unknown, timed out, or answered already (a duplicate): not ours to return.
            self.discarded += 1;
            tracing::warn!(correlation_id = %id, ?answer, "discarding a reply nobody is waiting for");
        }
    }
}
