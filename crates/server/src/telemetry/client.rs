//! The OTLP exporter's HTTP client: the workspace's reqwest (rustls), each export sent from a task
//! on the tokio runtime (the batch span processor calls it from its own thread), and a log line
//! when exports start failing and when they work again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};
use async_trait::async_trait;
use bytes::Bytes;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use tokio::runtime::Handle;

/// Sends OTLP requests with reqwest on `runtime`.
#[derive(Debug)]
pub(super) struct ExportClient {
    http: reqwest::Client,
    runtime: Handle,
    /// Whether the last export failed (logged once per failing stretch).
    failing: AtomicBool,
    /// The traces URL, for the log lines.
    url: String,
}

impl ExportClient {
    pub(super) fn new(runtime: Handle, timeout: Duration, url: &str) -> Result<ExportClient> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .context("telemetry: building the HTTP client")?;
        Ok(ExportClient {
            http,
            runtime,
            failing: AtomicBool::new(false),
            url: url.to_string(),
        })
    }

    /// Logs the first failure of a stretch and the first success after one.
    fn note(&self, outcome: Result<u16, &HttpError>) {
        match outcome {
            Ok(status) if (200..300).contains(&status) => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!(url = %self.url, "telemetry: exporting spans works again");
                }
            }
            Ok(status) => {
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(url = %self.url, status, "telemetry: the collector refused spans");
                }
            }
            Err(error) => {
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(url = %self.url, %error, "telemetry: exporting spans failed");
                }
            }
        }
    }
}

#[async_trait]
impl HttpClient for ExportClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let http = self.http.clone();
        let sent = self
            .runtime
            .spawn(async move {
                let request = reqwest::Request::try_from(request)?;
                let response = http.execute(request).await?;
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.bytes().await?;
                let mut reply = Response::builder().status(status).body(body)?;
                *reply.headers_mut() = headers;
                Ok::<_, HttpError>(reply)
            })
            .await
            .map_err(HttpError::from)
            .and_then(|result| result);
        self.note(sent.as_ref().map(|reply| reply.status().as_u16()));
        sent
    }
}
