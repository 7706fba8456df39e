//! The Direct Routing provisioning API in-process: gateways (defaults, write-only credentials),
//! usages, routes, policies and grants, SIP credentials, Direct Routing number assignment; every
//! refusal's status and envelope (400 bad regex, 404 unknown gateway, 409 usage in use, 409
//! duplicate SIP username).

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::testing::TestPlatform;

/// A tenant `contoso.com` with users adele (Teams Phone licence) and bob; returns the tenant path.
async fn tenant(p: &TestPlatform) -> String {
    let (status, body) = p
        .call(
            Method::POST,
            "/tenants",
            Some(json!({"displayName": "Contoso", "domain": "contoso.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let path = format!("/tenants/{}", body["id"].as_str().expect("id"));
    for (upn, licences) in [
        ("adele@contoso.com", json!(["teamsPhone"])),
        ("bob@contoso.com", json!([])),
    ] {
        let (status, body) = p
            .call(
                Method::POST,
                &format!("{path}/users"),
                Some(json!({"userPrincipalName": upn, "displayName": upn, "licences": licences})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    path
}

/// Asserts a refusal: status, envelope code, and a message fragment.
fn refused(reply: &(StatusCode, Value), status: StatusCode, fragment: &str) {
    assert_eq!(reply.0, status, "{}", reply.1);
    let message = reply.1["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "'{message}' lacks '{fragment}'");
    assert!(reply.1["error"]["code"].is_string(), "{}", reply.1);
}

#[tokio::test]
async fn gateways_have_teams_defaults_and_write_only_credentials() {
    let p = TestPlatform::start();
    let t = tenant(&p).await;
    let (status, gw) = p
        .call(
            Method::POST,
            &format!("{t}/pstnGateways"),
            Some(
                json!({"fqdn": "SBC.contoso.com", "username": "trunk", "password": "secret pass"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{gw}");
    assert_eq!(gw["fqdn"], "sbc.contoso.com");
    assert_eq!(
        (
            &gw["sipSignalingPort"],
            &gw["transport"],
            &gw["enabled"],
            &gw["sendSipOptions"],
            &gw["forwardPai"]
        ),
        (
            &json!(5061),
            &json!("tls"),
            &json!(false),
            &json!(true),
            &json!(false)
        )
    );
    assert_eq!(
        (&gw["failoverResponseCodes"], &gw["failoverTimeSeconds"]),
        (&json!("408,503,504"), &json!(10))
    );
    assert_eq!(gw["hasCredentials"], true);
    assert!(
        !gw.to_string().contains("secret pass") && !gw.to_string().contains("trunk"),
        "{gw}"
    );
    let (status, gw) = p
        .call(
            Method::PATCH,
            &format!("{t}/pstnGateways/sbc.CONTOSO.com"),
            Some(json!({"enabled": true, "transport": "udp", "username": null, "password": null, "maxConcurrentSessions": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{gw}");
    assert_eq!(
        (
            &gw["enabled"],
            &gw["transport"],
            &gw["hasCredentials"],
            &gw["maxConcurrentSessions"]
        ),
        (&json!(true), &json!("udp"), &json!(false), &json!(5))
    );
    let url = format!("{t}/pstnGateways");
    refused(
        &p.call(Method::POST, &url, Some(json!({"fqdn": "sbc.contoso.com"})))
            .await,
        StatusCode::CONFLICT,
        "already exists",
    );
    refused(
        &p.call(Method::POST, &url, Some(json!({"fqdn": "bad host!"})))
            .await,
        StatusCode::BAD_REQUEST,
        "not a valid gateway FQDN",
    );
    refused(
        &p.call(
            Method::POST,
            &url,
            Some(json!({"fqdn": "a.contoso.com", "transport": "sctp"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "Invalid transport",
    );
    refused(
        &p.call(
            Method::POST,
            &url,
            Some(json!({"fqdn": "a.contoso.com", "sipSignalingPort": 70000})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "sipSignalingPort",
    );
    refused(
        &p.call(
            Method::POST,
            &url,
            Some(json!({"fqdn": "a.contoso.com", "failoverResponseCodes": "200"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "failover response codes",
    );
    refused(
        &p.call(
            Method::POST,
            &url,
            Some(json!({"fqdn": "a.contoso.com", "username": "u"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "together",
    );
    refused(
        &p.call(
            Method::GET,
            &format!("{t}/pstnGateways/nope.contoso.com"),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "No PSTN gateway",
    );
    let (status, listed) = p.call(Method::GET, &url, None).await;
    assert_eq!(
        (status, listed["value"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1))
    );
    let (status, _) = p
        .call(
            Method::DELETE,
            &format!("{t}/pstnGateways/sbc.contoso.com"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn routes_and_policies_keep_their_references_valid() {
    let p = TestPlatform::start();
    let t = tenant(&p).await;
    let (status, _) = p
        .call(
            Method::POST,
            &format!("{t}/pstnGateways"),
            Some(json!({"fqdn": "sbc.contoso.com", "enabled": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, usages) = p
        .call(
            Method::PATCH,
            &format!("{t}/pstnUsages"),
            Some(json!({"add": ["US", "EU"]})),
        )
        .await;
    assert_eq!(
        (status, &usages["usage"]),
        (StatusCode::OK, &json!(["US", "EU"]))
    );
    let routes = format!("{t}/voiceRoutes");
    let route = |pattern: &str, gateway: &str| json!({"identity": "US and Canada", "numberPattern": pattern, "onlinePstnGatewayList": [gateway], "onlinePstnUsages": ["US"]});
    refused(
        &p.call(
            Method::POST,
            &routes,
            Some(route("^(+1", "sbc.contoso.com")),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "not a valid regular expression",
    );
    refused(
        &p.call(Method::POST, &routes, Some(route(".*", "nope.contoso.com")))
            .await,
        StatusCode::NOT_FOUND,
        "No PSTN gateway 'nope.contoso.com'",
    );
    refused(
        &p.call(
            Method::POST,
            &routes,
            Some(json!({"identity": "x", "onlinePstnUsages": ["APAC"]})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "not in the tenant's list",
    );
    let (status, created) = p
        .call(
            Method::POST,
            &routes,
            Some(route(r"^\+1\d{10}$", "SBC.contoso.com")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (&created["priority"], &created["onlinePstnGatewayList"]),
        (&json!(0), &json!(["sbc.contoso.com"]))
    );
    let (status, got) = p
        .call(Method::GET, &format!("{routes}/us%20and%20canada"), None)
        .await;
    assert_eq!(
        (status, &got["identity"]),
        (StatusCode::OK, &json!("US and Canada"))
    );
    refused(
        &p.call(
            Method::PATCH,
            &format!("{t}/pstnUsages"),
            Some(json!({"remove": ["US"]})),
        )
        .await,
        StatusCode::CONFLICT,
        "'US and Canada'",
    );
    refused(
        &p.call(
            Method::DELETE,
            &format!("{t}/pstnGateways/sbc.contoso.com"),
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "used by the voice route",
    );

    let policies = format!("{t}/voiceRoutingPolicies");
    let (status, global) = p
        .call(Method::GET, &format!("{policies}/Global"), None)
        .await;
    assert_eq!(
        (status, &global["onlinePstnUsages"]),
        (StatusCode::OK, &json!([]))
    );
    let (status, global) = p
        .call(
            Method::PATCH,
            &format!("{policies}/Global"),
            Some(json!({"onlinePstnUsages": ["EU", "US"]})),
        )
        .await;
    assert_eq!(
        (status, &global["onlinePstnUsages"]),
        (StatusCode::OK, &json!(["EU", "US"]))
    );
    refused(
        &p.call(Method::DELETE, &format!("{policies}/Global"), None)
            .await,
        StatusCode::BAD_REQUEST,
        "cannot be removed",
    );
    refused(
        &p.call(
            Method::PATCH,
            &format!("{t}/pstnUsages"),
            Some(json!({"remove": ["EU"]})),
        )
        .await,
        StatusCode::CONFLICT,
        "'Global'",
    );
    let (status, sales) = p
        .call(
            Method::POST,
            &policies,
            Some(json!({"identity": "Tag:Sales", "onlinePstnUsages": ["US"]})),
        )
        .await;
    assert_eq!(
        (status, &sales["identity"]),
        (StatusCode::CREATED, &json!("Sales"))
    );
    let grant = format!("{t}/accounts/adele@contoso.com/voiceRoutingPolicy");
    let (status, granted) = p
        .call(Method::PUT, &grant, Some(json!({"policyName": "Sales"})))
        .await;
    assert_eq!(
        (status, &granted["policyName"], &granted["effectivePolicy"]),
        (StatusCode::OK, &json!("Sales"), &json!("Sales"))
    );
    let (_, user) = p
        .call(Method::GET, &format!("{t}/users/adele@contoso.com"), None)
        .await;
    assert_eq!(user["voiceRoutingPolicy"], "Sales", "shown on the account");
    refused(
        &p.call(Method::DELETE, &format!("{policies}/sales"), None)
            .await,
        StatusCode::CONFLICT,
        "granted to 'adele@contoso.com'",
    );
    refused(
        &p.call(Method::PUT, &grant, Some(json!({"policyName": "Nope"})))
            .await,
        StatusCode::NOT_FOUND,
        "No voice routing policy",
    );
    refused(
        &p.call(Method::PUT, &grant, Some(json!({}))).await,
        StatusCode::BAD_REQUEST,
        "policyName",
    );
    let (status, back) = p
        .call(Method::PUT, &grant, Some(json!({"policyName": null})))
        .await;
    assert_eq!(
        (status, &back["policyName"], &back["effectivePolicy"]),
        (StatusCode::OK, &Value::Null, &json!("Global"))
    );
    let (status, _) = p
        .call(Method::DELETE, &format!("{policies}/sales"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = p
        .call(Method::DELETE, &format!("{routes}/US%20and%20Canada"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn sip_credentials_show_the_password_once() {
    let p = TestPlatform::start();
    let t = tenant(&p).await;
    let adele = format!("{t}/users/adele@contoso.com/sipCredential");
    let (status, created) = p.call(Method::PUT, &adele, None).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["username"], "adele", "the UPN's local part");
    let password = created["password"].as_str().expect("password");
    assert!(
        password.len() >= 24 && password.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{password}"
    );
    let (status, got) = p.call(Method::GET, &adele, None).await;
    assert_eq!(
        (status, &got["username"]),
        (StatusCode::OK, &json!("adele"))
    );
    assert!(got.get("password").is_none(), "{got}");
    let (status, replaced) = p
        .call(
            Method::PUT,
            &adele,
            Some(json!({"password": "a-password-of-mine"})),
        )
        .await;
    assert_eq!(
        (status, &replaced["password"]),
        (StatusCode::OK, &json!("a-password-of-mine"))
    );
    let (found, user) = p
        .state
        .directory()
        .read(|d| d.sip_credential("ADELE").map(|c| (c.2.to_string(), c.1)))
        .expect("stored");
    assert_eq!(found, "a-password-of-mine");
    assert_eq!(
        p.state
            .directory()
            .read(|d| d.sip_username_of(user_tenant(&t), user).map(str::to_string)),
        Some("adele".into())
    );
    let bob = format!("{t}/users/bob@contoso.com/sipCredential");
    refused(
        &p.call(Method::PUT, &bob, Some(json!({"username": "Adele"})))
            .await,
        StatusCode::CONFLICT,
        "already used by another user",
    );
    refused(
        &p.call(Method::PUT, &bob, Some(json!({"password": "short"})))
            .await,
        StatusCode::BAD_REQUEST,
        "12 to 128",
    );
    refused(
        &p.call(Method::GET, &bob, None).await,
        StatusCode::NOT_FOUND,
        "no SIP credential",
    );
    let (status, _) = p.call(Method::DELETE, &adele, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    refused(
        &p.call(Method::DELETE, &adele, None).await,
        StatusCode::NOT_FOUND,
        "no SIP credential",
    );
}

#[tokio::test]
async fn direct_routing_numbers_are_assigned_without_acquiring() {
    let p = TestPlatform::start();
    let t = tenant(&p).await;
    let url = format!("{t}/phoneNumbers/%2B14255550177/assignment");
    refused(
        &p.call(
            Method::POST,
            &url,
            Some(json!({"identity": "adele@contoso.com"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "acquire it first",
    );
    let (status, body) = p
        .call(
            Method::POST,
            &url,
            Some(json!({"identity": "adele@contoso.com", "phoneNumberType": "DirectRouting"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["phoneNumberType"], "DirectRouting");
    let (_, number) = p
        .call(
            Method::GET,
            &format!("{t}/phoneNumbers/%2B14255550177"),
            None,
        )
        .await;
    assert_eq!(
        (&number["numberSource"], &number["pstnAssignmentStatus"]),
        (&json!("OnPremises"), &json!("UserAssigned"))
    );
}

fn user_tenant(path: &str) -> ringside_model::TenantId {
    let id = path.trim_start_matches("/tenants/");
    ringside_model::TenantId(ringside_model::Guid::parse(id).expect("tenant id"))
}
