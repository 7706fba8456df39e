//! An ACS client signing requests exactly as the ACS SDKs do (HMAC-SHA256 over method, path and
//! query, `x-ms-date`, host and the body's hash, with `Repeatability-Request-ID`), and recording
//! storage downloads as the SDKs make them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use reqwest::Method;
use ringside_identity::{acs_authorization, acs_sign, acs_string_to_sign, content_sha256};
use serde_json::Value;

use super::{send, Reply, TestServer};

/// One signed request: [`Signed::new`] fills in what the SDKs send; each field can be overridden.
#[derive(Clone, Debug)]
pub struct Signed {
    pub method: Method,
    pub path_and_query: String,
    pub body: Vec<u8>,
    /// `x-ms-date` (signed).
    pub date: SystemTime,
    /// Signs with this key instead of the resource's.
    pub key: Option<String>,
    /// Sends this `x-ms-content-sha256` (and signs it) instead of the body's hash.
    pub hash: Option<String>,
    /// `Repeatability-Request-ID` (with `Repeatability-First-Sent`).
    pub repeat_id: Option<String>,
}

impl Signed {
    /// `method` to `path_and_query` with `body`, dated now, signed with the resource key.
    pub fn new(method: Method, path_and_query: &str, body: &[u8]) -> Signed {
        Signed {
            method,
            path_and_query: path_and_query.to_string(),
            body: body.to_vec(),
            date: SystemTime::now(),
            key: None,
            hash: None,
            repeat_id: None,
        }
    }
}

/// A client of the dev ACS resource.
#[derive(Clone)]
pub struct Acs {
    pub http: reqwest::Client,
    /// The resource's endpoint without the trailing `/`.
    pub endpoint: String,
    /// The endpoint's host and port, as signed.
    pub host: String,
    /// The resource's access key.
    pub key: String,
    /// The `api-version` [`Acs::call`] sends.
    pub api_version: String,
    /// The client of [`Acs::storage`]: it resolves the recording storage host to the server.
    pub storage: reqwest::Client,
}

fn repeatability_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let micros = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    format!(
        "00000000-0000-4000-8000-{:012x}",
        (NEXT.fetch_add(1, Ordering::Relaxed) + micros % 1_000_000_000) & 0xffff_ffff_ffff
    )
}

impl Acs {
    pub(super) fn new(h: &TestServer) -> Acs {
        let endpoint = h.dev.acs.endpoint.trim_end_matches('/').to_string();
        let host = endpoint
            .split_once("://")
            .map(|(_, host)| host.to_string())
            .expect("endpoint host");
        let storage = h
            .client_builder()
            .resolve("ringside.asm.skype.com", h.server.local_addr())
            .build()
            .expect("client");
        Acs {
            http: h.http.clone(),
            endpoint,
            host,
            key: h.dev.acs.access_key.clone(),
            api_version: "2026-03-12".to_string(),
            storage,
        }
    }

    /// Sends `request` to the endpoint, signed.
    pub async fn send(&self, request: Signed) -> Reply {
        let date = httpdate::fmt_http_date(request.date);
        let hash = request
            .hash
            .unwrap_or_else(|| content_sha256(&request.body));
        let to_sign = acs_string_to_sign(
            request.method.as_str(),
            &request.path_and_query,
            &date,
            &self.host,
            &hash,
        );
        let key = request.key.as_deref().unwrap_or(&self.key);
        let signature = acs_sign(key, &to_sign).expect("sign");
        let mut builder = self
            .http
            .request(
                request.method,
                format!("{}{}", self.endpoint, request.path_and_query),
            )
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", hash)
            .header("authorization", acs_authorization(&signature))
            .header("content-type", "application/json")
            .body(request.body);
        if let Some(id) = request.repeat_id {
            builder = builder.header("Repeatability-Request-ID", id).header(
                "Repeatability-First-Sent",
                httpdate::fmt_http_date(SystemTime::now()),
            );
        }
        send(builder).await
    }

    /// `method` to `path` with the `api-version`, `body` as JSON, a fresh repeatability id.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.call_raw(method, path, &bytes, &self.key).await
    }

    /// [`Acs::call`] with these body bytes, signed with `key`.
    pub async fn call_raw(&self, method: Method, path: &str, body: &[u8], key: &str) -> Reply {
        self.send(Signed {
            key: Some(key.to_string()),
            repeat_id: Some(repeatability_id()),
            ..Signed::new(
                method,
                &format!("{path}?api-version={}", self.api_version),
                body,
            )
        })
        .await
    }

    /// A recording-storage request as the SDKs make it: to the `*.asm.skype.com` URL (resolved to
    /// the server), signed with the ACS endpoint's host. Without a range it is Python-style
    /// (`x-ms-host` without the port, the signature over the host with it); with one, JS-style.
    pub async fn storage(
        &self,
        method: Method,
        url: &str,
        range: Option<&str>,
        key: &str,
    ) -> Reply {
        let parsed = reqwest::Url::parse(url).expect("url");
        let date = httpdate::fmt_http_date(SystemTime::now());
        let hash = content_sha256(b"");
        let to_sign = acs_string_to_sign(method.as_str(), parsed.path(), &date, &self.host, &hash);
        let signature = acs_sign(key, &to_sign).expect("sign");
        let x_ms_host = if range.is_some() {
            self.host.clone()
        } else {
            self.host.split(':').next().unwrap_or_default().to_string()
        };
        let mut request = self
            .storage
            .request(method, url)
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", hash)
            .header("x-ms-host", x_ms_host)
            .header("accept", "application/json")
            .header("authorization", acs_authorization(&signature));
        if let Some(range) = range {
            request = request.header("range", range);
        }
        send(request).await
    }
}
