//! SIPp as a PSTN caller behind the dev trunk (127.0.0.1) and as a carrier the trunk dials out
//! to: a call to the Graph bot with G.711 audio and an RFC 4733 digit its subscribeToTone reports,
//! CANCEL before the bot answers, a blind transfer by REFER, and a bot's call to a PSTN number
//! through the voice route to a carrier that challenges with 407.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{PromptServer, Received, TestServer};
use serde_json::{json, Value};
use tokio::process::{Child, Command};

use super::{answer_incoming, free_port, have, wait_for, BOT_NUMBER};

/// The scenario files.
fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/it/sip/scenarios/{name}"))
}

/// A directory with `pcap -> /usr/share/sip-tester`, SIPp's working directory.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("/usr/share/sip-tester", dir.path().join("pcap")).expect("symlink");
    dir
}

/// Starts SIPp with `args` in `dir`.
fn sipp(dir: &Path, args: &[&str]) -> Child {
    Command::new("sipp")
        .args(args)
        .args([
            "-nostdin",
            "-timeout",
            "40s",
            "-timeout_error",
            "-trace_err",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("sipp starts")
}

/// SIPp as one PSTN caller running `scenario` against the Graph bot's number.
fn call_the_bot(h: &TestServer, dir: &Path, scenario_file: &str) -> Child {
    let remote = h.sip().udp.expect("udp").to_string();
    let port = free_port().to_string();
    let file = scenario(scenario_file);
    sipp(
        dir,
        &[
            &remote,
            "-sf",
            file.to_str().expect("path"),
            "-s",
            BOT_NUMBER,
            "-i",
            "127.0.0.1",
            "-p",
            &port,
            "-mi",
            "127.0.0.1",
            "-m",
            "1",
        ],
    )
}

/// SIPp's exit code and stderr, within 45 s.
async fn finished(child: Child) -> (i32, String) {
    let output = tokio::time::timeout(Duration::from_secs(45), child.wait_with_output())
        .await
        .expect("SIPp finishes")
        .expect("SIPp output");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pstn_caller_reaches_the_bot_and_its_digit_is_reported() {
    if !have("sipp") {
        return;
    }
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let dir = workdir();
    let caller = call_the_bot(&h, dir.path(), "uac_call.xml");
    let id = answer_incoming(&h, &prompts).await;
    let call_url = format!("/communications/calls/{id}");
    wait_for(&h, Duration::from_secs(10), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "established"
    })
    .await;
    // The caller is the trunk's number, as Graph shows a PSTN caller.
    let call = h
        .graph(
            Method::GET,
            &format!("/v1.0/communications/calls/{id}"),
            None,
        )
        .await;
    assert_eq!(call.status, StatusCode::OK);
    let source = call.body["source"]["identity"].to_string();
    assert!(source.contains("+12065550123"), "{source}");
    // The platform API shows the SIP leg's Call-ID, transport and address.
    let live = h.admin(Method::GET, "/calls", None).await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.body);
    let sip_legs: Vec<Value> = live.body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["legs"].as_array().cloned().unwrap_or_default())
        .filter(|l| l["external"]["sipCallId"].is_string())
        .collect();
    assert_eq!(sip_legs.len(), 1, "{}", live.body);
    assert_eq!(sip_legs[0]["external"]["transport"], "udp");
    assert!(sip_legs[0]["external"]["remoteAddress"]
        .as_str()
        .is_some_and(|a| a.starts_with("127.0.0.1:")));
    let subscribed = h
        .graph(
            Method::POST,
            &format!("/beta/communications/calls/{id}/microsoft.graph.subscribeToTone"),
            json!({"clientContext": "tones"}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.body);
    let tone = wait_for(&h, Duration::from_secs(20), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["toneInfo"]["tone"].is_string()
    })
    .await;
    assert_eq!(tone["resourceData"]["toneInfo"]["tone"], "tone1");
    // The caller hangs up: the bot's call ends.
    wait_for(&h, Duration::from_secs(10), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "terminated"
    })
    .await;
    let (code, errors) = finished(caller).await;
    assert_eq!(code, 0, "SIPp failed: {errors}");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_holds_and_resumes_by_re_invite() {
    if !have("sipp") {
        return;
    }
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let dir = workdir();
    let caller = call_the_bot(&h, dir.path(), "uac_hold.xml");
    let id = answer_incoming(&h, &prompts).await;
    let call_url = format!("/communications/calls/{id}");
    // SIPp checks the answers (sendonly → recvonly, sendrecv → sendrecv), then hangs up.
    wait_for(&h, Duration::from_secs(10), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "terminated"
    })
    .await;
    let (code, errors) = finished(caller).await;
    assert_eq!(
        code, 0,
        "SIPp failed (hold answered recvonly, resume sendrecv): {errors}"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_transfers_the_bot_by_refer() {
    if !have("sipp") {
        return;
    }
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let dir = workdir();
    let caller = call_the_bot(&h, dir.path(), "uac_refer.xml");
    let id = answer_incoming(&h, &prompts).await;
    // SIPp checks 202, NOTIFY 100 Trying, NOTIFY 200 OK and Ringside's BYE.
    let (code, errors) = finished(caller).await;
    assert_eq!(code, 0, "SIPp failed (REFER, NOTIFYs, BYE): {errors}");
    let participants = h
        .graph(
            Method::GET,
            &format!("/v1.0/communications/calls/{id}/participants"),
            None,
        )
        .await;
    let roster = participants.body.to_string();
    assert!(
        roster.contains("+14255550123"),
        "the target joined: {roster}"
    );
    assert!(
        !roster.contains("+12065550126"),
        "the caller left: {roster}"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_who_cancels_gets_487_and_the_bot_is_told() {
    if !have("sipp") {
        return;
    }
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let dir = workdir();
    let caller = call_the_bot(&h, dir.path(), "uac_cancel.xml");
    let (code, errors) = finished(caller).await;
    assert_eq!(code, 0, "SIPp failed: {errors}");
    let created = wait_for(&h, Duration::from_secs(10), |n| {
        n["changeType"] == "created" && n["resourceData"]["state"] == "incoming"
    })
    .await;
    let id = created["resourceData"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let call_url = format!("/communications/calls/{id}");
    wait_for(&h, Duration::from_secs(10), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "terminated"
    })
    .await;
    h.shutdown().await;
}

/// Points the dev trunk (127.0.0.1) at a SIPp carrier on `port` with its credentials, and starts
/// that carrier.
async fn carrier(h: &TestServer, dir: &Path, port: u16) -> Child {
    let tenant = h.dev.tenant_id.clone();
    let set = h
        .admin(
            Method::PATCH,
            &format!("/tenants/{tenant}/pstnGateways/127.0.0.1"),
            json!({"sipSignalingPort": port, "transport": "udp", "username": "carrier",
                   "password": "s3cret", "forwardPai": true}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let port_text = port.to_string();
    let child = sipp(
        dir,
        &[
            "-sf",
            scenario("uas_carrier_407.xml").to_str().expect("path"),
            "-i",
            "127.0.0.1",
            "-p",
            &port_text,
            "-mi",
            "127.0.0.1",
            "-rtp_echo",
            "-m",
            "1",
        ],
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    child
}

#[tokio::test(flavor = "multi_thread")]
async fn an_acs_service_calls_a_pstn_number_through_the_trunk() {
    if !have("sipp") {
        return;
    }
    let h = TestServer::start_sip().await;
    let dir = workdir();
    let carrier = carrier(&h, dir.path(), free_port()).await;
    let events = ringside_testkit::server::Hook::start().await;
    let acs = h.acs();
    let created = acs
        .call(
            Method::POST,
            "/calling/callConnections",
            Some(json!({
                "targets": [{"rawId": "4:+15550001234", "phoneNumber": {"value": "+15550001234"}}],
                "sourceCallerIdNumber": {"value": "+14255550200"},
                "callbackUri": events.url("/callbacks"),
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["callConnectionId"]
        .as_str()
        .expect("id")
        .to_string();
    let connected = |r: &Received| {
        r.body.as_array().is_some_and(|l| {
            l.iter()
                .any(|e| e["type"] == "Microsoft.Communication.CallConnected")
        })
    };
    events.wait_for(Duration::from_secs(15), connected).await;
    let hung_up = acs
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}:terminate"),
            None,
        )
        .await;
    assert!(hung_up.status.is_success(), "{}", hung_up.body);
    let (code, errors) = finished(carrier).await;
    assert_eq!(code, 0, "the carrier's SIPp failed: {errors}");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bot_calls_a_pstn_number_through_the_trunk_that_challenges() {
    if !have("sipp") {
        return;
    }
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let dir = workdir();
    let carrier = carrier(&h, dir.path(), free_port()).await;
    let tenant = h.dev.tenant_id.clone();
    let instance = h.dev.resource_accounts[0].id.clone();
    let created = h
        .graph(
            Method::POST,
            "/v1.0/communications/calls",
            json!({
                "@odata.type": "#microsoft.graph.call",
                "callbackUri": h.hook.url("/outbound"),
                "source": {"@odata.type": "#microsoft.graph.participantInfo",
                    "identity": {"@odata.type": "#microsoft.graph.identitySet",
                        "applicationInstance": {"@odata.type": "#microsoft.graph.identity",
                            "id": instance, "displayName": "Bot"}}},
                "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo",
                    "identity": {"@odata.type": "#microsoft.graph.identitySet",
                        "phone": {"@odata.type": "#microsoft.graph.identity", "id": "+15550001234"}}}],
                "requestedModalities": ["audio"],
                "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
                "tenantId": tenant,
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_string();
    let call_url = format!("/communications/calls/{id}");
    wait_for(&h, Duration::from_secs(15), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "established"
    })
    .await;
    let hung_up = h
        .graph(
            Method::DELETE,
            &format!("/v1.0/communications/calls/{id}"),
            None,
        )
        .await;
    assert_eq!(hung_up.status, StatusCode::NO_CONTENT, "{}", hung_up.body);
    let (code, errors) = finished(carrier).await;
    assert_eq!(code, 0, "the carrier's SIPp failed: {errors}");
    h.shutdown().await;
}
