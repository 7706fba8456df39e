//! Ringside's token-service core: RS256 keys and JWKS, JWT signing and verification, Entra-shaped
//! app-only access tokens, OIDC discovery, client-credentials scope parsing, Entra OAuth error bodies,
//! client-secret hashing and the ACS HMAC scheme.
//!
//! Pure: no IO and no clock. Time (`now`, unix seconds), trace ids, timestamps and random number
//! generators are passed in by the caller; the one exception is RSA key generation, which AWS-LC does
//! with the operating system's RNG (see the security notes below).
//!
//! # Issuing a token (server side)
//!
//! ```no_run
//! use ringside_identity::*;
//! # fn demo(now: u64, ctx: &ErrorContext<'_>,
//! #         tenant: ringside_model::TenantId, app: ringside_model::AppId, sp: ringside_model::Guid,
//! #         stored_hash: &str, form_secret: &str, form_scope: &str, uti_bytes: [u8; 16])
//! #         -> Result<String, OAuthError> {
//! let key = SigningKey::generate().expect("keygen");             // once; persist key.to_pkcs8_pem()
//! let keys = KeySet::from_signing_keys([&key]);                   // serve keys.to_json() at jwks_uri
//! let discovery = openid_configuration("https://127.0.0.1:47443", &tenant.to_string());
//!
//! if !verify_secret(stored_hash, form_secret) {
//!     return Err(OAuthError::invalid_client_secret(app, ctx));
//! }
//! let resource = parse_scope(form_scope)
//!     .map_err(|e| OAuthError::invalid_scope(&e, &tenant.to_string(), ctx))?;
//! let issuer = issuer("https://127.0.0.1:47443", &tenant.to_string());
//! let claims = AccessTokenClaims::app_only(
//!     AppOnlyToken {
//!         issuer: &issuer,
//!         audience: resource.audience(),
//!         tenant,
//!         app,
//!         app_display_name: "Echo bot",
//!         service_principal: sp,
//!         roles: &[ringside_model::Permission::CallsInitiateAll],
//!         uti: &uti_from_bytes(uti_bytes),
//!     },
//!     now,
//!     3599,
//! );
//! let token = sign(&key, &claims).expect("RS256");
//!
//! // Later, on the Graph side:
//! let validation = Validation::new(now, [issuer], [Resource::Graph.audience()]);
//! let verified: AccessTokenClaims = verify_as(&token, &keys, &validation).expect("valid");
//! # let _ = (discovery, verified); Ok(token) }
//! ```
//!
//! # API
//!
//! Keys: [`SigningKey::generate`], [`SigningKey::from_pkcs8_pem`], [`SigningKey::to_pkcs8_pem`],
//! [`SigningKey::kid`] (RFC 7638 thumbprint), [`SigningKey::public_jwk`]; [`KeySet`] holds several
//! public keys for rotation and serializes as `{"keys":[…]}`.
//!
//! JWT ([`sign`], [`verify`], [`verify_as`]): RS256 only; [`Validation`] carries `now`, leeway, accepted
//! issuers and audiences; failures are [`TokenError`].
//!
//! Claims: [`AccessTokenClaims::app_only`] from [`AppOnlyToken`]; [`uti_from_bytes`].
//!
//! Discovery: [`openid_configuration`], [`issuer`].
//!
//! Scope: [`parse_scope`] → [`Resource`] (`audience()`), or [`ScopeError`] with its AADSTS code.
//!
//! Errors on the wire: [`OAuthError`] with one constructor per AADSTS case, [`ErrorContext`].
//!
//! Secrets: [`new_client_secret`], [`secret_hint`], [`new_salt`], [`hash_secret`], [`verify_secret`]
//! (salted SHA-256; see the module docs of `secret` for why not a slow KDF); [`constant_time_eq`] for
//! comparing any other secret (e.g. a bearer token).
//!
//! ACS HMAC: [`acs_string_to_sign`], [`acs_sign`], [`content_sha256`], [`acs_authorization`],
//! [`verify_acs_authorization`].
//!
//! # Security notes
//!
//! RS256 signing and verification use *ring*, whose RSA private-key operations are constant-time (the
//! `rsa` crate used before is affected by RUSTSEC-2023-0071, the Marvin timing side channel, with no
//! fixed release). *ring* cannot generate RSA keys, so [`SigningKey::generate`] uses AWS-LC
//! (`aws-lc-rs`), which draws from the operating system's RNG: key generation is the one operation
//! here that does not take its randomness from the caller.

mod acs;
mod claims;
mod clip;
mod ct;
mod discovery;
mod jwt;
mod key;
mod oauth_error;
mod scope;
mod secret;

pub use acs::{
    acs_authorization, acs_sign, acs_string_to_sign, content_sha256, verify_acs_authorization,
    AcsKeyError, ACS_SIGNED_HEADERS,
};
pub use claims::{uti_from_bytes, AccessTokenClaims, AppOnlyToken};
pub use ct::constant_time_eq;
pub use discovery::{issuer, openid_configuration};
pub use jwt::{
    sign, verify, verify_as, Claims, SignError, TokenError, Validation, DEFAULT_LEEWAY_SECS,
    MAX_TOKEN_LEN,
};
pub use key::{Jwk, KeyError, KeySet, SigningKey, KEY_BITS};
pub use oauth_error::{ErrorContext, OAuthError, ERROR_URI_BASE};
pub use scope::{parse_scope, Resource, ScopeError};
pub use secret::{
    hash_secret, new_client_secret, new_salt, secret_hint, verify_secret, SECRET_LEN,
};
