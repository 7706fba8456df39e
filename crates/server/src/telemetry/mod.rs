//! Tracing spans over OpenTelemetry OTLP when configured: where they go (`[telemetry]` and the
//! standard `OTEL_*` variables), the exporter (HTTP/protobuf through the workspace's reqwest on the
//! tokio runtime) behind the SDK's batch span processor, the `tracing` layer that feeds it, and the
//! flush on shutdown. Unconfigured, nothing here runs. The spans themselves: [`span`] (one per HTTP
//! request) and the outbox's delivery attempts.

mod client;
pub(crate) mod span;

use std::time::Duration;

use anyhow::{anyhow, Context as _, Result};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::Subscriber;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use crate::config::{Config, TelemetryConfig};

/// How long one export may take (connect, send, response).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where spans go and what they are labelled with, resolved from the config and the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelemetrySettings {
    /// The full OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`.
    pub traces_url: String,
    /// The `service.name` resource attribute.
    pub service_name: String,
    /// This node's name: the `service.instance.id` resource attribute.
    pub node_name: String,
}

impl TelemetrySettings {
    /// The settings for `config` (dev mode: `None`) and the process environment; `None` when no
    /// endpoint is configured (or `OTEL_SDK_DISABLED=true`): then nothing is exported.
    pub fn from_config(config: Option<&Config>) -> Result<Option<TelemetrySettings>> {
        let default = Config::default();
        let config = config.unwrap_or(&default);
        let env = |name: &str| std::env::var(name).ok();
        resolve(&config.telemetry, crate::config::node_name(config), env)
    }
}

/// [`TelemetrySettings::from_config`] over any environment. `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
/// is used as it is; `OTEL_EXPORTER_OTLP_ENDPOINT` and `otlp_endpoint` are base URLs that
/// `/v1/traces` is appended to (the OTLP exporter specification's rules).
fn resolve(
    config: &TelemetryConfig,
    node_name: String,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<TelemetrySettings>> {
    let env = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    if env("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return Ok(None);
    }
    let traces_url = if let Some(url) = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        crate::config::check_endpoint(&url)
            .map_err(|m| anyhow!("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT {m}"))?;
        url
    } else if let Some(base) = env("OTEL_EXPORTER_OTLP_ENDPOINT") {
        crate::config::check_endpoint(&base)
            .map_err(|m| anyhow!("OTEL_EXPORTER_OTLP_ENDPOINT {m}"))?;
        traces_url(&base)
    } else {
        match &config.otlp_endpoint {
            Some(base) => traces_url(base),
            None => return Ok(None),
        }
    };
    for name in [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ] {
        match env(name) {
            Some(protocol) if protocol.trim() != "http/protobuf" => {
                return Err(anyhow!(
                    "{name}={protocol}: only http/protobuf is supported"
                ))
            }
            Some(_) => break,
            None => {}
        }
    }
    let service_name = env("OTEL_SERVICE_NAME")
        .or_else(|| config.service_name.clone())
        .unwrap_or_else(|| "ringside".into());
    Ok(Some(TelemetrySettings {
        traces_url,
        service_name,
        node_name,
    }))
}

/// The traces URL under an OTLP/HTTP base URL.
fn traces_url(base: &str) -> String {
    format!("{}/v1/traces", base.trim_end_matches('/'))
}

/// The running exporter: hand its [`Telemetry::layer`] to the `tracing` subscriber, and call
/// [`Telemetry::shutdown`] when the server has stopped.
#[derive(Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
}

impl Telemetry {
    /// Builds the exporter and the batch span processor. Call it on the tokio runtime: the
    /// exports are sent from tasks spawned on it.
    pub fn start(settings: &TelemetrySettings) -> Result<Telemetry> {
        let runtime = tokio::runtime::Handle::try_current()
            .context("telemetry: must be started on the tokio runtime")?;
        let client = client::ExportClient::new(runtime, EXPORT_TIMEOUT, &settings.traces_url)?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(settings.traces_url.clone())
            .with_timeout(EXPORT_TIMEOUT)
            .build()
            .context("telemetry: building the OTLP exporter")?;
        let resource = Resource::builder()
            .with_service_name(settings.service_name.clone())
            .with_attributes([
                KeyValue::new("service.instance.id", settings.node_name.clone()),
                KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
            ])
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        Ok(Telemetry { provider })
    }

    /// The `tracing` layer that turns Ringside's spans (INFO and above, `ringside*` targets) into
    /// OpenTelemetry spans; events inside them become span events.
    pub fn layer<S>(&self) -> impl Layer<S>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let tracer = self.provider.tracer("ringside");
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(Targets::new().with_target("ringside", tracing::Level::INFO))
    }

    /// Exports the spans still queued and stops the processor (its own thread waits for the
    /// exports, sent on this runtime, so it runs on a blocking thread).
    pub async fn shutdown(self) -> Result<()> {
        let provider = self.provider;
        tokio::task::spawn_blocking(move || provider.shutdown())
            .await
            .context("telemetry: the shutdown task failed")?
            .map_err(|error| anyhow!("telemetry: flushing spans failed: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(
        config: &TelemetryConfig,
        env: &[(&str, &str)],
    ) -> Result<Option<TelemetrySettings>> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        resolve(config, "node-a".into(), |name| env.get(name).cloned())
    }

    #[test]
    fn nothing_is_exported_unless_an_endpoint_is_set() {
        let config = TelemetryConfig::default();
        assert_eq!(settings(&config, &[]).unwrap(), None);
        assert_eq!(
            settings(&config, &[("OTEL_SERVICE_NAME", "x")]).unwrap(),
            None
        );
        assert_eq!(
            settings(&config, &[("OTEL_EXPORTER_OTLP_ENDPOINT", "")]).unwrap(),
            None
        );
    }

    #[test]
    fn the_config_and_the_standard_variables_pick_the_url_and_the_name() {
        let config = TelemetryConfig {
            otlp_endpoint: Some("http://collector:4318/".into()),
            service_name: Some("calls".into()),
        };
        let from_config = settings(&config, &[]).unwrap().unwrap();
        assert_eq!(
            from_config,
            TelemetrySettings {
                traces_url: "http://collector:4318/v1/traces".into(),
                service_name: "calls".into(),
                node_name: "node-a".into(),
            }
        );
        let base = settings(
            &config,
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example:4318"),
                ("OTEL_SERVICE_NAME", "edge"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(base.traces_url, "https://otel.example:4318/v1/traces");
        assert_eq!(base.service_name, "edge");
        let exact = settings(
            &TelemetryConfig::default(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318"),
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:9/custom"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(exact.traces_url, "http://c:9/custom");
        assert_eq!(exact.service_name, "ringside");
        let disabled = settings(&config, &[("OTEL_SDK_DISABLED", "TRUE")]).unwrap();
        assert_eq!(disabled, None);
    }

    #[test]
    fn bad_variables_are_refused_by_name() {
        let config = TelemetryConfig::default();
        let error = settings(
            &config,
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")],
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("OTEL_EXPORTER_OTLP_ENDPOINT "), "{error}");
        let grpc = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ];
        let error = settings(&config, &grpc).unwrap_err().to_string();
        assert!(error.contains("only http/protobuf"), "{error}");
        let fine = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ];
        assert!(settings(&config, &fine).is_ok());
    }
}
