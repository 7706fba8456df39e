//! Prompt fetcher for service-hosted media: downloads Graph `mediaInfo.uri` WAV prompts over https
//! (http only to loopback in dev mode) with a size limit, a total time limit and a redirect limit,
//! refuses hosts that resolve to private, loopback, link-local, unique-local, CGNAT, multicast or
//! unspecified addresses unless the config allows them (server-side request forgery), connects only
//! to the addresses it checked (the check happens inside the connector's DNS step, so there is no
//! rebinding window), decodes with the audio crate's WAV reader, and keeps decoded prompts in a
//! bounded cache by `resourceId` (Graph `preFetchMedia`) and by URI.
//!
//! The runtime task resolves prompts synchronously from the same cache ([`PromptCache::get`]); the
//! door fetches (async, off the runtime task) before it hands a prompt to the engine.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ringside_audio::Prompt;
use ringside_engine::MediaRef;
use url::{Host, Url};

use crate::config::MediaConfig;

/// Decoded prompts kept at most.
const CACHE_ENTRIES: usize = 256;
/// Decoded samples kept at most (16 kHz mono: 32 Mi samples ≈ 35 minutes, 64 MiB).
const CACHE_SAMPLES: usize = 32 << 20;
/// How long a prompt cached by URI alone is trusted before it is fetched again.
const URI_TTL: Duration = Duration::from_secs(300);

/// What a prompt host may resolve to.
#[derive(Clone, Debug)]
pub struct FetchPolicy {
    /// RFC 1918, unique-local, CGNAT and loopback addresses are allowed.
    pub allow_private: bool,
    /// Loopback addresses are allowed, and `http://` to loopback hosts (dev mode).
    pub allow_loopback: bool,
    /// Lower-case host names or IP literals allowed whatever they resolve to.
    pub allow_hosts: Vec<String>,
    /// Largest body, bytes.
    pub max_bytes: usize,
    /// Time limit for one download.
    pub timeout: Duration,
    /// Redirects followed.
    pub max_redirects: usize,
}

impl FetchPolicy {
    /// The policy of a server: its `[media]` config, loopback allowed in dev mode.
    pub fn from_config(media: &MediaConfig, dev_mode: bool) -> FetchPolicy {
        FetchPolicy {
            allow_private: media.allow_private_prompt_hosts,
            allow_loopback: dev_mode,
            allow_hosts: media
                .prompt_hosts
                .iter()
                .map(|h| normalise_host(h))
                .collect(),
            max_bytes: media.max_prompt_bytes,
            timeout: Duration::from_secs(media.prompt_fetch_timeout_secs),
            max_redirects: media.max_prompt_redirects,
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = normalise_host(host);
        self.allow_hosts.contains(&host)
    }

    /// Whether `host` may be reached at `ip`; the error says why not.
    pub fn check_address(&self, host: &str, ip: IpAddr) -> Result<(), FetchError> {
        if self.host_allowed(host) {
            return Ok(());
        }
        let class = classify(ip);
        let allowed = match class {
            AddressClass::Public => true,
            AddressClass::Loopback => self.allow_loopback || self.allow_private,
            AddressClass::Private | AddressClass::UniqueLocal | AddressClass::SharedCgnat => {
                self.allow_private
            }
            AddressClass::LinkLocal
            | AddressClass::Multicast
            | AddressClass::Unspecified
            | AddressClass::Reserved => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(FetchError::Refused(format!(
                "the prompt host {host} is at {ip}, {}; {}",
                class.describe(),
                match class {
                    AddressClass::Loopback
                    | AddressClass::Private
                    | AddressClass::UniqueLocal
                    | AddressClass::SharedCgnat => {
                        "set [media] allow_private_prompt_hosts = true or list the host in \
                         [media] prompt_hosts to allow it"
                    }
                    AddressClass::LinkLocal => "list the host in [media] prompt_hosts to allow it",
                    _ => "prompts cannot be fetched from there",
                }
            )))
        }
    }

    /// Checks a prompt URI before anything is fetched: scheme, no credentials, a host, and IP
    /// literals against the address rules (names are checked when they are resolved).
    pub fn check_uri(&self, uri: &str) -> Result<Url, FetchError> {
        let url = Url::parse(uri.trim())
            .map_err(|error| FetchError::BadUri(format!("'{uri}' is not a URL: {error}")))?;
        let host = url
            .host()
            .ok_or_else(|| FetchError::BadUri(format!("'{uri}' has no host")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::BadUri(
                "prompt URLs must not carry credentials".into(),
            ));
        }
        let literal = match host {
            Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            Host::Domain(_) => None,
        };
        let host_text = url.host_str().unwrap_or_default().to_string();
        match url.scheme() {
            "https" => {}
            "http" => {
                let loopback = match literal {
                    Some(ip) => classify(ip) == AddressClass::Loopback,
                    None => normalise_host(&host_text) == "localhost",
                };
                if !(self.allow_loopback && loopback) {
                    return Err(FetchError::BadUri(format!(
                        "prompt URLs must be https ('{uri}'); http is accepted only for loopback \
                         hosts in dev mode"
                    )));
                }
            }
            other => {
                return Err(FetchError::BadUri(format!(
                    "prompt URLs must be https, not {other}: ('{uri}')"
                )))
            }
        }
        if let Some(ip) = literal {
            self.check_address(&host_text, ip)?;
        }
        Ok(url)
    }
}

/// Lower case, without the brackets of an IPv6 literal or a trailing dot.
fn normalise_host(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Where an address points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressClass {
    /// Globally routable.
    Public,
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918.
    Private,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// fc00::/7 (and the deprecated site-local fec0::/10).
    UniqueLocal,
    /// 100.64.0.0/10 (RFC 6598).
    SharedCgnat,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// Documentation, benchmarking, protocol-assignment, broadcast and reserved ranges.
    Reserved,
}

impl AddressClass {
    fn describe(self) -> &'static str {
        match self {
            AddressClass::Public => "a public address",
            AddressClass::Loopback => "a loopback address",
            AddressClass::Private => "a private address",
            AddressClass::LinkLocal => "a link-local address",
            AddressClass::UniqueLocal => "a unique-local address",
            AddressClass::SharedCgnat => "a shared (CGNAT) address",
            AddressClass::Multicast => "a multicast address",
            AddressClass::Unspecified => "an unspecified address",
            AddressClass::Reserved => "a reserved address",
        }
    }
}

/// Classifies an address; IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64
/// well-known prefix, 6to4) are classified by the embedded address.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (0, ..) => AddressClass::Unspecified,
        (127, ..) => AddressClass::Loopback,
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => AddressClass::Private,
        (100, 64..=127, _) => AddressClass::SharedCgnat,
        (169, 254, _) => AddressClass::LinkLocal,
        (224..=239, ..) => AddressClass::Multicast,
        (240..=255, ..) => AddressClass::Reserved,
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => {
            AddressClass::Reserved
        }
        _ => AddressClass::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let s = ip.segments();
    if ip.is_unspecified() {
        return AddressClass::Unspecified;
    }
    if ip.is_loopback() {
        return AddressClass::Loopback;
    }
    let embedded = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        classify_v4(Ipv4Addr::new(a, b, c, d))
    };
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated).
    if s[..5] == [0, 0, 0, 0, 0] && (s[5] == 0xffff || s[5] == 0) {
        return embedded(s[6], s[7]);
    }
    // 64:ff9b::/96 NAT64 well-known prefix.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return embedded(s[6], s[7]);
    }
    // 2002::/16 6to4.
    if s[0] == 0x2002 {
        return embedded(s[1], s[2]);
    }
    match s[0] {
        0xfe80..=0xfebf => AddressClass::LinkLocal,
        0xfc00..=0xfdff | 0xfec0..=0xfeff => AddressClass::UniqueLocal,
        0xff00..=0xffff => AddressClass::Multicast,
        0x2001 if s[1] == 0x0db8 => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

/// Why a prompt could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The URI is not acceptable as written (scheme, syntax, credentials).
    BadUri(String),
    /// The host resolves to an address the policy refuses.
    Refused(String),
    /// Connecting, TLS, redirects, or the HTTP status.
    Http(String),
    /// Larger than the limit.
    TooLarge(usize),
    /// The time limit passed.
    Timeout(Duration),
    /// Not a WAV file the reader accepts.
    NotWav(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::BadUri(message)
            | FetchError::Refused(message)
            | FetchError::Http(message) => f.write_str(message),
            FetchError::TooLarge(limit) => write!(f, "the prompt is larger than {limit} bytes"),
            FetchError::Timeout(limit) => {
                write!(
                    f,
                    "the prompt download took longer than {} s",
                    limit.as_secs()
                )
            }
            FetchError::NotWav(message) => {
                write!(f, "the prompt is not a usable WAV file: {message}")
            }
        }
    }
}

impl std::error::Error for FetchError {}

// ---- cache ----------------------------------------------------------------------------------

struct Entry {
    prompt: Arc<Prompt>,
    expires: Option<Instant>,
    used: u64,
}

#[derive(Default)]
struct CacheInner {
    entries: HashMap<String, Entry>,
    samples: usize,
    clock: u64,
}

/// Decoded prompts by `resourceId` (no expiry) and by URI (re-fetched after five minutes), least
/// recently used out first, bounded in entries and samples. Shared by the fetcher and the runtime.
#[derive(Default)]
pub struct PromptCache {
    inner: Mutex<CacheInner>,
}

fn by_key(key: &str) -> String {
    format!("key:{key}")
}

fn by_uri(uri: &str) -> String {
    format!("uri:{}", uri.trim())
}

impl PromptCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The prompt a reference names: by its cache key first (Graph semantics: a `resourceId`
    /// seen before wins over the URI), then by URI while fresh.
    pub fn get(&self, media: &MediaRef) -> Option<Arc<Prompt>> {
        self.get_at(media, Instant::now())
    }

    fn get_at(&self, media: &MediaRef, now: Instant) -> Option<Arc<Prompt>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let tick = inner.clock;
        let keys = media
            .cache_key
            .as_deref()
            .map(by_key)
            .into_iter()
            .chain(std::iter::once(by_uri(&media.uri)));
        for key in keys {
            if let Some(entry) = inner.entries.get_mut(&key) {
                if entry.expires.is_some_and(|at| at <= now) {
                    continue;
                }
                entry.used = tick;
                return Some(entry.prompt.clone());
            }
        }
        None
    }

    /// Caches a prompt made here rather than fetched (a synthesised text prompt) under the
    /// reference's cache key and URI.
    pub fn insert(&self, media: &MediaRef, prompt: Arc<Prompt>) {
        self.insert_at(media, prompt, Instant::now());
    }

    fn insert_at(&self, media: &MediaRef, prompt: Arc<Prompt>, now: Instant) {
        if prompt.len() > CACHE_SAMPLES {
            return;
        }
        let mut inner = self.lock();
        let put = |key: String, expires: Option<Instant>, inner: &mut CacheInner| {
            inner.clock += 1;
            let entry = Entry {
                prompt: prompt.clone(),
                expires,
                used: inner.clock,
            };
            inner.samples += prompt.len();
            if let Some(old) = inner.entries.insert(key, entry) {
                inner.samples -= old.prompt.len();
            }
        };
        if let Some(key) = &media.cache_key {
            put(by_key(key), None, &mut inner);
        }
        put(by_uri(&media.uri), Some(now + URI_TTL), &mut inner);
        while inner.entries.len() > CACHE_ENTRIES || inner.samples > CACHE_SAMPLES {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(old) = inner.entries.remove(&oldest) {
                inner.samples -= old.prompt.len();
            }
        }
    }

    /// Entries held (for tests and figures).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

// ---- fetcher --------------------------------------------------------------------------------

/// The DNS step of the fetcher's connector: resolves with the system resolver and keeps only the
/// addresses the policy allows, so the connection goes to an address that was checked.
struct GuardedResolver {
    policy: Arc<FetchPolicy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|error| {
                    Box::new(FetchError::Http(format!(
                        "the prompt host {host} could not be resolved: {error}"
                    ))) as Box<dyn std::error::Error + Send + Sync>
                })?
                .collect();
            let mut refusal = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| match policy.check_address(&host, addr.ip()) {
                    Ok(()) => true,
                    Err(error) => {
                        refusal.get_or_insert(error);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let error = refusal.unwrap_or_else(|| {
                    FetchError::Http(format!("the prompt host {host} has no addresses"))
                });
                return Err(Box::new(error) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Downloads and decodes prompts under a [`FetchPolicy`], filling a [`PromptCache`].
pub struct PromptFetcher {
    policy: Arc<FetchPolicy>,
    client: reqwest::Client,
    cache: Arc<PromptCache>,
}

impl PromptFetcher {
    /// A fetcher. `extra_roots` are PEM certificates trusted besides the public web roots (the
    /// platform's own local CA, so prompts served by a host with a certificate it issued work).
    pub fn new(
        policy: FetchPolicy,
        extra_roots: &[Vec<u8>],
        cache: Arc<PromptCache>,
    ) -> anyhow::Result<PromptFetcher> {
        let policy = Arc::new(policy);
        let redirect_policy = policy.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > redirect_policy.max_redirects {
                return attempt.error(FetchError::Http(format!(
                    "the prompt URL redirected more than {} times",
                    redirect_policy.max_redirects
                )));
            }
            match redirect_policy.check_uri(attempt.url().as_str()) {
                Ok(_) => attempt.follow(),
                Err(error) => attempt.error(error),
            }
        });
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(redirects)
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .user_agent(concat!(
                "Ringside/",
                env!("CARGO_PKG_VERSION"),
                " prompt fetcher"
            ))
            .dns_resolver(Arc::new(GuardedResolver {
                policy: policy.clone(),
            }));
        for pem in extra_roots {
            match reqwest::Certificate::from_pem(pem) {
                Ok(root) => builder = builder.add_root_certificate(root),
                Err(error) => {
                    tracing::warn!(%error, "an extra prompt root is not a PEM certificate")
                }
            }
        }
        Ok(PromptFetcher {
            policy,
            client: builder.build()?,
            cache,
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// The cache this fetcher fills.
    pub fn cache(&self) -> &Arc<PromptCache> {
        &self.cache
    }

    /// The decoded prompt a reference names: from the cache, or downloaded, checked, decoded and
    /// cached (under its cache key and its URI).
    pub async fn fetch(&self, media: &MediaRef) -> Result<Arc<Prompt>, FetchError> {
        if let Some(prompt) = self.cache.get(media) {
            return Ok(prompt);
        }
        let url = self.policy.check_uri(&media.uri)?;
        let limit = self.policy.timeout;
        let bytes = match tokio::time::timeout(limit, self.download(url)).await {
            Ok(result) => result?,
            Err(_) => return Err(FetchError::Timeout(limit)),
        };
        let prompt = tokio::task::spawn_blocking(move || Prompt::from_wav(&bytes))
            .await
            .map_err(|error| FetchError::NotWav(format!("decoder stopped: {error}")))?
            .map_err(|error| FetchError::NotWav(error.to_string()))?;
        let prompt = Arc::new(prompt);
        self.cache.insert_at(media, prompt.clone(), Instant::now());
        Ok(prompt)
    }

    async fn download(&self, url: Url) -> Result<Vec<u8>, FetchError> {
        let max = self.policy.max_bytes;
        let shown = url.to_string();
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|error| self.http_error(&shown, &error))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Http(format!(
                "fetching the prompt {shown} returned HTTP {status}"
            )));
        }
        if response
            .content_length()
            .is_some_and(|length| length > max as u64)
        {
            return Err(FetchError::TooLarge(max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.http_error(&shown, &error))?
        {
            if body.len() + chunk.len() > max {
                return Err(FetchError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The most telling error in reqwest's chain: a refusal or redirect error of ours, a timeout,
    /// or reqwest's own description.
    fn http_error(&self, shown: &str, error: &reqwest::Error) -> FetchError {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(current) = source {
            if let Some(ours) = current.downcast_ref::<FetchError>() {
                return ours.clone();
            }
            source = current.source();
        }
        if error.is_timeout() {
            return FetchError::Timeout(self.policy.timeout);
        }
        let mut message = format!("fetching the prompt {shown} failed: {error}");
        let mut source = std::error::Error::source(error);
        while let Some(current) = source {
            message.push_str(&format!(": {current}"));
            source = current.source();
        }
        FetchError::Http(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> FetchPolicy {
        FetchPolicy {
            allow_private: false,
            allow_loopback: false,
            allow_hosts: Vec::new(),
            max_bytes: 1 << 20,
            timeout: Duration::from_secs(5),
            max_redirects: 3,
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn addresses_are_classified_by_their_ranges() {
        for (address, class) in [
            ("8.8.8.8", AddressClass::Public),
            ("2606:4700::1111", AddressClass::Public),
            ("127.0.0.1", AddressClass::Loopback),
            ("127.255.0.9", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("10.1.2.3", AddressClass::Private),
            ("172.16.0.1", AddressClass::Private),
            ("172.31.255.255", AddressClass::Private),
            ("172.32.0.1", AddressClass::Public),
            ("192.168.1.1", AddressClass::Private),
            ("100.64.0.1", AddressClass::SharedCgnat),
            ("100.127.255.254", AddressClass::SharedCgnat),
            ("100.128.0.1", AddressClass::Public),
            ("169.254.169.254", AddressClass::LinkLocal),
            ("fe80::1", AddressClass::LinkLocal),
            ("fd00::1", AddressClass::UniqueLocal),
            ("fc12::1", AddressClass::UniqueLocal),
            ("fec0::1", AddressClass::UniqueLocal),
            ("224.0.0.1", AddressClass::Multicast),
            ("ff02::1", AddressClass::Multicast),
            ("0.0.0.0", AddressClass::Unspecified),
            ("0.1.2.3", AddressClass::Unspecified),
            ("::", AddressClass::Unspecified),
            ("255.255.255.255", AddressClass::Reserved),
            ("192.0.2.10", AddressClass::Reserved),
            ("198.18.0.1", AddressClass::Reserved),
            ("2001:db8::1", AddressClass::Reserved),
            // IPv4 embedded in IPv6 is judged by the IPv4 address.
            ("::ffff:127.0.0.1", AddressClass::Loopback),
            ("::ffff:10.0.0.1", AddressClass::Private),
            ("::ffff:8.8.8.8", AddressClass::Public),
            ("64:ff9b::a9fe:a9fe", AddressClass::LinkLocal),
            ("2002:c0a8:0101::1", AddressClass::Private),
        ] {
            assert_eq!(classify(ip(address)), class, "{address}");
        }
    }

    #[test]
    fn the_policy_refuses_non_public_addresses_unless_allowed() {
        let strict = policy();
        assert!(strict.check_address("cdn.example", ip("8.8.8.8")).is_ok());
        for address in [
            "127.0.0.1",
            "10.0.0.1",
            "169.254.169.254",
            "fd00::1",
            "100.64.1.1",
            "224.0.0.1",
            "0.0.0.0",
            "::ffff:192.168.0.1",
        ] {
            let refusal = strict
                .check_address("cdn.example", ip(address))
                .expect_err(address);
            assert!(matches!(refusal, FetchError::Refused(_)), "{address}");
            assert!(refusal.to_string().contains(address), "{refusal}");
        }

        let dev = FetchPolicy {
            allow_loopback: true,
            ..policy()
        };
        assert!(dev.check_address("localhost", ip("127.0.0.1")).is_ok());
        assert!(dev.check_address("localhost", ip("::1")).is_ok());
        assert!(dev.check_address("x", ip("10.0.0.1")).is_err());

        let private = FetchPolicy {
            allow_private: true,
            ..policy()
        };
        for address in [
            "10.0.0.1",
            "192.168.3.4",
            "fd00::1",
            "100.64.0.1",
            "127.0.0.1",
        ] {
            assert!(private.check_address("x", ip(address)).is_ok(), "{address}");
        }
        // Link-local (cloud metadata) and non-unicast stay refused.
        for address in ["169.254.169.254", "fe80::1", "224.0.0.1", "0.0.0.0"] {
            assert!(
                private.check_address("x", ip(address)).is_err(),
                "{address}"
            );
        }

        let listed = FetchPolicy {
            allow_hosts: vec!["media.internal".into(), "169.254.169.254".into()],
            ..policy()
        };
        assert!(listed
            .check_address("Media.Internal.", ip("10.0.0.1"))
            .is_ok());
        assert!(listed
            .check_address("169.254.169.254", ip("169.254.169.254"))
            .is_ok());
        assert!(listed
            .check_address("other.internal", ip("10.0.0.1"))
            .is_err());
    }

    #[test]
    fn uris_must_be_https_except_loopback_http_in_dev_mode() {
        let strict = policy();
        assert!(strict.check_uri("https://cdn.example/a.wav").is_ok());
        assert!(strict.check_uri("https://8.8.8.8/a.wav").is_ok());
        for bad in [
            "http://cdn.example/a.wav",
            "http://127.0.0.1:8080/a.wav",
            "ftp://cdn.example/a.wav",
            "file:///etc/passwd",
            "not a url",
            "https://user:pw@cdn.example/a.wav",
        ] {
            assert!(
                matches!(strict.check_uri(bad), Err(FetchError::BadUri(_))),
                "{bad}"
            );
        }
        for literal in [
            "https://10.0.0.1/a.wav",
            "https://[::1]/a.wav",
            "https://169.254.169.254/latest/meta-data",
            "https://[::ffff:127.0.0.1]/a.wav",
        ] {
            assert!(
                matches!(strict.check_uri(literal), Err(FetchError::Refused(_))),
                "{literal}"
            );
        }
        let dev = FetchPolicy {
            allow_loopback: true,
            ..policy()
        };
        assert!(dev.check_uri("http://127.0.0.1:8080/a.wav").is_ok());
        assert!(dev.check_uri("http://localhost:8080/a.wav").is_ok());
        assert!(dev.check_uri("http://[::1]:8080/a.wav").is_ok());
        assert!(matches!(
            dev.check_uri("http://10.0.0.1/a.wav"),
            Err(FetchError::BadUri(_))
        ));
        assert!(matches!(
            dev.check_uri("http://cdn.example/a.wav"),
            Err(FetchError::BadUri(_))
        ));
        assert!(matches!(
            dev.check_uri("https://192.168.0.1/a.wav"),
            Err(FetchError::Refused(_))
        ));
    }

    #[test]
    fn the_cache_prefers_the_resource_id_expires_uris_and_stays_bounded() {
        let cache = PromptCache::default();
        let now = Instant::now();
        let a = Arc::new(Prompt::from_samples(vec![1i16; 320]));
        let b = Arc::new(Prompt::from_samples(vec![2i16; 320]));
        let first = MediaRef {
            uri: "https://cdn.example/a.wav".into(),
            cache_key: Some("tenant/app/res-1".into()),
        };
        cache.insert_at(&first, a.clone(), now);
        // Same resourceId, another URI: the cached prompt wins (preFetchMedia semantics).
        let same_key = MediaRef {
            uri: "https://cdn.example/other.wav".into(),
            cache_key: Some("tenant/app/res-1".into()),
        };
        assert!(Arc::ptr_eq(&cache.get_at(&same_key, now).expect("hit"), &a));
        // By URI alone while fresh, not after the TTL.
        let by_uri_only = MediaRef::uri("https://cdn.example/a.wav");
        assert!(cache.get_at(&by_uri_only, now).is_some());
        assert!(cache.get_at(&by_uri_only, now + URI_TTL).is_none());
        // The keyed entry does not expire.
        assert!(cache.get_at(&same_key, now + URI_TTL * 10).is_some());
        // Another tenant's key does not see it.
        let foreign = MediaRef {
            uri: "https://cdn.example/x.wav".into(),
            cache_key: Some("other/app/res-1".into()),
        };
        assert!(cache.get_at(&foreign, now).is_none());
        // Bounded: many URIs push the least recently used out.
        for i in 0..(CACHE_ENTRIES + 10) {
            cache.insert_at(
                &MediaRef::uri(format!("https://cdn.example/{i}.wav")),
                b.clone(),
                now,
            );
        }
        assert!(cache.len() <= CACHE_ENTRIES);
        assert!(cache.get_at(&first, now).is_none());
    }

    // ---- against a real local HTTP server --------------------------------------------------

    fn wav(seconds: f32) -> Vec<u8> {
        let frames = (16_000.0 * seconds) as usize;
        let samples: Vec<f32> = (0..frames)
            .map(|i| ((i as f32) * 0.07).sin() * 0.4)
            .collect();
        let spec = ringside_audio::WavSpec {
            sample_rate: 16_000,
            channels: 1,
            format: ringside_audio::SampleFormat::I16,
            extensible: false,
        };
        ringside_audio::wav::encode(spec, &samples).expect("encode")
    }

    /// Serves `/ok.wav`, `/huge` (with and without Content-Length), `/slow`, `/text`, `/missing`,
    /// `/loop` (redirects to itself), `/to-private` and `/to-ok`; counts requests.
    async fn server() -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
        use axum::body::Body;
        use axum::http::{header, StatusCode};
        use axum::response::{IntoResponse, Response};
        use axum::routing::get;
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = hits.clone();
        let ok = wav(0.5);
        let app = axum::Router::new()
            .route("/ok.wav", get(move || async move { ok.clone() }))
            .route("/huge", get(|| async { vec![0u8; 2 << 20] }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "late"
                }),
            )
            .route("/text", get(|| async { "this is not a WAV file at all" }))
            .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
            .route(
                "/loop",
                get(|| async {
                    Response::builder()
                        .status(StatusCode::FOUND)
                        .header(header::LOCATION, "/loop")
                        .body(Body::empty())
                        .expect("response")
                }),
            )
            .route(
                "/to-private",
                get(|| async {
                    (
                        StatusCode::FOUND,
                        [(header::LOCATION, "http://10.1.2.3/a.wav")],
                    )
                        .into_response()
                }),
            )
            .route(
                "/to-ok",
                get(|| async {
                    (StatusCode::FOUND, [(header::LOCATION, "/ok.wav")]).into_response()
                }),
            )
            .layer(axum::middleware::from_fn(
                move |request: axum::extract::Request, next: axum::middleware::Next| {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    next.run(request)
                },
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (addr, hits)
    }

    /// A server that answers every request with a chunked body of 4 MiB (no Content-Length).
    async fn chunked_server() -> SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = [0u8; 4096];
                    let _ = socket.read(&mut request).await;
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\ntransfer-encoding: chunked\r\n\r\n";
                    if socket.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    let chunk = vec![0u8; 64 << 10];
                    for _ in 0..64 {
                        let size = format!("{:x}\r\n", chunk.len());
                        if socket.write_all(size.as_bytes()).await.is_err()
                            || socket.write_all(&chunk).await.is_err()
                            || socket.write_all(b"\r\n").await.is_err()
                        {
                            return;
                        }
                    }
                    let _ = socket.write_all(b"0\r\n\r\n").await;
                });
            }
        });
        addr
    }

    fn dev_fetcher(max_bytes: usize, timeout: Duration) -> PromptFetcher {
        PromptFetcher::new(
            FetchPolicy {
                allow_loopback: true,
                max_bytes,
                timeout,
                ..policy()
            },
            &[],
            Arc::new(PromptCache::default()),
        )
        .expect("fetcher")
    }

    #[tokio::test]
    async fn a_loopback_wav_is_fetched_decoded_and_cached_in_dev_mode() {
        let (addr, hits) = server().await;
        let fetcher = dev_fetcher(1 << 20, Duration::from_secs(5));
        let media = MediaRef {
            uri: format!("http://{addr}/ok.wav"),
            cache_key: Some("t/a/beep".into()),
        };
        let prompt = fetcher.fetch(&media).await.expect("fetched");
        assert_eq!(prompt.duration_ms(), 500);
        let again = fetcher.fetch(&media).await.expect("cached");
        assert!(Arc::ptr_eq(&prompt, &again));
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
        // The runtime's synchronous lookup sees it, also by resourceId alone with another URI.
        assert!(fetcher
            .cache()
            .get(&MediaRef {
                uri: "https://elsewhere.example/x.wav".into(),
                cache_key: Some("t/a/beep".into()),
            })
            .is_some());
        // `localhost` goes through the guarded resolver; a redirect is followed.
        let by_name = fetcher
            .fetch(&MediaRef::uri(format!(
                "http://localhost:{}/to-ok",
                addr.port()
            )))
            .await
            .expect("by name, redirected");
        assert_eq!(by_name.duration_ms(), 500);
    }

    #[tokio::test]
    async fn bad_prompts_fail_with_a_precise_error() {
        let (addr, _) = server().await;
        let fetcher = dev_fetcher(1 << 20, Duration::from_millis(800));
        let fetch = |path: &str| {
            let media = MediaRef::uri(format!("http://{addr}{path}"));
            let fetcher = &fetcher;
            async move { fetcher.fetch(&media).await.expect_err("fails") }
        };
        assert!(matches!(fetch("/huge").await, FetchError::TooLarge(_)));
        let chunked = chunked_server().await;
        assert!(matches!(
            fetcher
                .fetch(&MediaRef::uri(format!("http://{chunked}/any.wav")))
                .await,
            Err(FetchError::TooLarge(_))
        ));
        let started = Instant::now();
        assert!(matches!(fetch("/slow").await, FetchError::Timeout(_)));
        assert!(started.elapsed() < Duration::from_secs(5));
        match fetch("/text").await {
            FetchError::NotWav(message) => assert!(message.contains("RIFF"), "{message}"),
            other => panic!("expected NotWav, got {other:?}"),
        }
        match fetch("/missing").await {
            FetchError::Http(message) => assert!(message.contains("404"), "{message}"),
            other => panic!("expected Http, got {other:?}"),
        }
        match fetch("/loop").await {
            FetchError::Http(message) => assert!(message.contains("redirected"), "{message}"),
            other => panic!("expected a redirect error, got {other:?}"),
        }
        assert!(matches!(fetch("/to-private").await, FetchError::BadUri(_)));
    }

    #[tokio::test]
    async fn outside_dev_mode_loopback_hosts_are_refused_after_resolution() {
        let (addr, hits) = server().await;
        let strict =
            PromptFetcher::new(policy(), &[], Arc::new(PromptCache::default())).expect("fetcher");
        // http is refused outright; https to a name resolving to loopback is refused by the
        // resolver before any connection is made.
        assert!(matches!(
            strict
                .fetch(&MediaRef::uri(format!("http://{addr}/ok.wav")))
                .await,
            Err(FetchError::BadUri(_))
        ));
        match strict
            .fetch(&MediaRef::uri(format!(
                "https://localhost:{}/ok.wav",
                addr.port()
            )))
            .await
        {
            Err(FetchError::Refused(message)) => {
                assert!(message.contains("loopback"), "{message}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
        // Listed hosts are allowed whatever they resolve to (here: plain http is still refused,
        // https reaches the resolver and then fails the TLS handshake with the http server).
        let listed = PromptFetcher::new(
            FetchPolicy {
                allow_hosts: vec!["localhost".into()],
                ..policy()
            },
            &[],
            Arc::new(PromptCache::default()),
        )
        .expect("fetcher");
        assert!(matches!(
            listed
                .fetch(&MediaRef::uri(format!(
                    "https://localhost:{}/ok.wav",
                    addr.port()
                )))
                .await,
            Err(FetchError::Http(_))
        ));
    }

    /// A local CA (PEM) and a rustls server config for `127.0.0.1`/`localhost` signed by it, as
    /// the server's local CA issues them.
    fn local_ca() -> (Vec<u8>, rustls::ServerConfig) {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).expect("CA");
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().expect("server key");
        let params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("server params");
        let cert = params.signed_by(&key, &issuer).expect("server certificate");
        let chain = vec![cert.der().clone(), ca.der().clone()];
        let private = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der())
            .expect("server key DER");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .expect("server config");
        (ca.pem().into_bytes(), config)
    }

    /// An https server with a certificate issued by a local CA (like the platform's), serving one
    /// WAV to every request over HTTP/1.1.
    async fn local_ca_https_server(_dir: &std::path::Path) -> (SocketAddr, Vec<u8>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (ca, mut config) = local_ca();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let body = wav(0.25);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let body = body.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    let mut request = [0u8; 4096];
                    let _ = tls.read(&mut request).await;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = tls.write_all(head.as_bytes()).await;
                    let _ = tls.write_all(&body).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        (addr, ca)
    }

    #[tokio::test]
    async fn https_prompt_hosts_with_a_local_ca_certificate_are_trusted_when_given_the_ca() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (addr, ca) = local_ca_https_server(dir.path()).await;
        let uri = format!("https://localhost:{}/beep.wav", addr.port());
        let dev = FetchPolicy {
            allow_loopback: true,
            ..policy()
        };
        let trusting = PromptFetcher::new(dev.clone(), &[ca], Arc::new(PromptCache::default()))
            .expect("fetcher");
        let prompt = trusting
            .fetch(&MediaRef::uri(uri.clone()))
            .await
            .expect("fetched over https");
        assert_eq!(prompt.duration_ms(), 250);
        // Without the CA the certificate is not trusted.
        let public_roots_only =
            PromptFetcher::new(dev, &[], Arc::new(PromptCache::default())).expect("fetcher");
        match public_roots_only.fetch(&MediaRef::uri(uri)).await {
            Err(FetchError::Http(message)) => {
                assert!(
                    message.to_ascii_lowercase().contains("certificate"),
                    "{message}"
                )
            }
            other => panic!("expected a TLS failure, got {other:?}"),
        }
    }

    /// Figures, not a check: `cargo test -p ringside-server --lib fetch_figures -- --ignored
    /// --nocapture` prints cold fetch+decode and cached lookup times over loopback.
    #[tokio::test]
    #[ignore]
    async fn fetch_figures() {
        use axum::routing::get;
        let encode = |rate: u32, channels: u16, seconds: usize| {
            let samples: Vec<f32> = (0..rate as usize * seconds * usize::from(channels))
                .map(|i| ((i as f32) * 0.03).sin() * 0.4)
                .collect();
            let spec = ringside_audio::WavSpec {
                sample_rate: rate,
                channels,
                format: ringside_audio::SampleFormat::I16,
                extensible: false,
            };
            ringside_audio::wav::encode(spec, &samples).expect("encode")
        };
        let mono = encode(16_000, 1, 10);
        let stereo = encode(48_000, 2, 10);
        let app = axum::Router::new()
            .route("/mono.wav", get(move || async move { mono.clone() }))
            .route("/stereo.wav", get(move || async move { stereo.clone() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        for path in ["mono.wav", "stereo.wav"] {
            let mut cold = Vec::new();
            let mut warm = Vec::new();
            for round in 0..10 {
                let fetcher = dev_fetcher(16 << 20, Duration::from_secs(10));
                let media = MediaRef::uri(format!("http://{addr}/{path}?{round}"));
                let started = Instant::now();
                fetcher.fetch(&media).await.expect("fetch");
                cold.push(started.elapsed());
                let started = Instant::now();
                fetcher.cache().get(&media).expect("cached");
                warm.push(started.elapsed());
            }
            cold.sort();
            warm.sort();
            println!(
                "{path} (10 s): cold fetch+decode median {:?} max {:?}; cached lookup median {:?}",
                cold[cold.len() / 2],
                cold[cold.len() - 1],
                warm[warm.len() / 2]
            );
        }
    }
}
