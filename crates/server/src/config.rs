//! Server configuration: the TOML file that selects production mode, and the dev-mode defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Default request body limit (1 MiB): larger than any Graph/ACS control request.
pub(crate) use ringside_http::DEFAULT_MAX_BODY_BYTES;

/// Server settings. A config file selects production mode (nothing seeded); without one the server runs
/// in dev mode with these defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address of the HTTPS listener (`--listen` overrides).
    pub listen: Option<SocketAddr>,
    /// Optional plain-HTTP listener for tools that want one (`--insecure-http` overrides).
    pub insecure_http: Option<SocketAddr>,
    /// Data directory (`--data-dir` overrides).
    pub data_dir: Option<PathBuf>,
    /// Admin token guarding `/ringside/v1`; `RINGSIDE_ADMIN_TOKEN` overrides. Required in production mode.
    pub admin_token: Option<String>,
    /// Public base URL when the server sits behind a proxy, e.g. `https://ringside.example.com`.
    pub public_url: Option<String>,
    /// Extra DNS names for the generated server certificate.
    pub extra_hostnames: Vec<String>,
    /// Your own certificate chain and key (PEM) instead of the generated local CA.
    pub tls: Option<TlsFiles>,
    /// Lifetime of issued access tokens, seconds.
    pub token_lifetime_secs: u64,
    /// Maximum request body size, bytes.
    pub max_body_bytes: usize,
    /// Per-client request rate limit.
    pub rate_limit: RateLimitConfig,
    /// Run the media clock's shard threads at this `SCHED_FIFO` priority (1–99; default
    /// [`DEFAULT_MEDIA_REALTIME_PRIORITY`]; `0` turns it off). Needs root or `CAP_SYS_NICE`; when
    /// the OS refuses, the clock runs at normal priority. `RINGSIDE_MEDIA_REALTIME_PRIORITY`
    /// (`0`/`off` or 1–99) overrides it. Keeps p99 tick lateness under 2 ms on a busy machine
    /// (docs/benchmarks.md).
    pub media_realtime_priority: Option<u8>,
    /// Service-hosted media: prompt fetching and recordResponse recordings (`[media]`).
    pub media: MediaConfig,
    /// The SIP gateway (`[sip]`): off unless `listen` is set.
    pub sip: crate::sip::SipConfig,
    /// Where the directory, the outbox and meetings live (`[store]`): SQLite in the data dir unless
    /// `url` names a PostgreSQL database.
    pub store: StoreConfig,
    /// This node's name among the servers sharing a database (`RINGSIDE_NODE_NAME` overrides;
    /// default: the host name).
    pub node_name: Option<String>,
    /// The URL the other nodes of a cluster forward this node's requests to
    /// (`RINGSIDE_INTERNAL_URL` overrides; default: `https://` and the HTTPS listener's address).
    /// Its host must be in the TLS certificate (`extra_hostnames`).
    pub internal_url: Option<String>,
    /// Tracing spans over OpenTelemetry OTLP (`[telemetry]`): off unless an endpoint is set here or
    /// in `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub telemetry: TelemetryConfig,
}

/// `[telemetry]`: where tracing spans are exported (OTLP over HTTP/protobuf). The standard
/// `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and `OTEL_SERVICE_NAME`
/// override it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP base URL, e.g. `http://collector:4318` (spans go to its
    /// `/v1/traces`). Unset: no exporter.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` resource attribute (default `ringside`).
    pub service_name: Option<String>,
}

/// `[store]`: the database.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `postgres://user:password@host:port/name` (or `sqlite:PATH`); `RINGSIDE_STORE_URL` overrides.
    /// Unset: `ringside.db` in the data directory.
    pub url: Option<String>,
}

pub use ringside_http::RateLimitConfig;
pub use ringside_runtime::config::MediaConfig;

/// PEM files for a certificate the operator brings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// PKCS#8, PKCS#1 or SEC1 private key.
    pub key: PathBuf,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: None,
            insecure_http: None,
            data_dir: None,
            admin_token: None,
            public_url: None,
            extra_hostnames: Vec::new(),
            tls: None,
            token_lifetime_secs: 3599,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            rate_limit: RateLimitConfig::default(),
            media_realtime_priority: Some(DEFAULT_MEDIA_REALTIME_PRIORITY),
            media: MediaConfig::default(),
            sip: crate::sip::SipConfig::default(),
            store: StoreConfig::default(),
            node_name: None,
            internal_url: None,
            telemetry: TelemetryConfig::default(),
        }
    }
}

/// A config file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown keys.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value is out of range.
    #[error("invalid config file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Reads and validates a TOML config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses TOML text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        let invalid = |message: &str| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: message.to_string(),
        };
        if config.token_lifetime_secs < 60 || config.token_lifetime_secs > 86_400 {
            return Err(invalid("token_lifetime_secs must be between 60 and 86400"));
        }
        if config.max_body_bytes < 1024 {
            return Err(invalid("max_body_bytes must be at least 1024"));
        }
        if !config.rate_limit.requests_per_second.is_finite()
            || config.rate_limit.requests_per_second < 0.0
        {
            return Err(invalid(
                "rate_limit.requests_per_second must be a non-negative number",
            ));
        }
        match config.media_realtime_priority {
            Some(0) => config.media_realtime_priority = None,
            Some(p) if p > 99 => {
                return Err(invalid(
                    "media_realtime_priority must be between 1 and 99 (0 turns it off)",
                ))
            }
            _ => {}
        }
        let media = &config.media;
        if media.max_prompt_bytes < 1024 || media.max_prompt_bytes > (256 << 20) {
            return Err(invalid(
                "media.max_prompt_bytes must be between 1024 and 268435456",
            ));
        }
        if !(1..=120).contains(&media.prompt_fetch_timeout_secs) {
            return Err(invalid(
                "media.prompt_fetch_timeout_secs must be between 1 and 120",
            ));
        }
        if media.max_prompt_redirects > 10 {
            return Err(invalid("media.max_prompt_redirects must be at most 10"));
        }
        if !(60..=30 * 86_400).contains(&media.recording_retention_secs) {
            return Err(invalid(
                "media.recording_retention_secs must be between 60 and 2592000",
            ));
        }
        if media.max_recordings == 0 {
            return Err(invalid("media.max_recordings must be at least 1"));
        }
        if media.prompt_hosts.iter().any(|h| h.trim().is_empty()) {
            return Err(invalid("media.prompt_hosts entries must not be empty"));
        }
        if let Some(url) = &config.public_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(invalid("public_url must start with https:// or http://"));
            }
        }
        if let Some(endpoint) = &config.telemetry.otlp_endpoint {
            check_endpoint(endpoint)
                .map_err(|message| invalid(&format!("telemetry.otlp_endpoint {message}")))?;
        }
        if matches!(&config.telemetry.service_name, Some(name) if name.trim().is_empty()) {
            return Err(invalid("telemetry.service_name must not be empty"));
        }
        if matches!(&config.admin_token, Some(token) if token.len() < 16) {
            return Err(invalid("admin_token must be at least 16 characters"));
        }
        Ok(config)
    }
}

/// `SCHED_FIFO` priority of the media clock unless the config or the environment says otherwise.
pub(crate) const DEFAULT_MEDIA_REALTIME_PRIORITY: u8 = 10;

/// Applies `RINGSIDE_MEDIA_REALTIME_PRIORITY` (`0`/`off`, or 1–99) over the configured priority;
/// anything else keeps the configured value.
pub(crate) fn realtime_priority_override(env: Option<&str>, configured: Option<u8>) -> Option<u8> {
    match env.map(str::trim) {
        Some("0") | Some("off") | Some("OFF") | Some("Off") => None,
        Some(value) => match value.parse::<u8>() {
            Ok(p) if (1..=99).contains(&p) => Some(p),
            _ => configured,
        },
        None => configured,
    }
}

/// This node's name: `RINGSIDE_NODE_NAME`, else `node_name`, else the host name.
pub(crate) fn node_name(config: &Config) -> String {
    std::env::var("RINGSIDE_NODE_NAME")
        .ok()
        .filter(|name| !name.is_empty())
        .or_else(|| config.node_name.clone())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|name| name.trim().to_string())
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "ringside".into())
}

/// Checks an OTLP endpoint: an `http://` or `https://` URL with a host. The message completes
/// "<setting> …".
pub(crate) fn check_endpoint(endpoint: &str) -> Result<(), String> {
    match reqwest::Url::parse(endpoint) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => Err(format!(
            "must be an http:// or https:// URL (OTLP over HTTP), not {endpoint:?}"
        )),
        Ok(url) if url.host_str().is_none_or(str::is_empty) => {
            Err(format!("has no host: {endpoint:?}"))
        }
        Ok(_) => Ok(()),
        Err(error) => Err(format!("is not a URL ({error}): {endpoint:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realtime_priority_defaults_on_and_can_be_turned_off() {
        let path = Path::new("ringside.toml");
        let default = Config::parse("", path).unwrap();
        assert_eq!(
            default.media_realtime_priority,
            Some(DEFAULT_MEDIA_REALTIME_PRIORITY)
        );
        let off = Config::parse("media_realtime_priority = 0\n", path).unwrap();
        assert_eq!(off.media_realtime_priority, None);
        let set = Config::parse("media_realtime_priority = 42\n", path).unwrap();
        assert_eq!(set.media_realtime_priority, Some(42));
        assert!(Config::parse("media_realtime_priority = 100\n", path).is_err());
        assert_eq!(realtime_priority_override(Some("off"), Some(10)), None);
        assert_eq!(realtime_priority_override(Some("0"), Some(10)), None);
        assert_eq!(realtime_priority_override(Some("20"), Some(10)), Some(20));
        assert_eq!(realtime_priority_override(Some("junk"), Some(10)), Some(10));
        assert_eq!(realtime_priority_override(Some("100"), None), None);
        assert_eq!(realtime_priority_override(None, Some(10)), Some(10));
    }

    #[test]
    fn parses_a_full_file_and_rejects_unknown_keys() {
        let path = Path::new("ringside.toml");
        let config = Config::parse(
            "listen = \"127.0.0.1:9443\"\nadmin_token = \"0123456789abcdef\"\n[rate_limit]\nrequests_per_second = 5.0\nburst = 10\n",
            path,
        )
        .unwrap();
        assert_eq!(config.listen.unwrap().port(), 9443);
        assert_eq!(config.rate_limit.burst, 10);
        assert_eq!(config.token_lifetime_secs, 3599);
        assert!(matches!(
            Config::parse("lisen = 1", path),
            Err(ConfigError::Parse { .. })
        ));
        assert!(matches!(
            Config::parse("admin_token = \"short\"", path),
            Err(ConfigError::Invalid { .. })
        ));
        assert!(matches!(
            Config::parse("token_lifetime_secs = 5", path),
            Err(ConfigError::Invalid { .. })
        ));
    }

    #[test]
    fn telemetry_section_is_off_by_default_and_checked() {
        let path = Path::new("ringside.toml");
        let config = Config::parse("", path).unwrap();
        assert_eq!(config.telemetry.otlp_endpoint, None);
        let config = Config::parse(
            "[telemetry]\notlp_endpoint = \"http://collector:4318\"\nservice_name = \"calls\"\n",
            path,
        )
        .unwrap();
        assert_eq!(
            config.telemetry.otlp_endpoint.as_deref(),
            Some("http://collector:4318")
        );
        assert_eq!(config.telemetry.service_name.as_deref(), Some("calls"));
        for bad in [
            "[telemetry]\notlp_endpoint = \"collector:4318\"",
            "[telemetry]\notlp_endpoint = \"grpc://collector:4317\"",
            "[telemetry]\notlp_endpoint = \"http://\"",
            "[telemetry]\nservice_name = \" \"",
        ] {
            assert!(
                matches!(Config::parse(bad, path), Err(ConfigError::Invalid { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            Config::parse("[telemetry]\nendpoint = \"http://c:4318\"", path),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn media_section_has_safe_defaults_and_checked_ranges() {
        let path = Path::new("ringside.toml");
        let config = Config::parse("", path).unwrap();
        assert!(!config.media.allow_private_prompt_hosts);
        assert_eq!(config.media.max_prompt_bytes, 10 << 20);
        let config = Config::parse(
            "[media]\nallow_private_prompt_hosts = true\nprompt_hosts = [\"media.internal\"]\nmax_prompt_bytes = 2048\n",
            path,
        )
        .unwrap();
        assert!(config.media.allow_private_prompt_hosts);
        assert_eq!(
            config.media.prompt_hosts,
            vec!["media.internal".to_string()]
        );
        for bad in [
            "[media]\nmax_prompt_bytes = 5",
            "[media]\nprompt_fetch_timeout_secs = 0",
            "[media]\nrecording_retention_secs = 1",
            "[media]\nmax_recordings = 0",
            "[media]\nprompt_hosts = [\" \"]",
        ] {
            assert!(
                matches!(Config::parse(bad, path), Err(ConfigError::Invalid { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            Config::parse("[media]\nallow_private = true", path),
            Err(ConfigError::Parse { .. })
        ));
    }
}
