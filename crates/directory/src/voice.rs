//! Direct Routing's records, exactly as they are stored: PSTN gateways (trunks), the tenant's PSTN
//! usage list, voice routes, voice routing policies and their grants, and users' SIP credentials;
//! plus the compiled number patterns the directory keeps beside the routes.

use std::collections::BTreeMap;
use std::fmt;

use ringside_model::{Guid, TenantId, UserId};

/// The name of the voice routing policy every tenant has, granted to nobody explicitly.
pub const GLOBAL_POLICY: &str = "Global";

/// How Ringside reaches a gateway (a Ringside extension: Teams speaks TLS only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SipTransport {
    Udp,
    Tcp,
    Tls,
}

impl SipTransport {
    /// `udp`, `tcp` or `tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            SipTransport::Udp => "udp",
            SipTransport::Tcp => "tcp",
            SipTransport::Tls => "tls",
        }
    }

    /// Parses `udp`/`tcp`/`tls` (any ASCII case).
    pub fn parse(input: &str) -> Option<SipTransport> {
        [SipTransport::Udp, SipTransport::Tcp, SipTransport::Tls]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(input.trim()))
    }
}

impl fmt::Display for SipTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The digest credentials Ringside answers a gateway's 401/407 challenge with. Stored as given:
/// answering a challenge needs the password itself.
#[derive(Clone, PartialEq, Eq)]
pub struct DigestCredentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for DigestCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestCredentials")
            .field("username", &self.username)
            .field("password", &"…")
            .finish()
    }
}

/// `New-CsOnlinePSTNGateway`: one SBC or carrier trunk of a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PstnGateway {
    pub tenant: TenantId,
    /// The identity: a lower-cased FQDN, or an IP literal in its canonical text (IPv6 without
    /// brackets). Unique across the platform, so an inbound INVITE names one gateway.
    pub fqdn: String,
    /// 1..=65535; Teams' default 5061.
    pub sip_signaling_port: u16,
    pub transport: SipTransport,
    /// Teams' default: false (a new gateway carries no calls until enabled).
    pub enabled: bool,
    /// 1..=100000 when set.
    pub max_concurrent_sessions: Option<u32>,
    pub send_sip_options: bool,
    pub forward_pai: bool,
    /// SIP response codes (400..=699) that make an outbound call try the next gateway.
    pub failover_response_codes: Vec<u16>,
    /// Seconds without an answer before the next gateway is tried.
    pub failover_time_seconds: u32,
    pub description: String,
    pub credentials: Option<DigestCredentials>,
}

impl PstnGateway {
    /// A gateway with Teams' defaults (port 5061, disabled, OPTIONS on, no PAI, failover on
    /// 408/503/504 after 10 s) and TLS.
    pub fn with_defaults(tenant: TenantId, fqdn: impl Into<String>) -> PstnGateway {
        PstnGateway {
            tenant,
            fqdn: fqdn.into(),
            sip_signaling_port: 5061,
            transport: SipTransport::Tls,
            enabled: false,
            max_concurrent_sessions: None,
            send_sip_options: true,
            forward_pai: false,
            failover_response_codes: vec![408, 503, 504],
            failover_time_seconds: 10,
            description: String::new(),
            credentials: None,
        }
    }

    /// The failover codes as Teams writes them: `408,503,504`.
    pub fn failover_codes_text(&self) -> String {
        join_codes(&self.failover_response_codes)
    }
}

/// Codes joined by commas.
pub fn join_codes(codes: &[u16]) -> String {
    codes
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// `New-CsOnlineVoiceRoute`: numbers matching `number_pattern` go out through `gateways`, for the
/// policies carrying one of `usages`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceRoute {
    pub tenant: TenantId,
    /// The route's name, unique per tenant (case-insensitive).
    pub identity: String,
    /// A regular expression matched against the `+E.164` text (unanchored, as written).
    pub number_pattern: String,
    /// Gateway identities of this tenant, tried in this order.
    pub gateways: Vec<String>,
    /// Lower is tried first; ties are broken by identity.
    pub priority: u32,
    /// Usages from the tenant's list.
    pub usages: Vec<String>,
    pub description: String,
}

/// `New-CsOnlineVoiceRoutingPolicy`: an ordered list of usages. The `Global` policy exists
/// implicitly (with no usages) until it is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceRoutingPolicy {
    pub tenant: TenantId,
    /// The name (`Global`, or the name given without Teams' `Tag:` prefix); unique per tenant
    /// (case-insensitive).
    pub identity: String,
    pub usages: Vec<String>,
    pub description: String,
}

impl VoiceRoutingPolicy {
    /// The implicit Global policy of a tenant.
    pub fn global(tenant: TenantId) -> VoiceRoutingPolicy {
        VoiceRoutingPolicy {
            tenant,
            identity: GLOBAL_POLICY.to_string(),
            usages: Vec::new(),
            description: String::new(),
        }
    }

    /// Is this the tenant's Global policy?
    pub fn is_global(&self) -> bool {
        self.identity.eq_ignore_ascii_case(GLOBAL_POLICY)
    }
}

/// A user's SIP credential (a Ringside extension): a softphone registers with it. The password is
/// stored as given, since the digest realm is chosen by the gateway at run time.
#[derive(Clone, PartialEq, Eq)]
pub struct SipCredential {
    pub tenant: TenantId,
    pub user: UserId,
    /// Unique across the platform (case-insensitive).
    pub username: String,
    pub password: String,
}

impl fmt::Debug for SipCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SipCredential")
            .field("tenant", &self.tenant)
            .field("user", &self.user)
            .field("username", &self.username)
            .field("password", &"…")
            .finish()
    }
}

/// A voice routing policy granted to a user or an application instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyGrant {
    pub tenant: TenantId,
    pub account: Guid,
    /// The policy's identity as stored.
    pub policy: String,
}

/// Routes' compiled number patterns by (tenant, lower-cased identity), rebuilt by `apply`.
/// Derived from the routes, so it takes no part in equality.
#[derive(Clone, Debug, Default)]
pub(crate) struct CompiledPatterns(pub(crate) BTreeMap<(TenantId, String), regex::Regex>);

impl PartialEq for CompiledPatterns {
    fn eq(&self, _: &CompiledPatterns) -> bool {
        true
    }
}

impl Eq for CompiledPatterns {}

/// Longest number pattern accepted, in bytes.
pub const MAX_NUMBER_PATTERN: usize = 1024;

/// Compiles a number pattern with a bounded program size; `Err` is the regex crate's reason.
pub fn compile_number_pattern(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.len() > MAX_NUMBER_PATTERN {
        return Err(format!("at most {MAX_NUMBER_PATTERN} characters"));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            // The crate's syntax errors quote the pattern over several lines; keep the reason.
            let text = e.to_string();
            text.lines()
                .find_map(|line| line.trim().strip_prefix("error: "))
                .map(str::to_string)
                .unwrap_or_else(|| text.lines().last().unwrap_or("").trim().to_string())
        })
}

/// `Set-CsOnlinePSTNGateway`: the fields given as `Some` are replaced; an inner `None` clears an
/// optional field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayPatch {
    pub sip_signaling_port: Option<u16>,
    pub transport: Option<SipTransport>,
    pub enabled: Option<bool>,
    pub max_concurrent_sessions: Option<Option<u32>>,
    pub send_sip_options: Option<bool>,
    pub forward_pai: Option<bool>,
    pub failover_response_codes: Option<Vec<u16>>,
    pub failover_time_seconds: Option<u32>,
    pub description: Option<String>,
    pub credentials: Option<Option<DigestCredentials>>,
}

/// `Set-CsOnlineVoiceRoute`: the fields given as `Some` are replaced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoiceRoutePatch {
    pub number_pattern: Option<String>,
    pub gateways: Option<Vec<String>>,
    pub priority: Option<u32>,
    pub usages: Option<Vec<String>>,
    pub description: Option<String>,
}
