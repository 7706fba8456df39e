//! Compatibility with keys, JWKS documents and tokens written by the earlier `rsa` 0.9 implementation
//! (see `testdata/README.md`): data directories made before must keep working unchanged.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ringside_identity::{sign, verify, KeySet, SigningKey, Validation};
use serde_json::Value;

const KEY1_PEM: &str = include_str!("../testdata/rsa09-key1.pem");
const KEY2_PEM: &str = include_str!("../testdata/rsa09-key2.pem");
const JWKS: &str = include_str!("../testdata/rsa09-jwks.json");
const KEY1_JWT: &str = include_str!("../testdata/rsa09-key1.jwt");
const KEY2_JWT: &str = include_str!("../testdata/rsa09-key2.jwt");

const ISS: &str = "https://127.0.0.1:47443/aaaaaaaa-0000-4000-8000-00000000beef/v2.0";
const AUD: &str = "https://graph.microsoft.com";

fn keys() -> (SigningKey, SigningKey) {
    let first = SigningKey::from_pkcs8_pem(KEY1_PEM).expect("key 1 loads");
    let second = SigningKey::from_pkcs8_pem(KEY2_PEM).expect("key 2 loads");
    (first, second)
}

fn payload(token: &str) -> Value {
    let segment = token.split('.').nth(1).expect("payload segment");
    let bytes = URL_SAFE_NO_PAD.decode(segment).expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON payload")
}

#[test]
fn old_keys_load_with_the_same_kids_and_jwks() {
    let (first, second) = keys();
    let published: Value = serde_json::from_str(JWKS).expect("fixture JWKS");
    assert_eq!(published["keys"][0]["kid"], first.kid());
    assert_eq!(published["keys"][1]["kid"], second.kid());
    assert_eq!(first.kid(), "lrspqhkYR3pxuLS4hXI2mJLMdQmY88Xy3VJRINIQTwM");
    assert_eq!(first.kid(), first.public_jwk().thumbprint());
    let set = KeySet::from_signing_keys([&first, &second]);
    assert_eq!(serde_json::to_string(&set).expect("serialize"), JWKS);
    assert_eq!(set.to_json(), published);
}

#[test]
fn old_keys_export_the_same_pem() {
    let (first, second) = keys();
    assert_eq!(first.to_pkcs8_pem(), KEY1_PEM);
    assert_eq!(second.to_pkcs8_pem(), KEY2_PEM);
}

#[test]
fn old_tokens_verify_against_old_and_new_jwks() {
    let (first, second) = keys();
    let validation = Validation::new(1_795_000_010, [ISS], [AUD]);
    let from_document = KeySet::from_jwks_json(JWKS).expect("fixture JWKS parses");
    let from_keys = KeySet::from_signing_keys([&first, &second]);
    for token in [KEY1_JWT, KEY2_JWT] {
        let claims = verify(token, &from_document, &validation).expect("old token verifies");
        assert_eq!(Value::Object(claims), payload(token));
        assert!(verify(token, &from_keys, &validation).is_ok());
    }
}

#[test]
fn same_key_and_claims_sign_to_the_same_token() {
    let (first, second) = keys();
    for (key, token) in [(&first, KEY1_JWT), (&second, KEY2_JWT)] {
        assert_eq!(sign(key, &payload(token)).expect("sign"), token);
    }
}
