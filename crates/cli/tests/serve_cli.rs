//! The `ringside` binary as a user runs it: `--help` everywhere, `serve --json` reporting the real port,
//! dev.json written with mode 0600, graceful exit on SIGTERM, production mode refusing to start
//! without an admin token, spans exported to the `[telemetry]` collector and flushed on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ringside() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ringside"))
}

#[test]
fn help_is_available_on_every_command() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["admin", "--help"],
    ] {
        let output = ringside().args(&args).output().expect("runs");
        assert!(output.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Usage:"), "{args:?}: {text}");
    }
}

#[cfg(unix)]
#[test]
fn serve_reports_its_port_writes_dev_json_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = ringside()
        .args(["serve", "--json", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reads the ready line");
    let ready: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    let url = ready["url"].as_str().expect("url").to_string();
    assert!(
        url.starts_with("https://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );

    let dev_path = dir.path().join("dev.json");
    let dev: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&dev_path).expect("dev.json")).expect("JSON");
    assert_eq!(dev["url"], url.as_str());
    assert_eq!(dev["graphBaseUrl"], format!("{url}/v1.0"));
    assert_eq!(
        dev["authority"],
        format!("{url}/{}", dev["tenantId"].as_str().unwrap())
    );
    for key in ["caCertPath", "adminToken", "tenantId"] {
        assert!(dev[key].as_str().is_some_and(|v| !v.is_empty()), "{key}");
    }
    for key in ["clientId", "clientSecret", "displayName"] {
        assert!(
            dev["app"][key].as_str().is_some_and(|v| !v.is_empty()),
            "app.{key}"
        );
    }
    for key in ["connectionString", "resourceId", "endpoint"] {
        assert!(
            dev["acs"][key].as_str().is_some_and(|v| !v.is_empty()),
            "acs.{key}"
        );
    }
    assert_eq!(dev["users"].as_array().unwrap().len(), 3);
    assert_eq!(dev["resourceAccounts"][0]["phoneNumber"], "+14255550100");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dev_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("waits") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop within 15 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
}

#[test]
fn production_mode_needs_an_admin_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("ringside.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\n").unwrap();
    let output = ringside()
        .args(["serve", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env_remove("RINGSIDE_ADMIN_TOKEN")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("admin token"), "{stderr}");
    assert!(
        !dir.path().join("data/dev.json").exists(),
        "production mode writes no dev.json"
    );
}

/// Stops `child` with SIGTERM and waits (at most 15 s) for a clean exit.
#[cfg(unix)]
fn terminate(child: &mut std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("waits") {
            break exit;
        }
        assert!(Instant::now() < deadline, "no exit within 15 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
}

/// A collector stand-in: `POST /v1/traces` on 127.0.0.1:0, keeping each request's content type and
/// body.
type Exports = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

async fn collector() -> (std::net::SocketAddr, Exports) {
    let exports = Exports::default();
    let kept = exports.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                let kind = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                kept.lock().unwrap().push((kind, body.to_vec()));
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, exports)
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_exports_request_spans_to_the_configured_collector_and_flushes_on_sigterm() {
    let (addr, exports) = collector().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("ringside.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\nadmin_token = \"0123456789abcdef\"\n[telemetry]\notlp_endpoint = \"http://{addr}\"\n"
        ),
    )
    .unwrap();
    let mut child = ringside()
        .args(["serve", "--json", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("OTEL_SERVICE_NAME", "ringside-cli-test")
        .env("RINGSIDE_NODE_NAME", "node-cli")
        // Batches leave every minute: what arrives before it is the flush on SIGTERM.
        .env("OTEL_BSP_SCHEDULE_DELAY", "60000")
        .env_remove("RINGSIDE_ADMIN_TOKEN")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_SDK_DISABLED")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reads the ready line");
    let ready: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    let url = ready["url"].as_str().expect("url");
    let ca = std::fs::read(ready["caCertPath"].as_str().expect("CA")).expect("CA file");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("PEM"))
        .build()
        .unwrap();
    let reply = client.get(format!("{url}/")).send().await.expect("GET /");
    assert_eq!(reply.status(), 200);
    let request_id = reply.headers()["request-id"].to_str().unwrap().to_string();
    assert!(
        exports.lock().unwrap().is_empty(),
        "batched, not sent at once"
    );

    tokio::task::spawn_blocking(move || terminate(&mut child))
        .await
        .unwrap();
    let exports = exports.lock().unwrap().clone();
    let contains = |body: &[u8], text: &str| body.windows(text.len()).any(|w| w == text.as_bytes());
    let span = exports.iter().find(|(_, body)| contains(body, &request_id));
    let (kind, body) = span.expect("the request's span was exported before the exit");
    assert_eq!(kind, "application/x-protobuf");
    for text in [
        "GET /",
        "ringside-cli-test",
        "node-cli",
        "http.response.status_code",
    ] {
        assert!(contains(body, text), "{text} missing from the export");
    }
}
