//! Three `ringside serve` nodes on one PostgreSQL database behind one public URL, driven over the
//! Graph REST API as msgraph-sdk drives it: a token issued by node a is good on every node; a call
//! created through node a is placed on the least-loaded node (b), its id tagged with b's number;
//! node c reads it, plays a prompt on it and node a hangs it up, each request forwarded to b; the
//! bot's webhook gets every notification once, in order, signed with the cluster's one key set. An
//! ACS service's call is created, played and hung up through three different nodes the same way.

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use ringside_testkit::server::{Acs, Hook, PromptServer, Received};
use serde_json::{json, Value};
use support::{wait_for_dev_json, Connection, ServerProcess};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A client that trusts every node's CA.
fn client(connections: &[Connection]) -> reqwest::Client {
    let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(20));
    for connection in connections {
        let pem = std::fs::read(&connection.ca).expect("CA certificate");
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA"));
    }
    builder.build().expect("client")
}

struct Node {
    process: ServerProcess,
    connection: Connection,
    url: String,
    /// Its number in the cluster (nodes join in the order the test starts them).
    number: u16,
}

/// Starts node `name` on `store`. The first node (no `public`) listens on a port the OS picks and
/// its URL becomes the cluster's public URL; the others get a free port, tried again if another
/// process took it before the node bound it.
fn start_node(dir: &Path, name: &str, number: u16, store: &str, public: Option<&str>) -> Node {
    let data_dir = dir.join(name);
    for _ in 0..5 {
        let port = if public.is_some() { free_port() } else { 0 };
        let mut env = vec![
            ("RINGSIDE_STORE_URL", store.to_string()),
            ("RINGSIDE_NODE_NAME", name.to_string()),
        ];
        if let Some(public) = public {
            env.push(("RINGSIDE_PUBLIC_URL", public.to_string()));
        }
        let mut process = ServerProcess::start_with(&data_dir, &format!("127.0.0.1:{port}"), &env);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !data_dir.join("dev.json").exists() && process.exited().is_none() {
            assert!(std::time::Instant::now() < deadline, "{name} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        if process.exited().is_some() {
            continue; // the port was taken
        }
        let connection = wait_for_dev_json(&data_dir, &mut process);
        let url = match public {
            Some(_) => format!("https://127.0.0.1:{port}"),
            None => connection.url.clone(),
        };
        return Node {
            process,
            connection,
            url,
            number,
        };
    }
    panic!("{name} did not start in five tries");
}

/// A Graph bot's client: its HTTPS client and app token.
struct Bot<'a> {
    http: &'a reqwest::Client,
    token: String,
}

impl Bot<'_> {
    /// A Graph request to `node`; the status and the JSON body (Null when there is none).
    async fn graph(
        &self,
        node: &Node,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        graph(self.http, node, &self.token, method, path, body).await
    }
}

/// Waits until `hook` heard a notification about `call` whose `(state, operation status)`
/// matches.
async fn heard(hook: &Hook, call: &str, matches: impl Fn(&(String, String)) -> bool) {
    hook.wait_until(Duration::from_secs(15), |r| {
        r.iter()
            .any(|r| about(r, call).is_some_and(|pair| matches(&pair)))
    })
    .await;
}

/// A Graph request to `node`; the status and the JSON body (Null when there is none).
async fn graph(
    http: &reqwest::Client,
    node: &Node,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http
        .request(method, format!("{}/v1.0{path}", node.url))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("graph request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn app_token(http: &reqwest::Client, node: &Node, dev: &Value) -> String {
    let reply: Value = http
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            node.url,
            dev["tenantId"].as_str().unwrap_or_default()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_id",
                dev["app"]["clientId"].as_str().unwrap_or_default(),
            ),
            (
                "client_secret",
                dev["app"]["clientSecret"].as_str().unwrap_or_default(),
            ),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    reply["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {reply}"))
        .to_string()
}

/// The `(state, operation status)` a notification reports for `call`.
fn about(received: &Received, call: &str) -> Option<(String, String)> {
    let n = &received.body["value"][0];
    let resource = n["resourceUrl"].as_str().or(n["resource"].as_str())?;
    resource.contains(call).then(|| {
        let data = &n["resourceData"];
        (
            data["state"].as_str().unwrap_or_default().to_string(),
            data["status"].as_str().unwrap_or_default().to_string(),
        )
    })
}

fn kid(received: &Received) -> String {
    let token = received
        .header("authorization")
        .trim_start_matches("Bearer ")
        .to_string();
    let header = token.split('.').next().unwrap_or_default();
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap_or_default();
    let header: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    header["kid"].as_str().unwrap_or_default().to_string()
}

/// Waits until `node` has beaten since every node joined: its view of the peers (read back with
/// each heartbeat) then holds them all.
async fn wait_for_view(http: &reqwest::Client, node: &Node) {
    let started = std::time::Instant::now();
    loop {
        let status: Value = http
            .get(format!("{}/ringside/v1/cluster", node.url))
            .bearer_auth(&node.connection.token)
            .send()
            .await
            .expect("cluster status")
            .json()
            .await
            .expect("status JSON");
        let nodes = status["nodes"].as_array().cloned().unwrap_or_default();
        let mine = nodes.iter().find(|n| n["thisNode"] == json!(true));
        let last_join = nodes.iter().filter_map(|n| n["startedAtMs"].as_i64()).max();
        if let (Some(mine), Some(last_join)) = (mine, last_join) {
            if mine["lastHeartbeatMs"].as_i64().unwrap_or(0) > last_join {
                return;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn create_body(hook: &Hook, dev: &Value) -> Value {
    let user = &dev["users"][0];
    json!({
        "@odata.type": "#microsoft.graph.call",
        "callbackUri": hook.url("/calls"),
        "targets": [{
            "@odata.type": "#microsoft.graph.invitationParticipantInfo",
            "identity": {"user": {"id": user["id"], "displayName": user["displayName"]}}
        }],
        "requestedModalities": ["audio"],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
        "tenantId": dev["tenantId"],
    })
}

/// The dev ACS resource's client, sending to `node` (signing the host it sends to, as the SDK does).
fn acs_client(http: &reqwest::Client, node: &Node, dev: &Value) -> Acs {
    Acs {
        http: http.clone(),
        endpoint: node.url.clone(),
        host: node.url.trim_start_matches("https://").to_string(),
        key: dev["acs"]["accessKey"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        api_version: "2026-03-12".into(),
        storage: http.clone(),
    }
}

/// The `type` (without its prefix) of every callback CloudEvent about `connection`, in arrival order.
fn acs_events(hook: &Hook, connection: &str) -> Vec<String> {
    hook.received()
        .iter()
        .filter_map(|r| r.body.as_array().and_then(|events| events.first()).cloned())
        .filter(|event| event["data"]["callConnectionId"] == json!(connection))
        .filter_map(|event| {
            event["type"]
                .as_str()
                .map(|t| t.trim_start_matches("Microsoft.Communication.").to_string())
        })
        .collect()
}

/// Waits until `hook` heard `event` about `connection`.
async fn acs_heard(hook: &Hook, connection: &str, event: &str) {
    hook.wait_until(Duration::from_secs(15), |_| {
        acs_events(hook, connection).iter().any(|e| e == event)
    })
    .await;
}

/// An ACS service's call through the cluster: created through one node, played and hung up through
/// the two others (whichever node it was placed on); its callbacks once each, in order.
async fn acs_call_through_every_node(http: &reqwest::Client, nodes: [&Node; 3], dev: &Value) {
    let hook = Hook::start().await;
    let prompts = PromptServer::start().await;
    let user = format!(
        "8:orgid:{}",
        dev["users"][0]["id"].as_str().unwrap_or_default()
    );
    let post = reqwest::Method::POST;
    let created = acs_client(http, nodes[0], dev)
        .call(
            post.clone(),
            "/calling/callConnections",
            Some(json!({
                "targets": [{"rawId": user, "microsoftTeamsUser": {"userId": dev["users"][0]["id"]}}],
                "callbackUri": hook.url("/acs"),
            })),
        )
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    let id = created.body["callConnectionId"]
        .as_str()
        .expect("id")
        .to_string();
    let owner = u16::from_str_radix(&id[..4], 16).expect("tag");
    // The two nodes that do not carry it.
    let others: Vec<&Node> = nodes.into_iter().filter(|n| n.number != owner).collect();
    assert_eq!(others.len(), 2, "{id} carries a node's tag");
    acs_heard(&hook, &id, "CallConnected").await;
    let played = acs_client(http, others[0], dev)
        .call(
            post.clone(),
            &format!("/calling/callConnections/{id}:play"),
            Some(
                json!({"playSources": [{"kind": "file", "file": {"uri": prompts.url("/beep.wav")}}],
                        "operationContext": "through-another-node"}),
            ),
        )
        .await;
    assert_eq!(played.status.as_u16(), 202, "{}", played.body);
    acs_heard(&hook, &id, "PlayCompleted").await;
    let gone = acs_client(http, others[1], dev)
        .call(
            reqwest::Method::DELETE,
            &format!("/calling/callConnections/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status.as_u16(), 204, "{}", gone.body);
    acs_heard(&hook, &id, "CallDisconnected").await;
    let events = acs_events(&hook, &id);
    for (i, event) in events.iter().enumerate() {
        assert!(!events[..i].contains(event), "{event} twice: {events:?}");
    }
    let milestones: Vec<&String> = events
        .iter()
        .filter(|e| {
            [
                "CallConnected",
                "PlayStarted",
                "PlayCompleted",
                "CallDisconnected",
            ]
            .contains(&e.as_str())
        })
        .collect();
    assert_eq!(
        milestones,
        [
            "CallConnected",
            "PlayStarted",
            "PlayCompleted",
            "CallDisconnected"
        ],
        "in order: {events:?}"
    );
}

#[test]
fn any_node_answers_for_a_call_another_node_carries() {
    let store = ringside_testkit::postgres::TestPostgres::shared().fresh_database();
    let dir = tempfile::tempdir().expect("tempdir");
    let a = start_node(dir.path(), "node-a", 1, &store, None);
    let b = start_node(dir.path(), "node-b", 2, &store, Some(&a.url));
    let c = start_node(dir.path(), "node-c", 3, &store, Some(&a.url));
    let dev = a.connection.dev.clone();
    let http = client(&[
        a.connection.clone(),
        b.connection.clone(),
        c.connection.clone(),
    ]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let hook = Hook::start().await;
        let prompts = PromptServer::start().await;
        let bot = Bot {
            http: &http,
            token: app_token(&http, &a, &dev).await,
        };
        let post = reqwest::Method::POST;
        wait_for_view(&http, &a).await;

        // Every node is idle: the first call stays on a (a tie keeps it where it was asked); a
        // then counts it, so the second goes to the next least-loaded node, b (number 2).
        let (status, first) = bot
            .graph(
                &a,
                post.clone(),
                "/communications/calls",
                Some(create_body(&hook, &dev)),
            )
            .await;
        assert_eq!(status, 201, "{first}");
        let first_id = first["id"].as_str().expect("id").to_string();
        assert!(first_id.starts_with("0001"), "a's tag: {first_id}");
        let (status, call) = bot
            .graph(
                &a,
                post.clone(),
                "/communications/calls",
                Some(create_body(&hook, &dev)),
            )
            .await;
        assert_eq!(status, 201, "{call}");
        let id = call["id"].as_str().expect("id").to_string();
        assert!(id.starts_with("0002"), "placed on b (tag 0002): {id}");
        assert_eq!(call["state"], "establishing");

        // c reads it (forwarded to b) once the simulated user answered.
        heard(&hook, &id, |(s, _)| s == "established").await;
        let (status, read) = bot
            .graph(
                &c,
                reqwest::Method::GET,
                &format!("/communications/calls/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{read}");
        assert_eq!(read["state"], "established");

        // c plays a prompt on it; the operation completes on b and the bot hears of it.
        let (status, op) = bot
            .graph(
                &c,
                post.clone(),
                &format!("/communications/calls/{id}/playPrompt"),
                Some(json!({"clientContext": "through-c", "prompts": [{
                "@odata.type": "#microsoft.graph.mediaPrompt",
                "mediaInfo": {"uri": prompts.url("/beep.wav"), "resourceId": "beep"}}]})),
            )
            .await;
        assert_eq!(status, 200, "{op}");
        assert_eq!(op["status"], "running");
        heard(&hook, &id, |(_, s)| s == "completed").await;

        // a hangs it up; the bot is told it terminated.
        let (status, _) = bot
            .graph(
                &a,
                reqwest::Method::DELETE,
                &format!("/communications/calls/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 204);
        heard(&hook, &id, |(s, _)| s == "terminated").await;
        let (status, gone) = bot
            .graph(
                &b,
                reqwest::Method::GET,
                &format!("/communications/calls/{id}"),
                None,
            )
            .await;
        assert!(
            status == 404 || gone["state"] == "terminated",
            "{status} {gone}"
        );

        // Once, in order, one key set.
        let received: Vec<Received> = hook
            .received()
            .into_iter()
            .filter(|r| about(r, &id).is_some())
            .collect();
        let bodies: Vec<&[u8]> = received.iter().map(|r| r.raw.as_slice()).collect();
        for (i, body) in bodies.iter().enumerate() {
            assert!(
                !bodies[..i].contains(body),
                "notification {i} arrived twice"
            );
        }
        let states: Vec<String> = received
            .iter()
            .filter_map(|r| about(r, &id).map(|(s, _)| s))
            .filter(|s| !s.is_empty())
            .collect();
        let rank = |s: &str| {
            ["establishing", "established", "terminating", "terminated"]
                .iter()
                .position(|k| *k == s)
        };
        let ranks: Vec<usize> = states.iter().filter_map(|s| rank(s)).collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "out of order: {states:?}"
        );
        let kids: std::collections::BTreeSet<String> = hook.received().iter().map(kid).collect();
        assert_eq!(
            kids.len(),
            1,
            "one signing key across the cluster: {kids:?}"
        );
        let keys = |node: &Node| {
            let http = http.clone();
            let url = format!("{}/common/discovery/v2.0/keys", node.url);
            async move {
                http.get(url)
                    .send()
                    .await
                    .expect("jwks")
                    .text()
                    .await
                    .expect("jwks")
            }
        };
        assert_eq!(
            keys(&a).await,
            keys(&c).await,
            "every node publishes the same keys"
        );

        acs_call_through_every_node(&http, [&a, &b, &c], &dev).await;
    });
    drop((a.process, b.process, c.process));
}

#[test]
fn a_dead_nodes_calls_end_for_their_bots_and_new_calls_go_on() {
    let store = ringside_testkit::postgres::TestPostgres::shared().fresh_database();
    let dir = tempfile::tempdir().expect("tempdir");
    let a = start_node(dir.path(), "node-a", 1, &store, None);
    let mut b = start_node(dir.path(), "node-b", 2, &store, Some(&a.url));
    let dev = a.connection.dev.clone();
    let http = client(&[a.connection.clone(), b.connection.clone()]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let hook = Hook::start().await;
        let bot = Bot {
            http: &http,
            token: app_token(&http, &a, &dev).await,
        };
        let post = reqwest::Method::POST;
        let (status, call) = bot
            .graph(
                &b,
                post.clone(),
                "/communications/calls",
                Some(create_body(&hook, &dev)),
            )
            .await;
        assert_eq!(status, 201, "{call}");
        let id = call["id"].as_str().expect("id").to_string();
        assert!(id.starts_with("0002"), "made on b: {id}");
        heard(&hook, &id, |(s, _)| s == "established").await;

        b.process.kill9();
        let killed = std::time::Instant::now();
        let (status, next) = bot
            .graph(
                &a,
                post.clone(),
                "/communications/calls",
                Some(create_body(&hook, &dev)),
            )
            .await;
        assert_eq!(status, 201, "a new call after the kill: {next}");
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "{:?}",
            killed.elapsed()
        );

        // The survivor finds b dead (10 s without a heartbeat), puts the call's epitaph in the
        // outbox, and claims it with the rest of the call's rows once b's leases ran out (30 s).
        let ended = |r: &Received| about(r, &id).is_some_and(|(s, _)| s == "terminated");
        let told = hook.wait_for(Duration::from_secs(75), ended).await;
        let info = &told.body["value"][0]["resourceData"]["resultInfo"];
        assert_eq!(info["code"], 500, "{}", told.body);
        assert_eq!(info["subcode"], 560500, "{}", told.body);
        eprintln!(
            "the bot heard its call ended {:?} after b was killed",
            killed.elapsed()
        );
        let (status, gone) = bot
            .graph(
                &a,
                reqwest::Method::GET,
                &format!("/communications/calls/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 404, "a call of a dead node is gone: {gone}");
        let times = hook.received().iter().filter(|r| ended(r)).count();
        assert_eq!(times, 1, "told once");
    });
}
