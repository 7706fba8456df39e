//! Two `ringside serve` nodes on one PostgreSQL database: both are listed live by `ringside cluster
//! status` on either, with the answering node marked; a user provisioned through one node is served
//! by the other (its directory follows the database), a client secret added through one gets a
//! token from the other within 100 ms, and a node killed with SIGKILL is listed as down once its
//! heartbeat is older than the dead-after window.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use ringside_testkit::postgres::TestPostgres;
use serde_json::{json, Value};
use support::{client, wait_for_dev_json, Connection, ServerProcess};

/// How long node b may take to serve what node a committed (it hears within milliseconds; this
/// bounds a loaded CI machine).
const PROPAGATION_BOUND: Duration = Duration::from_secs(10);

fn cluster_status(data_dir: &std::path::Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ringside"))
        .args(["cluster", "status", "--json", "--data-dir"])
        .arg(data_dir)
        .env_remove("RINGSIDE_URL")
        .env_remove("RINGSIDE_ADMIN_TOKEN")
        .output()
        .expect("ringside cluster status");
    assert!(
        output.status.success(),
        "cluster status: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("status JSON")
}

/// `GET …/tenants/{tenant}/users/{id}` on the node `connection` names; the status.
async fn status_of_user(
    connection: &Connection,
    http: &reqwest::Client,
    tenant: &str,
    id: &str,
) -> u16 {
    http.get(format!(
        "{}/ringside/v1/tenants/{tenant}/users/{id}",
        connection.url
    ))
    .bearer_auth(&connection.token)
    .send()
    .await
    .map(|r| r.status().as_u16())
    .unwrap_or(0)
}

#[test]
fn two_nodes_share_one_directory_and_list_each_other() {
    let url = TestPostgres::shared().fresh_database();
    let dir = tempfile::tempdir().expect("tempdir");
    let (dir_a, dir_b) = (dir.path().join("a"), dir.path().join("b"));
    // Started together: the dev-mode nodes agree on who seeds the shared dev tenant.
    let mut a = ServerProcess::start_named(&dir_a, Some(&url), Some("node-a"));
    let mut b = ServerProcess::start_named(&dir_b, Some(&url), Some("node-b"));
    let a_conn = wait_for_dev_json(&dir_a, &mut a);
    let b_conn = wait_for_dev_json(&dir_b, &mut b);

    let status = cluster_status(&dir_a);
    let nodes = status["nodes"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = nodes.iter().filter_map(|n| n["name"].as_str()).collect();
    assert_eq!(names, ["node-a", "node-b"], "{status}");
    assert!(nodes.iter().all(|n| n["live"] == json!(true)), "{status}");
    assert_eq!(nodes[0]["thisNode"], json!(true));
    assert_eq!(nodes[1]["url"].as_str(), Some(b_conn.url.as_str()));
    assert!(status["outboxBacklog"].is_u64());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Dev-mode nodes on one database share one dev tenant: the user goes into it through node
        // a, and node b is asked for it.
        let http_a = client(&a_conn);
        let http_b = client(&b_conn);
        let id = "0000cafe-0000-4000-8000-000000000001";
        let created = http_a
            .post(format!(
                "{}/ringside/v1/tenants/{}/users",
                a_conn.url, a_conn.tenant
            ))
            .bearer_auth(&a_conn.token)
            .json(&json!({"id": id, "userPrincipalName": "shared@cluster.test", "displayName": "Shared"}))
            .send()
            .await
            .expect("create on a");
        assert_eq!(created.status().as_u16(), 201);
        let started = Instant::now();
        loop {
            if status_of_user(&b_conn, &http_b, &a_conn.tenant, id).await == 200 {
                break;
            }
            assert!(
                started.elapsed() < PROPAGATION_BOUND,
                "node b never served the user node a created"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        eprintln!("node b served node a's new user {:?} after a's 201", started.elapsed());

        // A client secret added through node a gets a token from node b within 100 ms of a's 201
        // (both nodes serve the one dev tenant the database holds).
        let app = a_conn.dev["app"]["clientId"].as_str().unwrap_or_default().to_string();
        assert_eq!(b_conn.dev["tenantId"], a_conn.dev["tenantId"], "one dev tenant");
        let added: Value = http_a
            .post(format!("{}/ringside/v1/applications/{app}/secrets", a_conn.url))
            .bearer_auth(&a_conn.token)
            .json(&json!({"displayName": "cluster"}))
            .send()
            .await
            .expect("add a secret on a")
            .json()
            .await
            .expect("secret JSON");
        let secret = added["secretText"].as_str().expect("secretText").to_string();
        let added_at = Instant::now();
        loop {
            let token = http_b
                .post(format!("{}/{}/oauth2/v2.0/token", b_conn.url, a_conn.tenant))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", app.as_str()),
                    ("client_secret", secret.as_str()),
                    ("scope", "https://graph.microsoft.com/.default"),
                ])
                .send()
                .await
                .expect("token request on b");
            if token.status().is_success() {
                break;
            }
            assert!(
                added_at.elapsed() < Duration::from_millis(100),
                "node b refused node a's new secret 100 ms after a's 201: {}",
                token.text().await.unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        eprintln!("node b issued a token for node a's new secret {:?} after a's 201", added_at.elapsed());
    });

    // A node killed with SIGKILL stops beating: the others list it as down once its heartbeat is
    // older than the dead-after window (10 s), and node a itself stays up.
    b.kill9();
    let killed = Instant::now();
    loop {
        let status = cluster_status(&dir_a);
        let row = |name: &str| {
            status["nodes"]
                .as_array()
                .and_then(|nodes| nodes.iter().find(|n| n["name"] == json!(name)).cloned())
                .unwrap_or(Value::Null)
        };
        assert_eq!(row("node-a")["live"], json!(true), "{status}");
        if row("node-b")["live"] == json!(false) {
            eprintln!("node b listed as down {:?} after SIGKILL", killed.elapsed());
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(40),
            "node b still listed live 40 s after SIGKILL: {status}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    a.kill9();
}
