//! What every Graph scenario's call tasks share ([`Ctx`]): the HTTPS client, the bot's token, each
//! node's Graph base, the notification receiver, the latencies and the cluster's forwarding counts.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::Value;

use super::measure::Latencies;
use super::receiver::{Arrival, Receiver};
use super::target::Server;

/// How long a scenario waits for one notification.
const NOTIFICATION_WAIT: Duration = Duration::from_secs(20);

/// Everything a call task needs, shared.
pub(crate) struct Ctx {
    pub(crate) http: reqwest::Client,
    /// `<first node>/v1.0`.
    pub(crate) graph: String,
    /// `<node>/v1.0` of every node (graph-setup spreads its requests over them round-robin).
    pub(crate) graphs: Vec<String>,
    /// The number of each node (0: not a cluster).
    pub(crate) numbers: Vec<u16>,
    /// Calls created through one node and placed on another; deletes sent to a node that does not
    /// carry the call (so forwarded to the one that does).
    pub(crate) placed_elsewhere: AtomicUsize,
    pub(crate) deletes_forwarded: AtomicUsize,
    pub(crate) token: String,
    pub(crate) hook: String,
    pub(crate) receiver: Receiver,
    pub(crate) latencies: Latencies,
}

impl Ctx {
    /// A Graph request with the bot's token; the status must be `want`; the JSON answer.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        want: u16,
        what: &'static str,
    ) -> Result<Value> {
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.context(what)?;
        super::replies::expect_status(response, want, what).await
    }

    /// The body of `POST /communications/calls` to directory user `user`, notifications to the
    /// bench's receiver.
    pub(crate) fn create_body(&self, user: &str) -> Value {
        serde_json::json!({
            "@odata.type": "#microsoft.graph.call",
            "callbackUri": self.hook,
            "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo",
                         "identity": {"@odata.type": "#microsoft.graph.identitySet",
                                      "user": {"@odata.type": "#microsoft.graph.identity", "id": user}}}],
            "requestedModalities": ["audio"],
            "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
        })
    }

    /// The notification filed under `key`; `missing` says which one did not come.
    pub(crate) async fn notification(
        &self,
        key: &str,
        missing: impl FnOnce() -> String,
    ) -> Result<Arrival> {
        self.receiver
            .mailbox
            .wait(key, NOTIFICATION_WAIT)
            .await
            .ok_or_else(|| anyhow::Error::msg(missing()))
    }
}

/// The context of a Graph scenario against `server`: its token, the notification receiver.
pub(crate) async fn context(server: &Server) -> Result<Arc<Ctx>> {
    let receiver = Receiver::start().await?;
    Ok(Arc::new(Ctx {
        http: server.http.clone(),
        graph: format!("{}/v1.0", server.base),
        graphs: server
            .nodes
            .iter()
            .map(|n| format!("{}/v1.0", n.base))
            .collect(),
        numbers: server.nodes.iter().map(|n| n.number).collect(),
        placed_elsewhere: AtomicUsize::new(0),
        deletes_forwarded: AtomicUsize::new(0),
        token: server.graph_token().await?,
        hook: format!("{}/graph", receiver.url),
        receiver,
        latencies: Latencies::default(),
    }))
}
