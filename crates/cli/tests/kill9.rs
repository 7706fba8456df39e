//! Durability under `kill -9`: concurrent provisioning against a real `ringside serve`, SIGKILL in the
//! middle, restart on the same data dir (and the same store: the SQLite file, or a PostgreSQL
//! database), and every acknowledged request must be there, with nothing half-applied.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use support::{client, wait_for_dev_json, Connection, ServerProcess};

/// Workers provisioning concurrently.
const WORKERS: usize = 6;
/// Users (each with a number) a worker provisions at most; bounds the test.
const PER_WORKER: usize = 40;

/// One provisioning step of one user; `Err` means the server is gone (stop the worker).
async fn send(
    http: &reqwest::Client,
    connection: &Connection,
    path: &str,
    body: Value,
) -> Result<reqwest::StatusCode, reqwest::Error> {
    let url = format!(
        "{}/ringside/v1/tenants/{}{path}",
        connection.url, connection.tenant
    );
    let response = http
        .post(url)
        .bearer_auth(&connection.token)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let _ = response.bytes().await?;
    Ok(status)
}

/// What the server acknowledged with a 2xx before it died.
#[derive(Debug, Clone, PartialEq)]
enum Acked {
    User { id: String },
    Number { number: String },
    Assignment { number: String, user: String },
}

fn user_id(worker: usize, index: usize) -> String {
    format!("0000{worker:04x}-0000-4000-8000-{index:012x}")
}

fn number(worker: usize, index: usize) -> String {
    format!("+1555{worker:02}{index:05}")
}

async fn worker(
    worker: usize,
    http: reqwest::Client,
    connection: Connection,
    acked: Arc<Mutex<Vec<Acked>>>,
    kill_after: usize,
    count: Arc<AtomicUsize>,
    server: Arc<Mutex<ServerProcess>>,
) {
    let record = |ack: Acked| {
        acked.lock().unwrap_or_else(|p| p.into_inner()).push(ack);
        // The worker whose acknowledgement reaches the threshold pulls the plug while the others
        // have requests in flight.
        if count.fetch_add(1, Ordering::SeqCst) + 1 == kill_after {
            server.lock().unwrap_or_else(|p| p.into_inner()).kill9();
        }
    };
    for index in 0..PER_WORKER {
        let id = user_id(worker, index);
        let number = number(worker, index);
        let steps: [(String, Value, Acked); 3] = [
            (
                "/users".to_string(),
                json!({"id": id, "userPrincipalName": format!("k{worker}x{index}@{}", "kill9.test"), "displayName": format!("K {worker} {index}"), "licences": ["teamsPhone"]}),
                Acked::User { id: id.clone() },
            ),
            (
                "/phoneNumbers".to_string(),
                json!({"phoneNumber": number, "numberType": "DirectRouting"}),
                Acked::Number {
                    number: number.clone(),
                },
            ),
            (
                format!("/phoneNumbers/{}/assignment", number.replace('+', "%2B")),
                json!({"identity": id, "phoneNumberType": "DirectRouting"}),
                Acked::Assignment {
                    number: number.clone(),
                    user: id.clone(),
                },
            ),
        ];
        for (path, body, ack) in steps {
            match send(&http, &connection, &path, body).await {
                Ok(status) if status.is_success() => record(ack),
                Ok(status) => {
                    panic!("worker {worker}: POST {path} answered {status} before the kill")
                }
                Err(_) => return,
            }
        }
    }
}

async fn get(
    http: &reqwest::Client,
    connection: &Connection,
    path: &str,
) -> (reqwest::StatusCode, Value) {
    let url = format!(
        "{}/ringside/v1/tenants/{}{path}",
        connection.url, connection.tenant
    );
    let response = http
        .get(url)
        .bearer_auth(&connection.token)
        .send()
        .await
        .expect("GET after restart");
    let status = response.status();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

#[test]
fn acknowledged_provisioning_survives_kill_9_on_sqlite() {
    provisioning_survives_kill_9(None);
}

#[test]
fn acknowledged_provisioning_survives_kill_9_on_postgres() {
    let url = ringside_testkit::postgres::TestPostgres::shared().fresh_database();
    provisioning_survives_kill_9(Some(&url));
}

fn provisioning_survives_kill_9(store_url: Option<&str>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("data");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let mut first = ServerProcess::start(&data_dir, store_url);
    let connection = wait_for_dev_json(&data_dir, &mut first);
    // Users go into the dev tenant under their own UPN domain (kill9.test) so the checks can find them.
    let http = client(&connection);
    let server = Arc::new(Mutex::new(first));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    // An arbitrary moment: somewhere between the 20th and the 200th acknowledgement, varying per run.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let kill_after = 20 + (nanos as usize % 180);

    runtime.block_on(async {
        let tasks: Vec<_> = (0..WORKERS)
            .map(|w| {
                tokio::spawn(worker(
                    w,
                    http.clone(),
                    connection.clone(),
                    acked.clone(),
                    kill_after,
                    count.clone(),
                    server.clone(),
                ))
            })
            .collect();
        for task in tasks {
            task.await.expect("worker");
        }
    });
    // If every worker finished before the threshold, kill now (still a kill -9 of a live server).
    server.lock().unwrap_or_else(|p| p.into_inner()).kill9();
    let acked = acked.lock().unwrap_or_else(|p| p.into_inner()).clone();
    eprintln!(
        "SIGKILL after the {kill_after}th acknowledgement; {} acknowledged in all",
        acked.len()
    );
    assert!(
        acked.len() >= kill_after.min(WORKERS * PER_WORKER * 3),
        "only {} acknowledged",
        acked.len()
    );

    let mut second = ServerProcess::start(&data_dir, store_url);
    let connection = wait_for_dev_json(&data_dir, &mut second);
    let http = client(&connection);
    runtime.block_on(async {
        for ack in &acked {
            match ack {
                Acked::User { id } => {
                    let (status, user) = get(&http, &connection, &format!("/users/{id}")).await;
                    assert_eq!(
                        status,
                        reqwest::StatusCode::OK,
                        "acknowledged user {id} lost"
                    );
                    assert_eq!(
                        user["licences"],
                        json!(["teamsPhone"]),
                        "user {id} half-created"
                    );
                }
                Acked::Number { number } => {
                    let (status, _) = get(
                        &http,
                        &connection,
                        &format!("/phoneNumbers/{}", number.replace('+', "%2B")),
                    )
                    .await;
                    assert_eq!(
                        status,
                        reqwest::StatusCode::OK,
                        "acknowledged number {number} lost"
                    );
                }
                Acked::Assignment { number, user } => {
                    let (_, shown) = get(
                        &http,
                        &connection,
                        &format!("/phoneNumbers/{}", number.replace('+', "%2B")),
                    )
                    .await;
                    assert_eq!(
                        shown["assignedPstnTargetId"],
                        user.as_str(),
                        "acknowledged assignment of {number} lost"
                    );
                }
            }
        }
        // Nothing half-applied: every user that exists (acknowledged or caught in flight) came with its
        // licence, and every assigned number points at an existing user.
        let (_, users) = get(&http, &connection, "/users").await;
        let users = users["value"].as_array().cloned().unwrap_or_default();
        for user in users.iter().filter(|u| {
            u["userPrincipalName"]
                .as_str()
                .is_some_and(|upn| upn.ends_with("@kill9.test"))
        }) {
            assert_eq!(
                user["licences"],
                json!(["teamsPhone"]),
                "half-created user {user}"
            );
        }
        let (_, numbers) = get(&http, &connection, "/phoneNumbers").await;
        for n in numbers["value"].as_array().cloned().unwrap_or_default() {
            if let Some(owner) = n["assignedPstnTargetId"].as_str() {
                let (status, _) = get(&http, &connection, &format!("/users/{owner}")).await;
                let (instance_status, _) = get(
                    &http,
                    &connection,
                    &format!("/applicationInstances/{owner}"),
                )
                .await;
                assert!(
                    status.is_success() || instance_status.is_success(),
                    "{} assigned to a missing account",
                    n["telephoneNumber"]
                );
            }
        }
        // And the restarted server keeps provisioning.
        let status = send(
            &http,
            &connection,
            "/users",
            json!({"userPrincipalName": "after@kill9.test", "displayName": "After"}),
        )
        .await
        .expect("server answers after restart");
        assert_eq!(status, reqwest::StatusCode::CREATED);
    });
    second.kill9();
    assert_eq!(
        data_dir.join("ringside.db").exists(),
        store_url.is_none(),
        "the store lives where it was configured (the SQLite file only without a store URL)"
    );
}
