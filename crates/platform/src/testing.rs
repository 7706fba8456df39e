//! Test support: a platform on a temporary data dir (a real directory store, a call runtime with
//! a manual media clock) and its router, called in-process with the admin token.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use crate::state::{PlatformParts, PlatformState};
use ringside_runtime::{CallRuntime, Doors, MediaMode, Node, NodeParts, RuntimeOptions};
use ringside_store::DirectoryStore;

/// The admin token the test platform takes.
pub(crate) const ADMIN: &str = "rs_admin_test";

/// A platform on its own temporary data dir.
pub(crate) struct TestPlatform {
    pub(crate) state: PlatformState,
    _dir: tempfile::TempDir,
}

impl TestPlatform {
    /// Starts the platform (inside a tokio runtime).
    pub(crate) fn start() -> TestPlatform {
        let dir = tempfile::tempdir().expect("tempdir");
        let directory =
            Arc::new(DirectoryStore::open(dir.path().join("ringside.db")).expect("store"));
        let services = ringside_runtime::services::MediaServices::new(
            &ringside_runtime::config::MediaConfig::default(),
            true,
            dir.path(),
            None,
        )
        .expect("media services");
        let options = RuntimeOptions {
            data_dir: dir.path().to_path_buf(),
            media: MediaMode::Manual,
            ids: Box::new(ringside_engine::SequentialIds::new()),
            end_codes: |_| (0, 0, ""),
        };
        let calls = CallRuntime::start(directory.clone(), options, services, Doors::default())
            .expect("runtime");
        let node = Node::new(NodeParts {
            directory,
            calls,
            signing_key: ringside_identity::SigningKey::generate().expect("key"),
            base_url: "https://127.0.0.1:8443".into(),
            data_dir: dir.path().to_path_buf(),
            database: ringside_store::Database::sqlite(dir.path().join("ringside.db")),
            cluster: None,
            dev_mode: true,
        });
        let state = PlatformState::new(PlatformParts {
            node,
            admin_token: ADMIN.into(),
            token_lifetime_secs: 3600,
            rate_limit: Default::default(),
        });
        TestPlatform { state, _dir: dir }
    }

    /// `method path` under `/ringside/v1` with the admin token and a JSON body (or none).
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/ringside/v1{path}"))
            .header("authorization", format!("Bearer {ADMIN}"));
        let body = match body {
            Some(value) => {
                request = request.header("content-type", "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        let response = crate::router(self.state.clone())
            .oneshot(request.body(body).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("body");
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON body")
        };
        (status, value)
    }
}

impl Drop for TestPlatform {
    fn drop(&mut self) {
        self.state.calls().shutdown();
    }
}
