//! RSA-2048 signing keys, their public JWK form (RFC 7517) with RFC 7638 thumbprint kids, and the JWKS key set.

use crate::clip::clip;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::pkcs8::der::zeroize::Zeroizing;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Modulus size of generated keys.
pub const KEY_BITS: usize = 2048;
/// Largest modulus accepted from PEM or JWK input (bounds verification cost).
const MAX_KEY_BITS: usize = 8192;

/// Errors from creating, loading or importing keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// RSA key generation failed (the RNG or the prime search).
    #[error("RSA key generation failed: {0}")]
    Generate(String),
    /// The PEM text is not a PKCS#8 RSA private key.
    #[error("not a PKCS#8 RSA private key PEM: {0}")]
    Pem(String),
    /// The key is shorter than 2048 bits or absurdly long.
    #[error("RSA key of {0} bits is not accepted (need 2048 to 8192)")]
    Size(usize),
    /// A JWK could not be turned into an RSA public key.
    #[error("unusable JWK: {0}")]
    Jwk(String),
    /// A JWKS document could not be parsed.
    #[error("not a JWKS document: {0}")]
    Jwks(String),
}

/// An RSA private key used to sign RS256 tokens, with its precomputed kid.
///
/// `Debug` shows only the kid; the private key is never printed.
#[derive(Clone)]
pub struct SigningKey {
    private: RsaPrivateKey,
    /// PKCS#8 PEM, encoded once on construction so that exporting cannot fail later.
    pem: Zeroizing<String>,
    jwk: Jwk,
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key from the caller's cryptographic RNG.
    pub fn generate(
        rng: &mut (impl rand::CryptoRng + rand::RngCore),
    ) -> Result<SigningKey, KeyError> {
        let private =
            RsaPrivateKey::new(rng, KEY_BITS).map_err(|e| KeyError::Generate(e.to_string()))?;
        SigningKey::from_private(private)
    }

    /// Loads a key written by [`SigningKey::to_pkcs8_pem`] (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let private =
            RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| KeyError::Pem(e.to_string()))?;
        private
            .validate()
            .map_err(|e| KeyError::Pem(e.to_string()))?;
        SigningKey::from_private(private)
    }

    /// The private key as PKCS#8 PEM with LF line endings, for the server's data directory.
    ///
    /// The text is secret: write it with owner-only permissions.
    pub fn to_pkcs8_pem(&self) -> String {
        self.pem.as_str().to_owned()
    }

    /// The RFC 7638 JWK thumbprint (base64url SHA-256 of `{"e","kty","n"}`), used as `kid`.
    pub fn kid(&self) -> &str {
        &self.jwk.kid
    }

    /// The public half as a JWK (`kty` RSA, `use` sig, `alg` RS256, `kid`, `n`, `e`).
    pub fn public_jwk(&self) -> Jwk {
        self.jwk.clone()
    }

    pub(crate) fn private(&self) -> &RsaPrivateKey {
        &self.private
    }

    fn from_private(private: RsaPrivateKey) -> Result<SigningKey, KeyError> {
        let bits = private.size() * 8;
        if !(KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
            return Err(KeyError::Size(bits));
        }
        let pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::Pem(e.to_string()))?;
        let jwk = Jwk::from_public(&private.to_public_key());
        Ok(SigningKey { private, pem, jwk })
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.jwk.kid)
            .finish_non_exhaustive()
    }
}

/// A public RSA signing key in JWK form, as served in the JWKS document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Always `RSA`.
    pub kty: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// Always `RS256`.
    #[serde(default = "default_alg")]
    pub alg: String,
    /// Key id; for Ringside's own keys the RFC 7638 thumbprint.
    pub kid: String,
    /// Modulus, base64url big-endian without padding.
    pub n: String,
    /// Public exponent, base64url big-endian without padding (`AQAB`).
    pub e: String,
}

fn default_alg() -> String {
    "RS256".to_owned()
}

impl Jwk {
    fn from_public(public: &RsaPublicKey) -> Jwk {
        let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
        let kid = rfc7638_thumbprint(&n, &e);
        Jwk {
            kty: "RSA".to_owned(),
            use_: "sig".to_owned(),
            alg: "RS256".to_owned(),
            kid,
            n,
            e,
        }
    }

    /// The RFC 7638 thumbprint of this key's `n` and `e` (independent of the stated `kid`).
    pub fn thumbprint(&self) -> String {
        rfc7638_thumbprint(&self.n, &self.e)
    }

    fn to_public_key(&self) -> Result<RsaPublicKey, KeyError> {
        if self.kty != "RSA" {
            return Err(KeyError::Jwk(format!(
                "kty is '{}', expected RSA",
                clip(&self.kty, 64)
            )));
        }
        if self.alg != "RS256" {
            return Err(KeyError::Jwk(format!(
                "alg is '{}', expected RS256",
                clip(&self.alg, 64)
            )));
        }
        let n = URL_SAFE_NO_PAD
            .decode(&self.n)
            .map_err(|e| KeyError::Jwk(format!("n: {e}")))?;
        let e = URL_SAFE_NO_PAD
            .decode(&self.e)
            .map_err(|e| KeyError::Jwk(format!("e: {e}")))?;
        if n.len() * 8 > MAX_KEY_BITS + 8 || e.len() > 8 {
            return Err(KeyError::Jwk("n or e is too long".to_owned()));
        }
        let public = RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e))
            .map_err(|e| KeyError::Jwk(e.to_string()))?;
        let bits = public.size() * 8;
        if !(KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
            return Err(KeyError::Size(bits));
        }
        Ok(public)
    }
}

/// RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace.
fn rfc7638_thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The verification keys the token service publishes at `jwks_uri`: the current key plus any
/// previous keys kept during rotation. Serializes as `{"keys":[…]}`.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<(Jwk, RsaPublicKey)>,
}

impl KeySet {
    /// An empty set (verifies nothing).
    pub fn new() -> KeySet {
        KeySet::default()
    }

    /// A set holding the public halves of `keys`, in order (put the current signing key first).
    pub fn from_signing_keys<'a>(keys: impl IntoIterator<Item = &'a SigningKey>) -> KeySet {
        let mut set = KeySet::new();
        for key in keys {
            set.insert(key);
        }
        set
    }

    /// Adds (or replaces, by kid) the public half of a signing key.
    pub fn insert(&mut self, key: &SigningKey) {
        self.put(key.public_jwk(), key.private().to_public_key());
    }

    /// Adds (or replaces, by kid) a public JWK, e.g. one read back from a JWKS document.
    pub fn insert_jwk(&mut self, jwk: Jwk) -> Result<(), KeyError> {
        let public = jwk.to_public_key()?;
        self.put(jwk, public);
        Ok(())
    }

    /// Parses a JWKS document (`{"keys":[…]}`); every key must be an RS256 RSA key.
    pub fn from_jwks_json(text: &str) -> Result<KeySet, KeyError> {
        #[derive(Deserialize)]
        struct Document {
            keys: Vec<Jwk>,
        }
        let document: Document =
            serde_json::from_str(text).map_err(|e| KeyError::Jwks(e.to_string()))?;
        let mut set = KeySet::new();
        for jwk in document.keys {
            set.insert_jwk(jwk)?;
        }
        Ok(set)
    }

    /// Removes the key with this kid; returns whether one was present.
    pub fn remove(&mut self, kid: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|(jwk, _)| jwk.kid != kid);
        self.keys.len() != before
    }

    /// The JWK with this kid.
    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.keys
            .iter()
            .find(|(jwk, _)| jwk.kid == kid)
            .map(|(jwk, _)| jwk)
    }

    /// The JWKs in publication order.
    pub fn jwks(&self) -> impl Iterator<Item = &Jwk> {
        self.keys.iter().map(|(jwk, _)| jwk)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The JWKS document as JSON (`{"keys":[…]}`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "keys": self.jwks().collect::<Vec<_>>() })
    }

    pub(crate) fn public_key(&self, kid: &str) -> Option<&RsaPublicKey> {
        self.keys
            .iter()
            .find(|(jwk, _)| jwk.kid == kid)
            .map(|(_, key)| key)
    }

    fn put(&mut self, jwk: Jwk, public: RsaPublicKey) {
        self.keys.retain(|(existing, _)| existing.kid != jwk.kid);
        self.keys.push((jwk, public));
    }
}

impl Serialize for KeySet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut document = serializer.serialize_struct("KeySet", 1)?;
        document.serialize_field("keys", &self.jwks().collect::<Vec<_>>())?;
        document.end()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng as _;
    use std::sync::OnceLock;

    /// Two deterministic test keys shared by every test module in the crate.
    pub(crate) fn test_keys() -> &'static (SigningKey, SigningKey) {
        static KEYS: OnceLock<(SigningKey, SigningKey)> = OnceLock::new();
        KEYS.get_or_init(|| {
            let mut rng = StdRng::seed_from_u64(0x5249_4e47);
            let first = SigningKey::generate(&mut rng).expect("test key generation");
            let second = SigningKey::generate(&mut rng).expect("test key generation");
            (first, second)
        })
    }

    #[test]
    fn generated_key_is_2048_bits_with_standard_exponent() {
        let (key, _) = test_keys();
        let jwk = key.public_jwk();
        assert_eq!(jwk.kty, "RSA");
        assert_eq!(jwk.use_, "sig");
        assert_eq!(jwk.alg, "RS256");
        assert_eq!(jwk.e, "AQAB");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(&jwk.n)
                .expect("n is base64url")
                .len(),
            256
        );
        assert_eq!(jwk.kid, key.kid());
    }

    #[test]
    fn kid_is_the_rfc7638_thumbprint() {
        // RFC 7638 §3.1 example key and its published thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            rfc7638_thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn kid_is_stable_across_pem_round_trip() {
        let (key, _) = test_keys();
        let pem = key.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let loaded = SigningKey::from_pkcs8_pem(&pem).expect("round trip");
        assert_eq!(loaded.kid(), key.kid());
        assert_eq!(loaded.public_jwk(), key.public_jwk());
        assert_eq!(loaded.to_pkcs8_pem(), pem);
    }

    #[test]
    fn bad_pem_is_an_error() {
        assert!(matches!(
            SigningKey::from_pkcs8_pem(""),
            Err(KeyError::Pem(_))
        ));
        assert!(matches!(
            SigningKey::from_pkcs8_pem(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            ),
            Err(KeyError::Pem(_))
        ));
    }

    #[test]
    fn debug_does_not_leak_the_private_key() {
        let (key, _) = test_keys();
        let debug = format!("{key:?}");
        assert!(debug.contains(key.kid()));
        assert!(debug.len() < 120, "{debug}");
    }

    #[test]
    fn key_set_serializes_as_jwks_and_reads_back() {
        let (first, second) = test_keys();
        let set = KeySet::from_signing_keys([first, second]);
        assert_eq!(set.len(), 2);
        let json = serde_json::to_value(&set).expect("serialize");
        assert_eq!(json, set.to_json());
        let keys = json["keys"].as_array().expect("keys array");
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0]["kid"], first.kid());
        assert_eq!(keys[0]["use"], "sig");
        assert_eq!(keys[1]["kid"], second.kid());

        let back = KeySet::from_jwks_json(&json.to_string()).expect("parse JWKS");
        assert_eq!(back.get(first.kid()), Some(&first.public_jwk()));
        assert_eq!(back.get(second.kid()), Some(&second.public_jwk()));
        assert!(back.get("nope").is_none());
    }

    #[test]
    fn key_set_replaces_by_kid_and_removes() {
        let (first, second) = test_keys();
        let mut set = KeySet::new();
        assert!(set.is_empty());
        set.insert(first);
        set.insert(first);
        assert_eq!(set.len(), 1);
        set.insert(second);
        assert!(set.remove(first.kid()));
        assert!(!set.remove(first.kid()));
        assert_eq!(
            set.jwks().map(|jwk| jwk.kid.as_str()).collect::<Vec<_>>(),
            [second.kid()]
        );
    }

    #[test]
    fn unusable_jwks_are_rejected() {
        let (key, _) = test_keys();
        let mut jwk = key.public_jwk();
        jwk.kty = "EC".to_owned();
        assert!(matches!(
            KeySet::new().insert_jwk(jwk),
            Err(KeyError::Jwk(_))
        ));
        let mut short = key.public_jwk();
        short.n = URL_SAFE_NO_PAD.encode([0xC5u8; 64]);
        assert!(matches!(
            KeySet::new().insert_jwk(short),
            Err(KeyError::Size(512))
        ));
        let mut bad = key.public_jwk();
        bad.n = "!!!".to_owned();
        assert!(KeySet::new().insert_jwk(bad).is_err());
        assert!(matches!(
            KeySet::from_jwks_json("{}"),
            Err(KeyError::Jwks(_))
        ));
        assert!(matches!(
            KeySet::from_jwks_json("not json"),
            Err(KeyError::Jwks(_))
        ));
    }
}
