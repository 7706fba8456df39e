//! Integration tests of the provisioning API (`/ringside/v1`) against a real dev-mode server on
//! 127.0.0.1:0 over HTTPS: auth, request hygiene (malformed JSON, oversized body), the provisioning flows
//! of seeds 003/004, and the negative rules (unknown permission, duplicate assignment, missing licence).

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{send, Reply, TestServer};
use serde_json::{json, Value};

/// `path` under the dev tenant.
fn t(h: &TestServer, path: &str) -> String {
    format!("/tenants/{}{path}", h.dev.tenant_id)
}

/// Creates an application instance for the dev app; returns its id.
async fn new_instance(h: &TestServer, local: &str) -> String {
    let domain = h.admin(Method::GET, &t(h, ""), None).await.body["domain"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let reply = h
        .admin(
            Method::POST,
            &t(h, "/applicationInstances"),
            json!({"userPrincipalName": format!("{local}@{domain}"), "applicationId": h.dev.app.client_id, "displayName": local}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_str().expect("id").to_string()
}

async fn acquire(h: &TestServer, number: &str, number_type: &str) {
    let reply = h
        .admin(
            Method::POST,
            &t(h, "/phoneNumbers"),
            json!({"phoneNumber": number, "numberType": number_type}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

async fn licence(h: &TestServer, account: &str, licence: &str) -> Reply {
    h.admin(
        Method::POST,
        &t(h, &format!("/accounts/{account}/licences")),
        json!({ "licence": licence }),
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn admin_token_is_required_and_checked() {
    let h = TestServer::start().await;
    let missing = send(h.http.get(h.api_url("/tenants"))).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.code(), "InvalidAuthenticationToken");
    assert!(missing.body["error"]["innerError"]["request-id"].is_string());
    assert!(missing.body["error"]["innerError"]["date"].is_string());

    let wrong = send(
        h.http
            .get(h.api_url("/tenants"))
            .bearer_auth("rs_admin_wrong"),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let basic = send(
        h.http
            .get(h.api_url("/tenants"))
            .basic_auth("admin", Some(&h.dev.admin_token)),
    )
    .await;
    assert_eq!(
        basic.status,
        StatusCode::UNAUTHORIZED,
        "only a bearer token counts"
    );
    // A wrong token is refused before the body is looked at.
    let write = send(
        h.http
            .post(h.api_url("/tenants"))
            .bearer_auth("nope")
            .body("{not json"),
    )
    .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);

    let ok = h.admin(Method::GET, "/tenants", None).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body["value"]
        .as_array()
        .is_some_and(|v| v.iter().any(|t| t["id"] == h.dev.tenant_id.as_str())));
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn every_documented_route_is_served_and_guarded() {
    let h = TestServer::start().await;
    let doc = send(h.http.get(h.api_url("/openapi.json"))).await;
    assert_eq!(doc.status, StatusCode::OK, "openapi.json needs no token");
    assert_eq!(doc.body["openapi"], "3.1.0");
    let paths = doc.body["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20);
    let mut checked = 0;
    for (path, item) in paths {
        let concrete = path
            .replace("{tenantId}", &h.dev.tenant_id)
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
            let reply = send(
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

#[tokio::test(start_paused = true)]
async fn malformed_and_oversized_bodies_get_the_envelope() {
    let h = TestServer::start().await;
    let users = t(&h, "/users");
    let malformed = send(
        h.http
            .post(h.api_url(&users))
            .bearer_auth(&h.dev.admin_token)
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

    let shape = h
        .admin(Method::POST, &users, json!({"userPrincipalName": 42}))
        .await;
    assert_eq!(shape.status, StatusCode::BAD_REQUEST);
    assert!(shape.message().contains("invalid shape"), "{}", shape.body);

    let empty = send(
        h.http
            .post(h.api_url(&users))
            .bearer_auth(&h.dev.admin_token),
    )
    .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    let huge = format!(
        "{{\"displayName\": \"{}\", \"userPrincipalName\": \"big@x.com\"}}",
        "x".repeat(2 << 20)
    );
    let oversized = send(
        h.http
            .post(h.api_url(&users))
            .bearer_auth(&h.dev.admin_token)
            .body(huge),
    )
    .await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(oversized.code(), "RequestEntityTooLarge");

    let bad_id = h
        .admin(
            Method::GET,
            &t(&h, "/applicationInstances/not-a-guid"),
            None,
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST, "{}", bad_id.body);
    let bad_number = h
        .admin(Method::GET, &t(&h, "/phoneNumbers/12345"), None)
        .await;
    assert_eq!(bad_number.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_number.message().contains("E.164"),
        "{}",
        bad_number.body
    );
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn unknown_permission_names_are_rejected() {
    let h = TestServer::start().await;
    let create = h.admin(Method::POST,
            "/applications",
            json!({"displayName": "Bot", "homeTenantId": h.dev.tenant_id, "requestedPermissions": ["Calls.Initiate.All", "Calls.MakeCoffee.All"]}),
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
        .admin(
            Method::PATCH,
            &format!("/applications/{}", h.dev.app.client_id),
            Some(json!({"requestedPermissions": ["User.Read.All"]})),
        )
        .await;
    assert_eq!(patch.status, StatusCode::BAD_REQUEST);
    let app = h
        .admin(
            Method::GET,
            &format!("/applications/{}", h.dev.app.client_id),
            None,
        )
        .await;
    assert_eq!(
        app.body["requestedPermissions"].as_array().map(Vec::len),
        Some(8),
        "nothing changed"
    );
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_number_needs_the_accounts_licence() {
    let h = TestServer::start().await;
    let instance = new_instance(&h, "ivr").await;
    acquire(&h, "+14255550170", "DirectRouting").await;
    let put = h
        .admin(
            Method::PUT,
            &t(
                &h,
                &format!("/applicationInstances/{instance}/telephoneNumber"),
            ),
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
        .admin(
            Method::POST,
            &t(&h, "/phoneNumbers/+14255550170/assignment"),
            json!({"identity": instance, "phoneNumberType": "DirectRouting"}),
        )
        .await;
    assert_eq!(assign.status, StatusCode::PRECONDITION_FAILED);

    let wrong_kind = licence(&h, &instance, "teamsPhone").await;
    assert_eq!(
        wrong_kind.status,
        StatusCode::BAD_REQUEST,
        "teamsPhone is for users"
    );
    let licensed = licence(&h, &instance, "PHONESYSTEM_VIRTUALUSER").await;
    assert_eq!(licensed.status, StatusCode::CREATED, "{}", licensed.body);
    assert_eq!(
        licensed.body["licences"],
        json!(["teamsPhoneResourceAccount"])
    );
    let again = licence(&h, &instance, "teamsPhoneResourceAccount").await;
    assert_eq!(again.status, StatusCode::OK, "re-assigning is idempotent");

    let assign = h
        .admin(
            Method::POST,
            &t(&h, "/phoneNumbers/%2B14255550170/assignment"),
            json!({"identity": instance, "phoneNumberType": "directrouting"}),
        )
        .await;
    assert_eq!(assign.status, StatusCode::CREATED, "{}", assign.body);
    assert_eq!(assign.body["identity"], instance.as_str());

    let remove = h
        .admin(
            Method::DELETE,
            &t(
                &h,
                &format!("/accounts/{instance}/licences/teamsPhoneResourceAccount"),
            ),
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

#[tokio::test(start_paused = true)]
async fn duplicate_number_assignment_is_a_conflict_naming_the_owner() {
    let h = TestServer::start().await;
    let first = new_instance(&h, "queue").await;
    let second = new_instance(&h, "attendant").await;
    for id in [&first, &second] {
        assert_eq!(
            licence(&h, id, "teamsPhoneResourceAccount").await.status,
            StatusCode::CREATED
        );
    }
    acquire(&h, "+14255550180", "CallingPlan").await;
    acquire(&h, "+14255550181", "CallingPlan").await;
    let number = t(&h, "/phoneNumbers/+14255550180/assignment");
    let taken = h
        .admin(
            Method::POST,
            &number,
            json!({"identity": first, "phoneNumberType": "CallingPlan"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.body);

    let duplicate = h
        .admin(
            Method::POST,
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
        .admin(
            Method::PUT,
            &t(
                &h,
                &format!("/applicationInstances/{second}/telephoneNumber"),
            ),
            Some(json!({"telephoneNumber": "+14255550180"})),
        )
        .await;
    assert_eq!(by_upn.status, StatusCode::CONFLICT);

    let second_number = h
        .admin(
            Method::POST,
            &t(&h, "/phoneNumbers/+14255550181/assignment"),
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
        .admin(
            Method::POST,
            &t(&h, "/phoneNumbers"),
            json!({"phoneNumber": "+14255550180", "numberType": "CallingPlan"}),
        )
        .await;
    assert_eq!(
        held.status,
        StatusCode::CONFLICT,
        "numbers are acquired once"
    );
    let lookup = h
        .admin(Method::GET, &t(&h, "/phoneNumbers/%2B14255550180"), None)
        .await;
    assert_eq!(lookup.body["assignedPstnTargetId"], first.as_str());
    h.server.shutdown().await;
}

/// Seed 003 end to end: create the instance, licence it, give it a number, sync, update, unassign.
#[tokio::test(start_paused = true)]
async fn resource_account_lifecycle_like_the_powershell_walkthrough() {
    let h = TestServer::start().await;
    let instance = new_instance(&h, "bot2").await;
    let path = t(&h, &format!("/applicationInstances/{instance}"));
    let fetched = h.admin(Method::GET, &path, None).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body["applicationId"], h.dev.app.client_id.as_str());
    assert_eq!(fetched.body["phoneNumber"], Value::Null);
    assert_eq!(fetched.body["syncedAt"], Value::Null);

    let synced = h
        .admin(Method::POST, &format!("{path}/sync"), json!({}))
        .await;
    assert_eq!(synced.status, StatusCode::OK);
    assert!(synced.body["syncedAt"].is_string());

    assert_eq!(
        licence(&h, &instance, "teamsPhoneResourceAccount")
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        licence(&h, &instance, "callingPlan").await.status,
        StatusCode::CREATED
    );
    acquire(&h, "+14255550190", "CallingPlan").await;
    acquire(&h, "+14255550191", "OperatorConnect").await;

    let number_path = format!("{path}/telephoneNumber");
    let assigned = h
        .admin(
            Method::PUT,
            &number_path,
            Some(json!({"telephoneNumber": "+14255550190"})),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.body);
    assert_eq!(assigned.body["phoneNumber"], "+14255550190");

    let shown = h
        .admin(Method::GET, &t(&h, "/phoneNumbers/%2B14255550190"), None)
        .await;
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
        .admin(
            Method::PUT,
            &number_path,
            Some(json!({"telephoneNumber": "+14255550191"})),
        )
        .await;
    assert_eq!(updated.body["phoneNumber"], "+14255550191");
    let freed = h
        .admin(Method::GET, &t(&h, "/phoneNumbers/+14255550190"), None)
        .await;
    assert_eq!(freed.body["pstnAssignmentStatus"], "Unassigned");

    let cleared = h
        .admin(
            Method::PUT,
            &number_path,
            Some(json!({"telephoneNumber": null})),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert_eq!(cleared.body["phoneNumber"], Value::Null);
    let missing_field = h.admin(Method::PUT, &number_path, Some(json!({}))).await;
    assert_eq!(missing_field.status, StatusCode::BAD_REQUEST);

    let release = h
        .admin(Method::DELETE, &t(&h, "/phoneNumbers/%2B14255550191"), None)
        .await;
    assert_eq!(release.status, StatusCode::NO_CONTENT);
    assert_eq!(
        h.admin(Method::GET, &t(&h, "/phoneNumbers/+14255550191"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The instance is reachable by UPN too, and listed.
    let upn = fetched.body["userPrincipalName"]
        .as_str()
        .expect("upn")
        .to_string();
    assert_eq!(
        h.admin(
            Method::GET,
            &t(&h, &format!("/applicationInstances/{upn}")),
            None
        )
        .await
        .body["id"],
        instance.as_str()
    );
    let all = h
        .admin(Method::GET, &t(&h, "/applicationInstances"), None)
        .await;
    assert_eq!(
        all.body["value"].as_array().map(Vec::len),
        Some(3),
        "the two seeded ones (Graph bot, CCaaS) and this one"
    );
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn consent_must_be_granted_again_after_permissions_change() {
    let h = TestServer::start().await;
    let consent = t(&h, &format!("/consents/{}", h.dev.app.client_id));
    let before = h.admin(Method::GET, &consent, None).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.body["consentRequired"], false);

    let patched = h
        .admin(
            Method::PATCH,
            &format!("/applications/{}", h.dev.app.client_id),
            Some(json!({"requestedPermissions": ["Calls.Initiate.All", "calls.accessmedia.all"]})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(
        patched.body["requestedPermissions"],
        json!(["Calls.Initiate.All", "Calls.AccessMedia.All"])
    );
    let stale = h.admin(Method::GET, &consent, None).await;
    assert_eq!(stale.body["consentRequired"], true);
    assert_eq!(
        stale.body["grantedPermissions"].as_array().map(Vec::len),
        Some(8),
        "old grant stays"
    );

    let granted = h.admin(Method::PUT, &consent, None).await;
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(granted.body["consentRequired"], false);
    assert_eq!(
        granted.body["grantedPermissions"],
        json!(["Calls.Initiate.All", "Calls.AccessMedia.All"])
    );

    assert_eq!(
        h.admin(Method::DELETE, &consent, None).await.status,
        StatusCode::NO_CONTENT
    );
    let revoked = h.admin(Method::GET, &consent, None).await;
    assert_eq!(revoked.body["grantedPermissions"], json!([]));
    assert_eq!(revoked.body["consentRequired"], true);
    assert_eq!(
        h.admin(Method::DELETE, &consent, None).await.status,
        StatusCode::NOT_FOUND
    );
    let fresh = h.admin(Method::PUT, &consent, None).await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    assert!(fresh
        .header("location")
        .ends_with(&format!("/consents/{}", h.dev.app.client_id)));
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn applications_and_secrets() {
    let h = TestServer::start().await;
    let created = h.admin(Method::POST,
            "/applications",
            json!({
                "displayName": "Incident Bot",
                "homeTenantId": h.dev.tenant_id,
                "requestedPermissions": ["Calls.JoinGroupCallasGuest.All"],
                "redirectUris": ["https://bot.example.com/consent"],
                "bot": {"callingWebhookUrl": "https://bot.example.com/api/calling", "callingEnabled": true}
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let app = created.body["appId"].as_str().expect("appId").to_string();
    assert!(created
        .header("location")
        .ends_with(&format!("/ringside/v1/applications/{app}")));
    assert_eq!(
        created.body["requestedPermissions"],
        json!(["Calls.JoinGroupCallAsGuest.All"])
    );
    assert_eq!(created.body["bot"]["realTimeMediaEnabled"], false);

    let insecure = h
        .admin(
            Method::PATCH,
            &format!("/applications/{app}"),
            Some(json!({"bot": {"callingWebhookUrl": "http://bot.example.com"}})),
        )
        .await;
    assert_eq!(insecure.status, StatusCode::BAD_REQUEST);
    let loopback = h
        .admin(
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
        .admin(
            Method::POST,
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
    let listed = h
        .admin(Method::GET, &format!("/applications/{app}"), None)
        .await;
    assert!(
        !listed.body.to_string().contains(&text),
        "the secret text is never shown again"
    );
    assert_eq!(
        h.admin(
            Method::GET,
            secret.header("location").trim_start_matches(&h.api_url("")),
            None
        )
        .await
        .body["keyId"],
        key.as_str()
    );

    let past = h
        .admin(
            Method::POST,
            &format!("/applications/{app}/secrets"),
            json!({"expiresAt": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
    let both = h
        .admin(
            Method::POST,
            &format!("/applications/{app}/secrets"),
            json!({"expiresAt": "2040-01-01T00:00:00Z", "expiresInDays": 3}),
        )
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);

    assert_eq!(
        h.admin(
            Method::DELETE,
            &format!("/applications/{app}/secrets/{key}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.admin(
            Method::DELETE,
            &format!("/applications/{app}/secrets/{key}"),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let bad_uri = h.admin(Method::POST, "/applications", json!({"displayName": "x", "homeTenantId": h.dev.tenant_id, "redirectUris": ["http://evil.example.com/cb"]}))
        .await;
    assert_eq!(bad_uri.status, StatusCode::BAD_REQUEST);
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn tenants_users_and_licences() {
    let h = TestServer::start().await;
    let tenant = h
        .admin(
            Method::POST,
            "/tenants",
            json!({"displayName": "Contoso", "domain": "contoso.example.com"}),
        )
        .await;
    assert_eq!(tenant.status, StatusCode::CREATED, "{}", tenant.body);
    let id = tenant.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        h.admin(Method::GET, "/tenants/contoso.example.com", None)
            .await
            .body["id"],
        id.as_str(),
        "tenants resolve by domain"
    );
    let again = h
        .admin(
            Method::POST,
            "/tenants",
            json!({"displayName": "Other", "domain": "CONTOSO.example.com"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let users = format!("/tenants/{id}/users");
    let user = h.admin(Method::POST, &users, json!({"userPrincipalName": "adele@contoso.example.com", "displayName": "Adele", "licences": ["teamsPhone", "MCOPSTN1"]}))
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.body);
    assert_eq!(user.body["licences"], json!(["callingPlan", "teamsPhone"]));
    let user_id = user.body["id"].as_str().expect("id").to_string();
    assert_eq!(
        h.admin(Method::GET, &format!("{users}/{user_id}"), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        h.admin(
            Method::GET,
            &format!("{users}/adele@contoso.example.com"),
            None
        )
        .await
        .body["id"],
        user_id.as_str()
    );

    let clash = h
        .admin(
            Method::POST,
            &users,
            json!({"userPrincipalName": "Adele@contoso.example.com", "displayName": "Adele 2"}),
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    let bad = h
        .admin(
            Method::POST,
            &users,
            json!({"userPrincipalName": "no-at-sign", "displayName": "X"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad_licence = h.admin(Method::POST, &users, json!({"userPrincipalName": "b@contoso.example.com", "displayName": "B", "licences": ["E5"]})).await;
    assert_eq!(bad_licence.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.admin(Method::GET, &format!("{users}/b@contoso.example.com"), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "nothing half-created"
    );
    let resource_licence = h.admin(Method::POST, &users, json!({"userPrincipalName": "c@contoso.example.com", "displayName": "C", "licences": ["teamsPhoneResourceAccount"]}))
        .await;
    assert_eq!(resource_licence.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.admin(Method::GET, &format!("{users}/c@contoso.example.com"), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "the batch is atomic"
    );

    h.admin(
        Method::POST,
        &format!("/tenants/{id}/phoneNumbers"),
        json!({"phoneNumber": "+442071230000", "numberType": "OperatorConnect"}),
    )
    .await;
    let assigned = h
        .admin(
            Method::POST,
            &format!("/tenants/{id}/phoneNumbers/+442071230000/assignment"),
            json!({"identity": "adele@contoso.example.com"}),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::CREATED, "{}", assigned.body);
    assert_eq!(assigned.body["accountType"], "user");
    let number = h
        .admin(
            Method::GET,
            &format!("/tenants/{id}/phoneNumbers/+442071230000"),
            None,
        )
        .await;
    assert_eq!(
        (
            number.body["pstnAssignmentStatus"].as_str(),
            number.body["isoCountryCode"].as_str()
        ),
        (Some("UserAssigned"), Some("GB"))
    );

    assert_eq!(
        h.admin(Method::DELETE, &format!("{users}/{user_id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.admin(Method::GET, &format!("{users}/{user_id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let released = h
        .admin(
            Method::GET,
            &format!("/tenants/{id}/phoneNumbers/+442071230000"),
            None,
        )
        .await;
    assert_eq!(
        released.body["pstnAssignmentStatus"], "Unassigned",
        "deleting a user releases its number"
    );
    assert_eq!(
        h.admin(
            Method::GET,
            "/tenants/00000000-0000-4000-8000-00000000dead/users",
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn acs_resources_and_key_rotation() {
    let h = TestServer::start().await;
    let created = h.admin(Method::POST,
            "/acsResources",
            json!({"tenantId": h.dev.tenant_id, "name": "contoso-acs", "displayName": "Contoso ACS"}),
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
        .admin(
            Method::POST,
            &format!("/acsResources/{id}/keys/rotate"),
            json!({"keyType": "primary"}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert_ne!(rotated.body["primaryKey"], primary.as_str());
    assert_eq!(rotated.body["secondaryKey"], secondary.as_str());
    let bad = h
        .admin(
            Method::POST,
            &format!("/acsResources/{id}/keys/rotate"),
            json!({"keyType": "tertiary"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let duplicate = h
        .admin(
            Method::POST,
            "/acsResources",
            json!({"tenantId": h.dev.tenant_id, "name": "Contoso-ACS"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let listed = h.admin(Method::GET, "/acsResources", None).await;
    assert_eq!(
        listed.body["value"].as_array().map(Vec::len),
        Some(2),
        "the seeded one and this one"
    );

    let instance = new_instance(&h, "tpe").await;
    let path = t(&h, &format!("/applicationInstances/{instance}"));
    let bound = h
        .admin(Method::PATCH, &path, Some(json!({"acsResourceId": id})))
        .await;
    assert_eq!(bound.body["acsResourceId"], id.as_str());
    let untouched = h
        .admin(Method::PATCH, &path, Some(json!({"displayName": "TPE"})))
        .await;
    assert_eq!(
        untouched.body["acsResourceId"],
        id.as_str(),
        "absent leaves the binding"
    );
    let cleared = h
        .admin(Method::PATCH, &path, Some(json!({"acsResourceId": null})))
        .await;
    assert_eq!(cleared.body["acsResourceId"], Value::Null);
    let unknown = h
        .admin(
            Method::PATCH,
            &path,
            Some(json!({"acsResourceId": "00000000-0000-4000-8000-00000000dead"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn provisioning_survives_a_restart() {
    let h = TestServer::start().await;
    let root = h.data_dir();
    let instance = new_instance(&h, "persist").await;
    licence(&h, &instance, "teamsPhoneResourceAccount").await;
    acquire(&h, "+14255550160", "CallingPlan").await;
    h.admin(
        Method::PUT,
        &t(
            &h,
            &format!("/applicationInstances/{instance}/telephoneNumber"),
        ),
        Some(json!({"telephoneNumber": "+14255550160"})),
    )
    .await;
    let before = h
        .admin(
            Method::GET,
            &t(&h, &format!("/applicationInstances/{instance}")),
            None,
        )
        .await
        .body;
    let reopened = h.restart().await;
    assert_eq!(reopened.data_dir(), root);
    let after = reopened
        .admin(
            Method::GET,
            &t(&reopened, &format!("/applicationInstances/{instance}")),
            None,
        )
        .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body, before);
    assert_eq!(after.body["phoneNumber"], "+14255550160");
    reopened.server.shutdown().await;
}
