//! What the forwarder decides from a request alone: which node a path or body names, and whether
//! a forwarded request's proof holds.

use super::*;

const TAGGED: &str = "00070000-1111-4222-8333-444455556666";

fn tagged_context(conversation: &str) -> String {
    let payload = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"r":"res","c":"{conversation}","l":"x","e":1}}"#
    ));
    serde_json::json!({ "incomingCallContext": format!("{payload}.signature") }).to_string()
}

#[test]
fn calls_recordings_and_contexts_name_their_owner() {
    let get = Method::GET;
    let post = Method::POST;
    let cases: Vec<(Method, String, String, Target)> = vec![
        (post.clone(), "/v1.0/communications/calls".into(), String::new(), Target::Place),
        (get.clone(), "/v1.0/communications/calls".into(), String::new(), Target::Here),
        (post.clone(), format!("/beta/communications/calls/{TAGGED}/playPrompt"), String::new(), Target::Owner(7)),
        (get.clone(), format!("/v1.0/communications/calls('{TAGGED}')"), String::new(), Target::Owner(7)),
        (post.clone(), "/v1.0/communications/calls/logTeleconferenceDeviceQuality".into(), String::new(), Target::Here),
        (post.clone(), "/calling/callConnections".into(), String::new(), Target::Place),
        (get.clone(), format!("/calling/callConnections/{TAGGED}"), String::new(), Target::Owner(7)),
        (post.clone(), format!("/calling/callConnections/{TAGGED}:play"), String::new(), Target::Owner(7)),
        (post.clone(), format!("/calling/callConnections/{TAGGED}/participants:add"), String::new(), Target::Owner(7)),
        (post.clone(), "/calling/callConnections:answer".into(), tagged_context(TAGGED), Target::Owner(7)),
        (post.clone(), "/calling/callConnections:reject".into(), "not json".into(), Target::Here),
        (post.clone(), "/calling/callConnections:connect".into(), String::new(), Target::Here),
        (post.clone(), "/calling/recordings".into(), format!(r#"{{"callConnectionId":"{TAGGED}"}}"#), Target::Owner(7)),
        (
            post.clone(),
            "/calling/recordings".into(),
            serde_json::json!({"callLocator": {"kind": "serverCallLocator", "serverCallId": URL_SAFE_NO_PAD.encode(format!("ringside:conversation:{TAGGED}"))}}).to_string(),
            Target::Owner(7),
        ),
        (post.clone(), format!("/calling/recordings/{}:pause", TAGGED.replace('-', "")), String::new(), Target::Owner(7)),
        (get.clone(), format!("/v1/objects/0-ringside-{}/content/audio", TAGGED.replace('-', "")), String::new(), Target::Owner(7)),
        (get.clone(), format!("/ringside/v1/recordings/{}", TAGGED.replace('-', "")), String::new(), Target::Owner(7)),
        // An untagged id (a single node's) or something that is no id at all stays here.
        (get.clone(), "/v1.0/communications/calls/0000abcd-1111-4222-8333-444455556666".into(), String::new(), Target::Here),
        (get.clone(), "/v1.0/communications/calls/not-a-guid".into(), String::new(), Target::Here),
        (get.clone(), "/ringside/v1/tenants".into(), String::new(), Target::Here),
    ];
    for (method, path, body, expected) in cases {
        assert_eq!(
            target(&method, &path, body.as_bytes()),
            expected,
            "{method} {path}"
        );
    }
}

fn forwarder() -> Forwarder {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = ringside_store::Database::sqlite(dir.path().join("db"));
    let cluster = Cluster::join(
        &database,
        &ringside_runtime::cluster::Identity {
            name: "a".into(),
            url: "https://a".into(),
            internal_url: "https://a".into(),
            ca_pem: String::new(),
        },
    )
    .expect("join");
    Forwarder::new(cluster, b"cluster key", 1 << 20)
}

#[test]
fn only_a_fresh_proof_of_the_same_request_under_the_cluster_key_is_accepted() {
    let forwarder = forwarder();
    let now = 1_000_000;
    let headers = |by: String, host: &str| {
        let mut headers = HeaderMap::new();
        headers.insert(FORWARDED_BY, HeaderValue::from_str(&by).expect("by"));
        headers.insert(FORWARDED_HOST, HeaderValue::from_str(host).expect("host"));
        headers
    };
    let proof = forwarder.sign("b", now, &Method::POST, "/calling/x?api-version=1", "h:1");
    let good = headers(format!("b {now} {proof}"), "h:1");
    assert!(forwarder.authentic(&Method::POST, "/calling/x?api-version=1", &good, now));
    assert!(forwarder.authentic(
        &Method::POST,
        "/calling/x?api-version=1",
        &good,
        now + 59_000
    ));
    assert!(
        !forwarder.authentic(
            &Method::POST,
            "/calling/x?api-version=1",
            &good,
            now + 61_000
        ),
        "stale"
    );
    assert!(
        !forwarder.authentic(&Method::GET, "/calling/x?api-version=1", &good, now),
        "other method"
    );
    assert!(
        !forwarder.authentic(&Method::POST, "/calling/y?api-version=1", &good, now),
        "other target"
    );
    let other_host = headers(format!("b {now} {proof}"), "evil:1");
    assert!(!forwarder.authentic(&Method::POST, "/calling/x?api-version=1", &other_host, now));
    let other_key = Forwarder::new(forwarder.cluster.clone(), b"another key", 1);
    assert!(!other_key.authentic(&Method::POST, "/calling/x?api-version=1", &good, now));
    for junk in ["", "b", "b 1", "b x y", "b 1 !!!", "b 1 AA extra"] {
        let bad = headers(junk.to_string(), "h:1");
        assert!(
            !forwarder.authentic(&Method::POST, "/calling/x?api-version=1", &bad, now),
            "{junk}"
        );
    }
}
