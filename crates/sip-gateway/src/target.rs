//! Where an outgoing INVITE goes: a [`Target`] (Request-URI and transport peer), and for a trunk
//! what its gateway record says about credentials, failover and P-Asserted-Identity ([`Trunk`]).

use ringside_sip::auth::client::Credentials;
use ringside_sip::Uri;

use crate::transport::Peer;

/// One place to send an outgoing INVITE.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// The Request-URI.
    pub uri: Uri,
    /// Where it goes.
    pub peer: Peer,
    /// The trunk, when it is one: its fqdn, credentials and failover codes.
    pub trunk: Option<Trunk>,
}

/// What a trunk target carries.
#[derive(Clone, Debug)]
pub(crate) struct Trunk {
    /// The gateway's identity.
    pub fqdn: String,
    /// Digest credentials for its challenges.
    pub credentials: Option<Credentials>,
    /// Status codes that move to the next gateway.
    pub failover: String,
    /// No response beyond 100 within this long moves to the next gateway.
    pub failover_time: std::time::Duration,
    /// Send the caller's number in P-Asserted-Identity.
    pub forward_pai: bool,
}
