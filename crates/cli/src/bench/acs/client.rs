//! What both ACS scenarios use: a client that signs requests with dev.json's ACS key (HMAC-SHA256,
//! as the Call Automation SDKs sign them), the simulated numbers calls go to, and the shared state
//! of a scenario's call tasks (`Calls`: create a call, wait for its events, hang it up).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{anyhow, Context, Result};
use reqwest::Method;
use ringside_identity::{acs_authorization, acs_sign, acs_string_to_sign, content_sha256};
use serde_json::{json, Value};

use crate::bench::measure::Latencies;
use crate::bench::receiver::{Arrival, Receiver};
use crate::bench::target::Server;

const API_VERSION: &str = "api-version=2026-03-12";
const EVENT_WAIT: Duration = Duration::from_secs(20);
/// Simulated numbers the created calls go to (they answer at once).
const TARGETS: usize = 16;

/// A signing ACS client.
pub(super) struct Acs {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    key: String,
}

/// A fresh UUID-shaped `Repeatability-Request-ID`.
fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (nanos >> 32) as u32,
        (nanos >> 16) as u16,
        (n >> 12) & 0xfff,
        n & 0xfff,
        (u64::from(std::process::id()) << 24 | (nanos & 0xff_ffff)) & 0xffff_ffff_ffff
    )
}

impl Acs {
    pub(super) fn new(server: &Server) -> Result<Acs> {
        let endpoint = server.dev.acs.endpoint.trim_end_matches('/').to_string();
        let host = endpoint
            .split_once("://")
            .map(|(_, host)| host.to_string())
            .ok_or_else(|| anyhow!("dev.json's ACS endpoint has no scheme: {endpoint}"))?;
        Ok(Acs {
            http: server.http.clone(),
            endpoint,
            host,
            key: server.dev.acs.access_key.clone(),
        })
    }

    /// A signed request; the status must be `want`; the JSON answer (Null when empty).
    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want: u16,
    ) -> Result<Value> {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let path_and_query = format!("{path}?{API_VERSION}");
        let date = httpdate::fmt_http_date(SystemTime::now());
        let hash = content_sha256(&bytes);
        let to_sign =
            acs_string_to_sign(method.as_str(), &path_and_query, &date, &self.host, &hash);
        let signature = acs_sign(&self.key, &to_sign).map_err(|e| anyhow!("signing: {e}"))?;
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path_and_query}", self.endpoint))
            .header("x-ms-date", &date)
            .header("x-ms-content-sha256", hash)
            .header("authorization", acs_authorization(&signature));
        if method == Method::POST {
            request = request
                .header("content-type", "application/json")
                .header("Repeatability-Request-ID", request_id())
                .header("Repeatability-First-Sent", &date);
        }
        let response = request
            .body(bytes)
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        crate::bench::replies::expect_status(response, want, &format!("{method} {path}")).await
    }
}

/// Numbers `+1208555xxxx` that answer at once (and play a test tone, for streams).
async fn answering_targets(server: &Server, tone: bool) -> Result<Vec<String>> {
    let mut numbers = Vec::new();
    for k in 0..TARGETS {
        let number = format!("+12085550{k:03}");
        let mut behaviour = json!({"answerAfter": "0ms"});
        if tone {
            behaviour["tone"] = json!([{"at": "0s", "duration": "3600s"}]);
        }
        server
            .admin(
                Method::PUT,
                &format!("/phones/{}/behaviour", number.replace('+', "%2B")),
                Some(&behaviour),
            )
            .await
            .context("setting a target number's behaviour")?;
        numbers.push(number);
    }
    Ok(numbers)
}

/// Puts the target numbers' behaviour back to the default.
pub(super) async fn targets_default(server: &Server, numbers: &[String]) {
    for number in numbers {
        let _ = server
            .admin(
                Method::DELETE,
                &format!("/phones/{}/behaviour", number.replace('+', "%2B")),
                None,
            )
            .await;
    }
}

/// A createCall body: to `target` from `source`, events to `callback`, optionally streaming.
fn create_body(target: &str, source: &str, callback: &str, streaming: Option<&str>) -> Value {
    let mut body = json!({
        "targets": [{"rawId": format!("4:{target}"), "kind": "phoneNumber", "phoneNumber": {"value": target}}],
        "sourceCallerIdNumber": {"value": source},
        "callbackUri": callback,
    });
    if let Some(url) = streaming {
        body["mediaStreamingOptions"] = json!({
            "transportType": "websocket",
            "transportUrl": url,
            "audioChannelType": "mixed",
            "contentType": "audio",
            "audioFormat": "pcm16KMono",
            "startMediaStreaming": true,
        });
    }
    body
}

/// The `callConnectionId` of a call connection's properties.
pub(super) fn connection_id(props: &Value) -> Result<String> {
    props["callConnectionId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no callConnectionId in {props}"))
}

/// What every call task of a scenario needs, shared: the signing client, the receiver of the call
/// events, the numbers calls go to, where latencies go, the CCaaS number and the callback URL.
pub(super) struct Calls {
    pub(super) acs: Acs,
    pub(super) receiver: Receiver,
    pub(super) targets: Vec<String>,
    pub(super) latencies: Latencies,
    pub(super) source: String,
    pub(super) callback: String,
}

/// A created call: when createCall was sent and answered, and the call connection id.
pub(super) struct Created {
    pub(super) sent: Instant,
    pub(super) answered: Instant,
    pub(super) id: String,
}

impl Calls {
    /// The client, a started receiver, and targets that answer at once (and play a tone if `tone`).
    pub(super) async fn start(server: &Server, tone: bool) -> Result<Calls> {
        let acs = Acs::new(server)?;
        let receiver = Receiver::start().await?;
        let source = server.acs_number()?;
        let targets = answering_targets(server, tone).await?;
        let callback = format!("{}/acs/callbacks", receiver.url);
        Ok(Calls {
            acs,
            receiver,
            targets,
            latencies: Latencies::default(),
            source,
            callback,
        })
    }

    /// createCall from the CCaaS number to target `i` (round robin), optionally streaming.
    pub(super) async fn create(&self, i: usize, streaming: Option<&str>) -> Result<Created> {
        let body = create_body(
            &self.targets[i % self.targets.len()],
            &self.source,
            &self.callback,
            streaming,
        );
        let sent = Instant::now();
        let props = self
            .acs
            .send(Method::POST, "/calling/callConnections", Some(&body), 201)
            .await?;
        let answered = Instant::now();
        let id = connection_id(&props)?;
        Ok(Created { sent, answered, id })
    }

    /// answerCall for an IncomingCall's context; the call connection's properties.
    pub(super) async fn answer(&self, context: &str) -> Result<Value> {
        self.acs
            .send(
                Method::POST,
                "/calling/callConnections:answer",
                Some(&json!({"incomingCallContext": context, "callbackUri": self.callback})),
                200,
            )
            .await
    }

    /// The call event filed under `key`; `missing` says which one did not come.
    pub(super) async fn event(
        &self,
        key: &str,
        missing: impl FnOnce() -> String,
    ) -> Result<Arrival> {
        self.receiver
            .mailbox
            .wait(key, EVENT_WAIT)
            .await
            .ok_or_else(|| anyhow::Error::msg(missing()))
    }

    /// hangUp (for everyone) of call connection `id`.
    pub(super) async fn hang_up(&self, id: &str) -> Result<()> {
        self.acs
            .send(
                Method::DELETE,
                &format!("/calling/callConnections/{id}"),
                None,
                204,
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_distinct_and_uuid_shaped() {
        let (a, b) = (request_id(), request_id());
        assert_ne!(a, b);
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
    }

    #[test]
    fn a_streaming_create_carries_the_options() {
        let body = create_body(
            "+12085550001",
            "+14255550200",
            "http://127.0.0.1:1/cb",
            Some("ws://127.0.0.1:2/s"),
        );
        assert_eq!(body["targets"][0]["rawId"], "4:+12085550001");
        assert_eq!(body["mediaStreamingOptions"]["startMediaStreaming"], true);
        assert!(create_body("+1", "+2", "x", None)
            .get("mediaStreamingOptions")
            .is_none());
    }
}
