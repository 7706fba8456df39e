//! RSA-2048 signing keys, their public JWK form (RFC 7517) with RFC 7638 thumbprint kids, and the JWKS key set.
//!
//! RSA arithmetic is *ring*'s (constant-time, the same crate rustls uses here). *ring* cannot generate
//! RSA keys, so [`SigningKey::generate`] asks AWS-LC (`aws-lc-rs`) for a PKCS#8 key and loads that.

use crate::clip::clip;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Modulus size of generated keys.
pub const KEY_BITS: usize = 2048;
/// Largest modulus accepted from JWK input (bounds verification cost). Private keys loaded from PEM
/// are limited to 4096 bits by *ring*.
const MAX_KEY_BITS: usize = 8192;
/// Largest public exponent *ring* verifies with (2^33 - 1).
const MAX_EXPONENT: u64 = (1 << 33) - 1;
/// The PEM label of an unencrypted PKCS#8 private key.
const PKCS8_LABEL: &str = "PRIVATE KEY";

/// Errors from creating, loading or importing keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// RSA key generation failed (the RNG or the prime search).
    #[error("RSA key generation failed: {0}")]
    Generate(String),
    /// The PEM text is not a usable PKCS#8 RSA private key (2048 to 4096 bits, exponent at least 65537).
    #[error("not a PKCS#8 RSA private key PEM: {0}")]
    Pem(String),
    /// A public key is shorter than 2048 bits or absurdly long.
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
    pair: Arc<RsaKeyPair>,
    /// PKCS#8 PEM, encoded once on construction so that exporting cannot fail later.
    pem: Zeroizing<String>,
    jwk: Jwk,
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key (public exponent 65537).
    ///
    /// The primes come from AWS-LC's key generation, which draws from the operating system's RNG
    /// (AWS-LC takes no caller-supplied generator).
    pub fn generate() -> Result<SigningKey, KeyError> {
        use aws_lc_rs::encoding::AsDer as _;
        use aws_lc_rs::rsa::{KeyPair, KeySize};
        let generated =
            KeyPair::generate(KeySize::Rsa2048).map_err(|e| KeyError::Generate(e.to_string()))?;
        let pkcs8 = generated
            .as_der()
            .map_err(|e| KeyError::Generate(format!("PKCS#8 export: {e}")))?;
        SigningKey::from_pkcs8_der(pkcs8.as_ref()).map_err(KeyError::Generate)
    }

    /// Loads a key written by [`SigningKey::to_pkcs8_pem`] (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let block = pem::parse(pem).map_err(|e| KeyError::Pem(e.to_string()))?;
        if block.tag() != PKCS8_LABEL {
            return Err(KeyError::Pem(format!(
                "label is '{}', expected '{PKCS8_LABEL}'",
                clip(block.tag(), 64)
            )));
        }
        let der = Zeroizing::new(block.into_contents());
        SigningKey::from_pkcs8_der(&der).map_err(KeyError::Pem)
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

    /// The RSASSA-PKCS1-v1_5 SHA-256 signature of `message` (SHA-256 is computed here).
    pub(crate) fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        // ring's PKCS#1 v1.5 padding takes the RNG parameter but never draws from it: the signature
        // is deterministic.
        let rng = ring::rand::SystemRandom::new();
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &rng,
                message,
                &mut signature,
            )
            .map_err(|e| e.to_string())?;
        Ok(signature)
    }

    fn public_key(&self) -> PublicKey {
        PublicKey(RsaPublicKeyComponents::from(self.pair.public()))
    }

    /// *ring* validates the key (sizes, exponent, CRT consistency) while parsing it.
    fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, String> {
        let pair = RsaKeyPair::from_pkcs8(der).map_err(|e| format!("rejected: {e}"))?;
        let block = pem::Pem::new(PKCS8_LABEL, der);
        let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
        let pem = Zeroizing::new(pem::encode_config(&block, config));
        let jwk = Jwk::from_public(&RsaPublicKeyComponents::from(pair.public()));
        Ok(SigningKey {
            pair: Arc::new(pair),
            pem,
            jwk,
        })
    }
}

/// An RSA public key for RS256 verification: big-endian `n` and `e` without leading zeros.
#[derive(Debug, Clone)]
pub(crate) struct PublicKey(RsaPublicKeyComponents<Vec<u8>>);

impl PublicKey {
    /// Whether `signature` is this key's RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
    pub(crate) fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0
            .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
            .is_ok()
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
    fn from_public(public: &RsaPublicKeyComponents<Vec<u8>>) -> Jwk {
        let n = URL_SAFE_NO_PAD.encode(&public.n);
        let e = URL_SAFE_NO_PAD.encode(&public.e);
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

    fn to_public_key(&self) -> Result<PublicKey, KeyError> {
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
        let n = without_leading_zeros(&n);
        let e = without_leading_zeros(&e);
        let bits = n.len() * 8;
        if !(KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
            return Err(KeyError::Size(bits));
        }
        let exponent = e.iter().fold(0u64, |acc, byte| acc << 8 | u64::from(*byte));
        if !(3..=MAX_EXPONENT).contains(&exponent) || exponent % 2 == 0 {
            return Err(KeyError::Jwk(
                "e must be an odd exponent from 3 to 2^33-1".to_owned(),
            ));
        }
        Ok(PublicKey(RsaPublicKeyComponents {
            n: n.to_vec(),
            e: e.to_vec(),
        }))
    }
}

fn without_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|byte| *byte != 0)
        .unwrap_or(bytes.len());
    &bytes[start..]
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
    keys: Vec<(Jwk, PublicKey)>,
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
        self.put(key.public_jwk(), key.public_key());
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

    pub(crate) fn public_key(&self, kid: &str) -> Option<&PublicKey> {
        self.keys
            .iter()
            .find(|(jwk, _)| jwk.kid == kid)
            .map(|(_, key)| key)
    }

    fn put(&mut self, jwk: Jwk, public: PublicKey) {
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
    use std::sync::OnceLock;

    /// Two fixed test keys shared by every test module in the crate: the keys the `rsa` 0.9
    /// implementation generated from `StdRng::seed_from_u64(0x5249_4e47)` (see `testdata/`).
    pub(crate) fn test_keys() -> &'static (SigningKey, SigningKey) {
        static KEYS: OnceLock<(SigningKey, SigningKey)> = OnceLock::new();
        KEYS.get_or_init(|| {
            let first = SigningKey::from_pkcs8_pem(include_str!("../testdata/rsa09-key1.pem"))
                .expect("test key 1 loads");
            let second = SigningKey::from_pkcs8_pem(include_str!("../testdata/rsa09-key2.pem"))
                .expect("test key 2 loads");
            (first, second)
        })
    }

    /// One freshly generated key shared by the tests below (generation takes tens of milliseconds).
    fn generated_key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate().expect("key generation"))
    }

    #[test]
    fn generated_key_is_2048_bits_with_standard_exponent() {
        for key in [generated_key(), &test_keys().0] {
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
    }

    #[test]
    fn generated_keys_differ_and_sign_verifiably() {
        let key = generated_key();
        assert_ne!(key.kid(), test_keys().0.kid());
        let signature = key.sign_rs256(b"message").expect("sign");
        assert_eq!(signature.len(), 256);
        assert!(key.public_key().verify_rs256(b"message", &signature));
        assert!(!key.public_key().verify_rs256(b"massage", &signature));
        assert!(!test_keys()
            .0
            .public_key()
            .verify_rs256(b"message", &signature));
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
        for key in [&test_keys().0, generated_key()] {
            let pem = key.to_pkcs8_pem();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
            assert!(pem.ends_with("\n-----END PRIVATE KEY-----\n"));
            assert!(!pem.contains('\r'));
            let loaded = SigningKey::from_pkcs8_pem(&pem).expect("round trip");
            assert_eq!(loaded.kid(), key.kid());
            assert_eq!(loaded.public_jwk(), key.public_jwk());
            assert_eq!(loaded.to_pkcs8_pem(), pem);
        }
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
        let pem = test_keys().0.to_pkcs8_pem();
        let relabelled = pem.replace("PRIVATE KEY", "RSA PRIVATE KEY");
        assert!(matches!(
            SigningKey::from_pkcs8_pem(&relabelled),
            Err(KeyError::Pem(message)) if message.contains("RSA PRIVATE KEY")
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
        for e in ["", "Ag", "AQAA", "Aw_"] {
            let mut odd = key.public_jwk();
            odd.e = e.to_owned();
            assert!(KeySet::new().insert_jwk(odd).is_err(), "e {e:?}");
        }
    }

    #[test]
    fn jwk_with_leading_zero_bytes_is_the_same_key() {
        let (key, _) = test_keys();
        let mut padded = key.public_jwk();
        let mut n = vec![0u8];
        n.extend(URL_SAFE_NO_PAD.decode(&padded.n).expect("n is base64url"));
        padded.n = URL_SAFE_NO_PAD.encode(n);
        padded.e = URL_SAFE_NO_PAD.encode([0, 1, 0, 1]);
        let mut set = KeySet::new();
        set.insert_jwk(padded).expect("padded JWK is accepted");
        let signature = key.sign_rs256(b"message").expect("sign");
        let public = set.public_key(key.kid()).expect("kid present");
        assert!(public.verify_rs256(b"message", &signature));
    }
}
