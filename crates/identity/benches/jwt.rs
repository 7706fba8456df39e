//! Criterion benchmark of RS256 JWT signing and verification with a fixed RSA-2048 test key
//! (`testdata/rsa09-key1.pem`) and Entra-sized app-only claims.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ringside_identity::{sign, verify, KeySet, SigningKey, Validation};
use serde_json::json;

const KEY_PEM: &str = include_str!("../testdata/rsa09-key1.pem");
const ISS: &str = "https://127.0.0.1:47443/aaaaaaaa-0000-4000-8000-00000000beef/v2.0";
const AUD: &str = "https://graph.microsoft.com";
const NOW: u64 = 1_795_000_000;

fn rs256(c: &mut Criterion) {
    let key = SigningKey::from_pkcs8_pem(KEY_PEM).expect("the benchmark key loads");
    let keys = KeySet::from_signing_keys([&key]);
    let claims = json!({
        "aud": AUD, "iss": ISS, "iat": NOW, "nbf": NOW, "exp": NOW + 3599,
        "appid": "11111111-2222-4333-8444-555555555555", "app_displayname": "Echo bot",
        "idtyp": "app", "oid": "66666666-7777-4888-8999-000000000000",
        "roles": ["Calls.Initiate.All", "Calls.JoinGroupCall.All", "Calls.AccessMedia.All"],
        "tid": "aaaaaaaa-0000-4000-8000-00000000beef", "uti": "AbCdEfGhIjKlMnOpQrStUv", "ver": "1.0",
    });
    let validation = Validation::new(NOW + 10, [ISS], [AUD]);
    let token = sign(&key, &claims).expect("the benchmark claims sign");

    let mut group = c.benchmark_group("rs256");
    group.bench_function("sign", |b| {
        b.iter(|| sign(black_box(&key), black_box(&claims)))
    });
    group.bench_function("verify", |b| {
        b.iter(|| verify(black_box(&token), black_box(&keys), black_box(&validation)))
    });
    group.finish();
}

criterion_group!(benches, rs256);
criterion_main!(benches);
