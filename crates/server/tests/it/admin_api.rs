//! Integration tests of the provisioning API (`/ringside/v1`) against a real dev-mode server on
//! 127.0.0.1:0 over HTTPS: auth, request hygiene (malformed JSON, oversized body), the provisioning flows
//! of seeds 003/004, and the negative rules (unknown permission, duplicate assignment, missing licence).

use std::net::SocketAddr;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use ringside_server::{RunningServer, ServeOptions, Server};
use serde_json::{json, Value};

struct Harness {
    server: RunningServer,
    http: reqwest::Client,
    base: String,
    token: String,
    tenant: String,
    app: String,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    body: Value,
    headers: HeaderMap,
}

impl Reply {
    /// The Graph envelope's error code (panics with the body if there is none).
    fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error envelope: {}", self.body))
    }

    fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn start_in(dir: tempfile::TempDir) -> Harness {
    let options = ServeOptions {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        insecure_http: None,
        config: None,
        manual_media_clock: false,
    };
    let server = Server::start(options).await.expect("server starts");
    let pem = std::fs::read(server.ca_cert_path()).expect("CA certificate");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA parses"))
        .build()
        .expect("client");
    let info = server.dev_info().expect("dev mode");
    Harness {
        base: server.base_url().to_string(),
        token: info.admin_token.clone(),
        tenant: info.tenant_id.clone(),
        app: info.app.client_id.clone(),
        server,
        http,
        _dir: dir,
    }
}

async fn start() -> Harness {
    start_in(tempfile::tempdir().expect("tempdir")).await
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}/ringside/v1{path}", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON body")
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    fn t(&self, path: &str) -> String {
        format!("/tenants/{}{path}", self.tenant)
    }

    /// Creates an application instance for the dev app; returns its id.
    async fn new_instance(&self, local: &str) -> String {
        let domain = self.get(&self.t("")).await.body["domain"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let reply = self
            .post(
                &self.t("/applicationInstances"),
                json!({"userPrincipalName": format!("{local}@{domain}"), "applicationId": self.app, "displayName": local}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["id"].as_str().expect("id").to_string()
    }

    async fn acquire(&self, number: &str, number_type: &str) {
        let reply = self
            .post(
                &self.t("/phoneNumbers"),
                json!({"phoneNumber": number, "numberType": number_type}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }

    async fn licence(&self, account: &str, licence: &str) -> Reply {
        self.post(
            &self.t(&format!("/accounts/{account}/licences")),
            json!({ "licence": licence }),
        )
        .await
    }
}

#[tokio::test]
async fn admin_token_is_required_and_checked() {
    let h = start().await;
    let missing = h.send(h.http.get(h.url("/tenants"))).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.code(), "InvalidAuthenticationToken");
    assert!(missing.body["error"]["innerError"]["request-id"].is_string());
    assert!(missing.body["error"]["innerError"]["date"].is_string());

    let wrong = h
        .send(h.http.get(h.url("/tenants")).bearer_auth("rs_admin_wrong"))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let basic = h
        .send(
            h.http
                .get(h.url("/tenants"))
                .basic_auth("admin", Some(&h.token)),
        )
        .await;
    assert_eq!(
        basic.status,
        StatusCode::UNAUTHORIZED,
        "only a bearer token counts"
    );
    // A wrong token is refused before the body is looked at.
    let write = h
        .send(
            h.http
                .post(h.url("/tenants"))
                .bearer_auth("nope")
                .body("{not json"),
        )
        .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);

    let ok = h.get("/tenants").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body["value"]
        .as_array()
        .is_some_and(|v| v.iter().any(|t| t["id"] == h.tenant.as_str())));
    h.server.shutdown().await;
}

#[tokio::test]
async fn every_documented_route_is_served_and_guarded() {
    let h = start().await;
    let doc = h.send(h.http.get(h.url("/openapi.json"))).await;
    assert_eq!(doc.status, StatusCode::OK, "openapi.json needs no token");
    assert_eq!(doc.body["openapi"], "3.1.0");
    let paths = doc.body["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20);
    let mut checked = 0;
    for (path, item) in paths {
        let concrete = path
            .replace("{tenantId}", &h.tenant)
            .replace("{number}", "%2B14255550100")
            .replace("{licence}", "callingPlan")
            .replace("{userId}", "00000000-0000-4000-8000-000000000001")
            .replace("{appId}", "00000000-0000-4000-8000-000000000002")
            .replace("{keyId}", "00000000-0000-4000-8000-000000000003")
            .replace("{instanceId}", "00000000-0000-4000-8000-000000000004")
            .replace("{accountId}", "00000000-0000-4000-8000-000000000005")
            .replace("{acsResourceId}", "00000000-0000-4000-8000-000000000006");
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let open = operation
                .get("security")
                .is_some_and(|s| s.as_array().is_some_and(Vec::is_empty));
            let method =
                Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
            let reply = h
                .send(
                    h.http
                        .request(method.clone(), format!("{}{concrete}", h.base)),
                )
                .await;
            if open {
                assert_eq!(reply.status, StatusCode::OK, "{method} {path}");
            } else {
                assert_eq!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} is not served or not guarded"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 35, "only {checked} operations documented");
    h.server.shutdown().await;
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_the_envelope() {
    let h = start().await;
    let users = h.t("/users");
    let malformed = h
        .send(
            h.http
                .post(h.url(&users))
                .bearer_auth(&h.token)
                .header("content-type", "application/json")
                .body("{\"userPrincipalName\": "),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.code(), "BadRequest");
    assert!(
        malformed.message().contains("not valid JSON"),
        "{}",
        malformed.body
    );

    let shape = h.post(&users, json!({"userPrincipalName": 42})).await;
    assert_eq!(shape.status, StatusCode::BAD_REQUEST);
    assert!(shape.message().contains("invalid shape"), "{}", shape.body);

    let empty = h
        .send(h.http.post(h.url(&users)).bearer_auth(&h.token))
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    let huge = format!(
        "{{\"displayName\": \"{}\", \"userPrincipalName\": \"big@x.com\"}}",
        "x".repeat(2 << 20)
    );
    let oversized = h
        .send(h.http.post(h.url(&users)).bearer_auth(&h.token).body(huge))
        .await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(oversized.code(), "RequestEntityTooLarge");

    let bad_id = h.get(&h.t("/applicationInstances/not-a-guid")).await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST, "{}", bad_id.body);
    let bad_number = h.get(&h.t("/phoneNumbers/12345")).await;
    assert_eq!(bad_number.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_number.message().contains("E.164"),
        "{}",
        bad_number.body
    );
    h.server.shutdown().await;
}

#[tokio::test]
async fn unknown_permission_names_are_rejected() {
    let h = start().await;
    let create = h
        .post(
            "/applications",
            json!({"displayName": "Bot", "homeTenantId": h.tenant, "requestedPermissions": ["Calls.Initiate.All", "Calls.MakeCoffee.All"]}),
        )
        .await;
    assert_eq!(create.status, StatusCode::BAD_REQUEST);
    assert!(
        create.message().contains("Calls.MakeCoffee.All"),
        "{}",
        create.body
    );
    assert!(
        create.message().contains("Calls.AccessMedia.All"),
        "the message lists the known names"
    );

    let patch = h
        .call(
            Method::PATCH,
            &format!("/applications/{}", h.app),
            Some(json!({"requestedPermissions": ["User.Read.All"]})),
        )
        .await;
    assert_eq!(patch.status, StatusCode::BAD_REQUEST);
    let app = h.get(&format!("/applications/{}", h.app)).await;
    assert_eq!(
        app.body["requestedPermissions"].as_array().map(Vec::len),
        Some(8),
        "nothing changed"
    );
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_number_needs_the_accounts_licence() {
    let h = start().await;
    let instance = h.new_instance("ivr").await;
    h.acquire("+14255550170", "DirectRouting").await;
    let put = h
        .call(
            Method::PUT,
            &h.t(&format!("/applicationInstances/{instance}/telephoneNumber")),
            Some(json!({"telephoneNumber": "+14255550170"})),
        )
        .await;
    assert_eq!(put.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(put.code(), "PreconditionFailed");
    assert!(
        put.message().contains("teamsPhoneResourceAccount"),
        "{}",
        put.body
    );

    let assign = h
        .post(
            &h.t("/phoneNumbers/+14255550170/assignment"),
            json!({"identity": instance, "phoneNumberType": "DirectRouting"}),
        )
        .await;
    assert_eq!(assign.status, StatusCode::PRECONDITION_FAILED);

    let wrong_kind = h.licence(&instance, "teamsPhone").await;
    assert_eq!(
        wrong_kind.status,
        StatusCode::BAD_REQUEST,
        "teamsPhone is for users"
    );
    let licensed = h.licence(&instance, "PHONESYSTEM_VIRTUALUSER").await;
    assert_eq!(licensed.status, StatusCode::CREATED, "{}", licensed.body);
    assert_eq!(
        licensed.body["licences"],
        json!(["teamsPhoneResourceAccount"])
    );
    let again = h.licence(&instance, "teamsPhoneResourceAccount").await;
    assert_eq!(again.status, StatusCode::OK, "re-assigning is idempotent");

    let assign = h
        .post(
            &h.t("/phoneNumbers/%2B14255550170/assignment"),
            json!({"identity": instance, "phoneNumberType": "directrouting"}),
        )
        .await;
    assert_eq!(assign.status, StatusCode::CREATED, "{}", assign.body);
    assert_eq!(assign.body["identity"], instance.as_str());

    let remove = h
        .call(
            Method::DELETE,
            &h.t(&format!(
                "/accounts/{instance}/licences/teamsPhoneResourceAccount"
            )),
            None,
        )
        .await;
    assert_eq!(remove.status, StatusCode::PRECONDITION_FAILED);
    assert!(
        remove.message().contains("unassign the number first"),
        "{}",
        remove.body
    );
    h.server.shutdown().await;
}

#[tokio::test]
async fn duplicate_number_assignment_is_a_conflict_naming_the_owner() {
    let h = start().await;
    let first = h.new_instance("queue").await;
    let second = h.new_instance("attendant").await;
    for id in [&first, &second] {
        assert_eq!(
            h.licence(id, "teamsPhoneResourceAccount").await.status,
            StatusCode::CREATED
        );
    }
    h.acquire("+14255550180", "CallingPlan").await;
    h.acquire("+14255550181", "CallingPlan").await;
    let number = h.t("/phoneNumbers/+14255550180/assignment");
    let taken = h
        .post(
            &number,
            json!({"identity": first, "phoneNumberType": "CallingPlan"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.body);

    let duplicate = h
        .post(
            &number,
            json!({"identity": second, "phoneNumberType": "CallingPlan"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.code(), "Conflict");
    assert!(
        duplicate.message().contains("queue@"),
        "names the owner: {}",
        duplicate.body
    );

    let by_upn = h
        .call(
            Method::PUT,
            &h.t(&format!("/applicationInstances/{second}/telephoneNumber")),
            Some(json!({"telephoneNumber": "+14255550180"})),
        )
        .await;
    assert_eq!(by_upn.status, StatusCode::CONFLICT);

    let second_number = h
        .post(
            &h.t("/phoneNumbers/+14255550181/assignment"),
            json!({"identity": first, "phoneNumberType": "CallingPlan"}),
        )
        .await;
    assert_eq!(
        second_number.status,
        StatusCode::CONFLICT,
        "one account, one number"
    );
    assert!(
        second_number.message().contains("+14255550180"),
        "{}",
        second_number.body
    );

    let held = h
        .post(
            &h.t("/phoneNumbers"),
            json!({"phoneNumber": "+14255550180", "numberType": "CallingPlan"}),
        )
        .await;
    assert_eq!(
        held.status,
        StatusCode::CONFLICT,
        "numbers are acquired once"
    );
    let lookup = h.get(&h.t("/phoneNumbers/%2B14255550180")).await;
    assert_eq!(lookup.body["assignedPstnTargetId"], first.as_str());
    h.server.shutdown().await;
}

/// Seed 003 end to end: create the instance, licence it, give it a number, sync, update, unassign.
#[tokio::test]
async fn resource_account_lifecycle_like_the_powershell_walkthrough() {
    let h = start().await;
    let instance = h.new_instance("bot2").await;
    let path = h.t(&format!("/applicationInstances/{instance}"));
    let fetched = h.get(&path).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body["applicationId"], h.app.as_str());
    assert_eq!(fetched.body["phoneNumber"], Value::Null);
    assert_eq!(fetched.body["syncedAt"], Value::Null);

    let synced = h.post(&format!("{path}/sync"), json!({})).await;
    assert_eq!(synced.status, StatusCode::OK);
    assert!(synced.body["syncedAt"].is_string());

    assert_eq!(
        h.licence(&instance, "teamsPhoneResourceAccount")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        h.licence(&instance, "callingPlan").await.status,
        StatusCode::CREATED
    );
    h.acquire("+14255550190", "CallingPlan").await;
    h.acquire("+14255550191", "OperatorConnect").await;

    let number_path = format!("{path}/telephoneNumber");
    let assigned = h
        .call(
            Method::PUT,
            &number_path,
            Some(json!({"telephoneNumber": "+14255550190"})),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    assert_eq!(assigned.body["phoneNumber"], "+14255550190");

    let shown = h.get(&h.t("/phoneNumbers/%2B14255550190")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["telephoneNumber"], "+14255550190");
    assert_eq!(shown.body["numberType"], "CallingPlan");
    assert_eq!(
        shown.body["pstnAssignmentStatus"],
        "VoiceApplicationAssigned"
    );
    assert_eq!(shown.body["activationState"], "Activated");
    assert_eq!(shown.body["assignedPstnTargetId"], instance.as_str());

    // Update: assigning another number replaces the first, which returns to the free inventory.
    let updated = h
        .call(
            Method::PUT,
            &number_path,
            Some(json!({"telephoneNumber": "+14255550191"})),
        )
        .await;
    assert_eq!(updated.body["phoneNumber"], "+14255550191");
    let freed = h.get(&h.t("/phoneNumbers/+14255550190")).await;
    assert_eq!(freed.body["pstnAssignmentStatus"], "Unassigned");

    let cleared = h
        .call(
            Method::PUT,
            &number_path,
            Some(json!({"telephoneNumber": null})),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(cleared.body["phoneNumber"], Value::Null);
    let missing_field = h.call(Method::PUT, &number_path, Some(json!({}))).await;
    assert_eq!(missing_field.status, StatusCode::BAD_REQUEST);

    let release = h
        .call(Method::DELETE, &h.t("/phoneNumbers/%2B14255550191"), None)
        .await;
    assert_eq!(release.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.get(&h.t("/phoneNumbers/+14255550191")).await.status,
        StatusCode::NOT_FOUND
    );

    // The instance is reachable by UPN too, and listed.
    let upn = fetched.body["userPrincipalName"]
        .as_str()
        .expect("upn")
        .to_string();
    assert_eq!(
        h.get(&h.t(&format!("/applicationInstances/{upn}")))
            .await
            .body["id"],
        instance.as_str()
    );
    let all = h.get(&h.t("/applicationInstances")).await;
    assert_eq!(
        all.body["value"].as_array().map(Vec::len),
        Some(3),
        "the two seeded ones (Graph bot, CCaaS) and this one"
    );
    h.server.shutdown().await;
}

#[tokio::test]
async fn consent_must_be_granted_again_after_permissions_change() {
    let h = start().await;
    let consent = h.t(&format!("/consents/{}", h.app));
    let before = h.get(&consent).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.body["consentRequired"], false);

    let patched = h
        .call(
            Method::PATCH,
            &format!("/applications/{}", h.app),
            Some(json!({"requestedPermissions": ["Calls.Initiate.All", "calls.accessmedia.all"]})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(
        patched.body["requestedPermissions"],
        json!(["Calls.Initiate.All", "Calls.AccessMedia.All"])
    );
    let stale = h.get(&consent).await;
    assert_eq!(stale.body["consentRequired"], true);
    assert_eq!(
        stale.body["grantedPermissions"].as_array().map(Vec::len),
        Some(8),
        "old grant stays"
    );

    let granted = h.call(Method::PUT, &consent, None).await;
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(granted.body["consentRequired"], false);
    assert_eq!(
        granted.body["grantedPermissions"],
        json!(["Calls.Initiate.All", "Calls.AccessMedia.All"])
    );

    assert_eq!(
        h.call(Method::DELETE, &consent, None).await.status,
        StatusCode::NO_CONTENT
    );
    let revoked = h.get(&consent).await;
    assert_eq!(revoked.body["grantedPermissions"], json!([]));
    assert_eq!(revoked.body["consentRequired"], true);
    assert_eq!(
        h.call(Method::DELETE, &consent, None).await.status,
        StatusCode::NOT_FOUND
    );
    let fresh = h.call(Method::PUT, &consent, None).await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    assert!(fresh.location().ends_with(&format!("/consents/{}", h.app)));
    h.server.shutdown().await;
}

#[tokio::test]
async fn applications_and_secrets() {
    let h = start().await;
    let created = h
        .post(
            "/applications",
            json!({
                "displayName": "Incident Bot",
                "homeTenantId": h.tenant,
                "requestedPermissions": ["Calls.JoinGroupCallasGuest.All"],
                "redirectUris": ["https://bot.example.com/consent"],
                "bot": {"callingWebhookUrl": "https://bot.example.com/api/calling", "callingEnabled": true}
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let app = created.body["appId"].as_str().expect("appId").to_string();
    assert!(created
        .location()
        .ends_with(&format!("/ringside/v1/applications/{app}")));
    assert_eq!(
        created.body["requestedPermissions"],
        json!(["Calls.JoinGroupCallAsGuest.All"])
    );
    assert_eq!(created.body["bot"]["realTimeMediaEnabled"], false);

    let insecure = h
        .call(
            Method::PATCH,
            &format!("/applications/{app}"),
            Some(json!({"bot": {"callingWebhookUrl": "http://bot.example.com"}})),
        )
        .await;
    assert_eq!(insecure.status, StatusCode::BAD_REQUEST);
    let loopback = h
        .call(
            Method::PATCH,
            &format!("/applications/{app}"),
            Some(json!({"bot": {"callingWebhookUrl": "http://127.0.0.1:9000/calls"}})),
        )
        .await;
    assert_eq!(loopback.status, StatusCode::OK);
    assert_eq!(
        loopback.body["bot"]["callingEnabled"], true,
        "PATCH keeps fields it does not name"
    );

    let secret = h
        .post(
            &format!("/applications/{app}/secrets"),
            json!({"displayName": "ci", "expiresInDays": 30}),
        )
        .await;
    assert_eq!(secret.status, StatusCode::CREATED, "{}", secret.body);
    let text = secret.body["secretText"]
        .as_str()
        .expect("secret text shown once")
        .to_string();
    assert_eq!(secret.body["hint"].as_str(), Some(&text[..3]));
    let key = secret.body["keyId"].as_str().expect("keyId").to_string();
    let listed = h.get(&format!("/applications/{app}")).await;
    assert!(
        !listed.body.to_string().contains(&text),
        "the secret text is never shown again"
    );
    assert_eq!(
        h.get(secret.location().trim_start_matches(&h.url("")))
            .await
            .body["keyId"],
        key.as_str()
    );

    let past = h
        .post(
            &format!("/applications/{app}/secrets"),
            json!({"expiresAt": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
    let both = h
        .post(
            &format!("/applications/{app}/secrets"),
            json!({"expiresAt": "2040-01-01T00:00:00Z", "expiresInDays": 3}),
        )
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);

    assert_eq!(
        h.call(
            Method::DELETE,
            &format!("/applications/{app}/secrets/{key}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.call(
            Method::DELETE,
            &format!("/applications/{app}/secrets/{key}"),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let bad_uri = h
        .post("/applications", json!({"displayName": "x", "homeTenantId": h.tenant, "redirectUris": ["http://evil.example.com/cb"]}))
        .await;
    assert_eq!(bad_uri.status, StatusCode::BAD_REQUEST);
    h.server.shutdown().await;
}

#[tokio::test]
async fn tenants_users_and_licences() {
    let h = start().await;
    let tenant = h
        .post(
            "/tenants",
            json!({"displayName": "Contoso", "domain": "contoso.example.com"}),
        )
        .await;
    assert_eq!(tenant.status, StatusCode::CREATED, "{}", tenant.body);
    let id = tenant.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        h.get("/tenants/contoso.example.com").await.body["id"],
        id.as_str(),
        "tenants resolve by domain"
    );
    let again = h
        .post(
            "/tenants",
            json!({"displayName": "Other", "domain": "CONTOSO.example.com"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let users = format!("/tenants/{id}/users");
    let user = h
        .post(&users, json!({"userPrincipalName": "adele@contoso.example.com", "displayName": "Adele", "licences": ["teamsPhone", "MCOPSTN1"]}))
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.body);
    assert_eq!(user.body["licences"], json!(["callingPlan", "teamsPhone"]));
    let user_id = user.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        h.get(&format!("{users}/{user_id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        h.get(&format!("{users}/adele@contoso.example.com"))
            .await
            .body["id"],
        user_id.as_str()
    );

    let clash = h
        .post(
            &users,
            json!({"userPrincipalName": "Adele@contoso.example.com", "displayName": "Adele 2"}),
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    let bad = h
        .post(
            &users,
            json!({"userPrincipalName": "no-at-sign", "displayName": "X"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad_licence = h.post(&users, json!({"userPrincipalName": "b@contoso.example.com", "displayName": "B", "licences": ["E5"]})).await;
    assert_eq!(bad_licence.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.get(&format!("{users}/b@contoso.example.com"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "nothing half-created"
    );
    let resource_licence = h
        .post(&users, json!({"userPrincipalName": "c@contoso.example.com", "displayName": "C", "licences": ["teamsPhoneResourceAccount"]}))
        .await;
    assert_eq!(resource_licence.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.get(&format!("{users}/c@contoso.example.com"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "the batch is atomic"
    );

    h.post(
        &format!("/tenants/{id}/phoneNumbers"),
        json!({"phoneNumber": "+442071230000", "numberType": "OperatorConnect"}),
    )
    .await;
    let assigned = h
        .post(
            &format!("/tenants/{id}/phoneNumbers/+442071230000/assignment"),
            json!({"identity": "adele@contoso.example.com"}),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::CREATED, "{}", assigned.body);
    assert_eq!(assigned.body["accountType"], "user");
    let number = h
        .get(&format!("/tenants/{id}/phoneNumbers/+442071230000"))
        .await;
    assert_eq!(
        (
            number.body["pstnAssignmentStatus"].as_str(),
            number.body["isoCountryCode"].as_str()
        ),
        (Some("UserAssigned"), Some("GB"))
    );

    assert_eq!(
        h.call(Method::DELETE, &format!("{users}/{user_id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get(&format!("{users}/{user_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let released = h
        .get(&format!("/tenants/{id}/phoneNumbers/+442071230000"))
        .await;
    assert_eq!(
        released.body["pstnAssignmentStatus"], "Unassigned",
        "deleting a user releases its number"
    );
    assert_eq!(
        h.get("/tenants/00000000-0000-4000-8000-00000000dead/users")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    h.server.shutdown().await;
}

#[tokio::test]
async fn acs_resources_and_key_rotation() {
    let h = start().await;
    let created = h
        .post(
            "/acsResources",
            json!({"tenantId": h.tenant, "name": "contoso-acs", "displayName": "Contoso ACS"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_string();
    let endpoint = format!("{}/", h.base);
    assert_eq!(created.body["endpoint"], endpoint.as_str());
    let primary = created.body["primaryKey"]
        .as_str()
        .expect("key")
        .to_string();
    let secondary = created.body["secondaryKey"]
        .as_str()
        .expect("key")
        .to_string();
    assert_eq!(primary.len(), 44);
    assert_eq!(
        created.body["connectionString"],
        format!("endpoint={endpoint};accesskey={primary}").as_str()
    );

    let rotated = h
        .post(
            &format!("/acsResources/{id}/keys/rotate"),
            json!({"keyType": "primary"}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert_ne!(rotated.body["primaryKey"], primary.as_str());
    assert_eq!(rotated.body["secondaryKey"], secondary.as_str());
    let bad = h
        .post(
            &format!("/acsResources/{id}/keys/rotate"),
            json!({"keyType": "tertiary"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let duplicate = h
        .post(
            "/acsResources",
            json!({"tenantId": h.tenant, "name": "Contoso-ACS"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let listed = h.get("/acsResources").await;
    assert_eq!(
        listed.body["value"].as_array().map(Vec::len),
        Some(2),
        "the seeded one and this one"
    );

    let instance = h.new_instance("tpe").await;
    let path = h.t(&format!("/applicationInstances/{instance}"));
    let bound = h
        .call(Method::PATCH, &path, Some(json!({"acsResourceId": id})))
        .await;
    assert_eq!(bound.body["acsResourceId"], id.as_str());
    let untouched = h
        .call(Method::PATCH, &path, Some(json!({"displayName": "TPE"})))
        .await;
    assert_eq!(
        untouched.body["acsResourceId"],
        id.as_str(),
        "absent leaves the binding"
    );
    let cleared = h
        .call(Method::PATCH, &path, Some(json!({"acsResourceId": null})))
        .await;
    assert_eq!(cleared.body["acsResourceId"], Value::Null);
    let unknown = h
        .call(
            Method::PATCH,
            &path,
            Some(json!({"acsResourceId": "00000000-0000-4000-8000-00000000dead"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    h.server.shutdown().await;
}

#[tokio::test]
async fn provisioning_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let h = start_in(dir).await;
    let instance = h.new_instance("persist").await;
    h.licence(&instance, "teamsPhoneResourceAccount").await;
    h.acquire("+14255550160", "CallingPlan").await;
    h.call(
        Method::PUT,
        &h.t(&format!("/applicationInstances/{instance}/telephoneNumber")),
        Some(json!({"telephoneNumber": "+14255550160"})),
    )
    .await;
    let before = h
        .get(&h.t(&format!("/applicationInstances/{instance}")))
        .await
        .body;
    let Harness { server, _dir, .. } = h;
    server.shutdown().await;

    let reopened = start_in(_dir).await;
    assert_eq!(reopened._dir.path(), root.as_path());
    let after = reopened
        .get(&reopened.t(&format!("/applicationInstances/{instance}")))
        .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body, before);
    assert_eq!(after.body["phoneNumber"], "+14255550160");
    reopened.server.shutdown().await;
}
