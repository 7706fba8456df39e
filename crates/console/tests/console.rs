//! The console against a real dev-mode server on 127.0.0.1:0 (tokio's paused clock, no sleeps):
//! sign-in (the one-click URL, the form, wrong tokens), what needs the cookie (pages redirect;
//! assets, the stream and the console's API answer 401), the platform API with the cookie (reads;
//! writes only with this server's Origin) and still with the bearer token, content types, ETags
//! and the CSP, and the event stream: a call's engine events arrive with increasing ids, and a
//! reconnect with `Last-Event-ID` replays exactly what came after it (or says `reset`).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{redirect, Client, Method, StatusCode};
use ringside_testkit::server::{send, Reply, TestServer};
use serde_json::{json, Value};

const CALLER: &str = "+14255550199";
const RESOURCE_ACCOUNT_NUMBER: &str = "+14255550100";

/// A client that does not follow redirects.
fn no_redirects(h: &TestServer) -> Client {
    h.client_builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

/// Signs in through the one-click URL; the `Cookie` header value it set.
async fn sign_in(h: &TestServer) -> String {
    let reply = send(no_redirects(h).get(&h.dev.console)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    cookie_of(&reply)
}

fn cookie_of(reply: &Reply) -> String {
    let set = reply.header("set-cookie");
    set.split(';').next().unwrap_or_default().to_string()
}

async fn get(h: &TestServer, path: &str, cookie: Option<&str>) -> Reply {
    let mut request = no_redirects(h).get(h.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(request).await
}

#[tokio::test(start_paused = true)]
async fn without_the_cookie_pages_redirect_to_the_login_and_the_rest_is_401() {
    let h = TestServer::start().await;
    for page in [
        "/console",
        "/console/calls/00000000-0000-0000-0000-000000000001",
    ] {
        let reply = get(&h, page, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(reply.header("location"), "/console/login", "{page}");
    }
    for path in [
        "/console/assets/js/calls.js",
        "/console/assets/console.css",
        "/console/events",
        "/console/api/calls/00000000-0000-0000-0000-000000000001/events",
    ] {
        let reply = get(&h, path, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(reply.code(), "InvalidAuthenticationToken", "{path}");
    }
    let forged = "ringside_console=v1.99999999999.AAAA";
    assert_eq!(
        get(&h, "/console/events", Some(forged)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = get(&h, "/console/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        login.header("content-security-policy"),
        ringside_console::CSP
    );
    assert_eq!(
        get(&h, "/console/login.css", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test(start_paused = true)]
async fn the_one_click_url_sets_a_strict_cookie_and_leaves_the_token_behind() {
    let h = TestServer::start().await;
    assert!(h
        .dev
        .console
        .starts_with(&format!("{}/console/login?token=", h.base)));
    let reply = send(no_redirects(&h).get(&h.dev.console)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), "/console");
    let set = reply.header("set-cookie");
    for attribute in [
        "ringside_console=v1.",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    let wrong = get(&h, "/console/login?token=not-the-token", None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.header("set-cookie").is_empty());
    assert!(String::from_utf8_lossy(&wrong.bytes).contains("That is not the admin token."));

    let form = |token: &str| {
        no_redirects(&h)
            .post(h.url("/console/login"))
            .form(&[("token", token.to_string())])
    };
    assert_eq!(send(form("nope")).await.status, StatusCode::UNAUTHORIZED);
    let posted = send(form(&h.dev.admin_token)).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let cookie = cookie_of(&posted);
    assert_eq!(
        get(&h, "/console", Some(&cookie)).await.status,
        StatusCode::OK
    );
}

#[tokio::test(start_paused = true)]
async fn the_cookie_opens_pages_assets_with_etags_and_the_csp() {
    let h = TestServer::start().await;
    let cookie = sign_in(&h).await;
    let page = get(&h, "/console", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(
        page.header("content-security-policy"),
        ringside_console::CSP
    );
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert!(String::from_utf8_lossy(&page.bytes).contains("/console/assets/js/calls.js"));
    for (path, content_type) in [
        (
            "/console/assets/js/calls.js",
            "text/javascript; charset=utf-8",
        ),
        (
            "/console/assets/js/api.js",
            "text/javascript; charset=utf-8",
        ),
        ("/console/assets/console.css", "text/css; charset=utf-8"),
    ] {
        let asset = get(&h, path, Some(&cookie)).await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert_eq!(asset.header("content-type"), content_type, "{path}");
        assert_eq!(asset.header("cache-control"), "no-cache", "{path}");
        let etag = asset.header("etag").to_string();
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: {etag}");
        let again = send(
            no_redirects(&h)
                .get(h.url(path))
                .header("cookie", &cookie)
                .header("if-none-match", &etag),
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.bytes.is_empty());
    }
    for missing in [
        "/console/assets/js/nope.js",
        "/console/assets/../index.html",
    ] {
        assert_eq!(
            get(&h, missing, Some(&cookie)).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

/// A dial from the simulated caller to the dev resource account (the built-in responder answers),
/// made with `headers`.
async fn dial_with(h: &TestServer, headers: HeaderMap) -> Reply {
    let path = format!("/phones/{}/calls", CALLER.replace('+', "%2B"));
    let body = json!({ "to": RESOURCE_ACCOUNT_NUMBER, "hangupAfter": "2s" });
    send(
        h.http
            .request(Method::POST, h.api_url(&path))
            .headers(headers)
            .json(&body),
    )
    .await
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).expect("header value"));
    }
    map
}

#[tokio::test(start_paused = true)]
async fn the_platform_api_takes_the_cookie_but_writes_only_from_this_origin() {
    let h = TestServer::start().await;
    let cookie = sign_in(&h).await;
    let reads = send(h.http.get(h.api_url("/calls")).header("cookie", &cookie)).await;
    assert_eq!(reads.status, StatusCode::OK, "{}", reads.body);

    let no_origin = dial_with(&h, headers(&[("cookie", &cookie)])).await;
    assert_eq!(
        no_origin.status,
        StatusCode::FORBIDDEN,
        "{}",
        no_origin.body
    );
    assert_eq!(no_origin.code(), "Forbidden");
    let cross = dial_with(
        &h,
        headers(&[("cookie", &cookie), ("origin", "https://evil.example")]),
    )
    .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let same = dial_with(&h, headers(&[("cookie", &cookie), ("origin", &h.base)])).await;
    assert_eq!(same.status, StatusCode::CREATED, "{}", same.body);

    let bearer = format!("Bearer {}", h.dev.admin_token);
    let with_bearer = dial_with(&h, headers(&[("authorization", &bearer)])).await;
    assert_eq!(
        with_bearer.status,
        StatusCode::CREATED,
        "{}",
        with_bearer.body
    );
    let nothing = dial_with(&h, HeaderMap::new()).await;
    assert_eq!(nothing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(nothing.code(), "InvalidAuthenticationToken");
    let stale = dial_with(
        &h,
        headers(&[
            ("cookie", "ringside_console=v1.1.AAAA"),
            ("origin", &h.base),
        ]),
    )
    .await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED);
}

/// One server-sent event.
#[derive(Debug, Clone)]
struct Sse {
    id: Option<u64>,
    event: String,
    data: Value,
}

/// An open event stream.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(h: &TestServer, cookie: &str, last: Option<&str>) -> Stream {
        let mut request = h
            .http
            .get(h.url("/console/events"))
            .header("cookie", cookie);
        if let Some(last) = last {
            request = request.header("last-event-id", last);
        }
        let response = request.send().await.expect("stream");
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"].to_str().unwrap_or("");
        assert_eq!(content_type, "text/event-stream");
        Stream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); waits on tokio's clock at most 60 s.
    async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse(&block) {
                    return event;
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(60), self.response.chunk())
                .await
                .expect("an event within 60 s")
                .expect("stream chunk")
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn parse(block: &str) -> Option<Sse> {
    let (mut id, mut event, mut data) = (None, String::from("message"), String::new());
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("id:") {
            id = value.trim().parse().ok();
        } else if let Some(value) = line.strip_prefix("event:") {
            event = value.trim().to_string();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        }
    }
    if data.is_empty() {
        return None;
    }
    Some(Sse {
        id,
        event,
        data: serde_json::from_str(&data).expect("data is JSON"),
    })
}

/// Events of the stream until every leg of `call` has terminated.
async fn until_ended(stream: &mut Stream, call: &str) -> Vec<Sse> {
    let mut seen = Vec::new();
    let mut live_legs = std::collections::HashSet::new();
    loop {
        let event = stream.next().await;
        if event.data["call"] == call && event.event == "leg.state" {
            let leg = event.data["leg"].as_str().unwrap_or_default().to_string();
            if event.data["state"] == "terminated" {
                live_legs.remove(&leg);
            } else {
                live_legs.insert(leg);
            }
        }
        let done = event.event == "leg.state" && live_legs.is_empty();
        seen.push(event);
        if done && seen.len() > 2 {
            return seen;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_stream_carries_a_calls_events_and_resumes_after_last_event_id() {
    let h = TestServer::start().await;
    let cookie = sign_in(&h).await;
    let mut stream = Stream::open(&h, &cookie, None).await;
    let ready = stream.next().await;
    assert_eq!(ready.event, "ready");
    assert_eq!(ready.id, None);

    let bearer = format!("Bearer {}", h.dev.admin_token);
    let dialled = dial_with(&h, headers(&[("authorization", &bearer)])).await;
    let call = dialled.body["callId"].as_str().expect("callId").to_string();
    let seen = until_ended(&mut stream, &call).await;
    let ids: Vec<u64> = seen.iter().filter_map(|e| e.id).collect();
    assert_eq!(ids.len(), seen.len(), "every event has an id");
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1),
        "ids increase by one: {ids:?}"
    );
    let kinds: Vec<&str> = seen.iter().map(|e| e.event.as_str()).collect();
    assert!(kinds.contains(&"call.offered"), "{kinds:?}");
    assert!(kinds.contains(&"roster"), "{kinds:?}");
    for event in &seen {
        assert_eq!(event.data["id"], json!(event.id));
        assert_eq!(event.data["type"], event.event.as_str());
        assert!(event.data["time"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')));
    }
    let offered = seen
        .iter()
        .find(|e| e.event == "call.offered")
        .expect("offered");
    assert_eq!(offered.data["caller"]["number"], CALLER);

    // A reconnect after the third event replays the rest, in order, exactly.
    let mut resumed = Stream::open(&h, &cookie, Some(&ids[2].to_string())).await;
    assert_eq!(resumed.next().await.event, "ready");
    for expected in &seen[3..] {
        let event = resumed.next().await;
        assert_eq!((event.id, &event.event), (expected.id, &expected.event));
        assert_eq!(event.data, expected.data);
    }
    // An id this server never gave is a reset to the newest.
    let mut unknown = Stream::open(&h, &cookie, Some("999999")).await;
    assert_eq!(unknown.next().await.event, "ready");
    let reset = unknown.next().await;
    assert_eq!(reset.event, "reset");
    assert_eq!(reset.id, ids.last().copied());

    // The call's timeline holds the same events.
    let timeline = send(
        h.http
            .get(h.url(&format!("/console/api/calls/{call}/events")))
            .header("cookie", &cookie),
    )
    .await;
    assert_eq!(timeline.status, StatusCode::OK);
    let timeline_ids: Vec<u64> = timeline.body["value"]
        .as_array()
        .map(|events| events.iter().filter_map(|e| e["id"].as_u64()).collect())
        .unwrap_or_default();
    let call_ids: Vec<u64> = seen
        .iter()
        .filter(|e| e.data["call"] == call.as_str())
        .filter_map(|e| e.id)
        .collect();
    assert_eq!(timeline_ids, call_ids);
}

#[tokio::test(start_paused = true)]
async fn shutting_the_server_down_ends_open_streams_at_once() {
    let h = TestServer::start().await;
    let cookie = sign_in(&h).await;
    let mut stream = Stream::open(&h, &cookie, None).await;
    assert_eq!(stream.next().await.event, "ready");
    let started = tokio::time::Instant::now();
    // Without the stop signal the graceful shutdown waits its full 10 s for the stream's
    // connection and then drops it (the body read fails instead of ending).
    h.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the shutdown waited for the stream (on tokio's paused clock): {:?}",
        started.elapsed()
    );
    // What is left is at most empty data, then a clean end (no reset, no error).
    loop {
        match stream.response.chunk().await {
            Ok(None) => break,
            Ok(Some(chunk)) => assert!(chunk.is_empty(), "no more events: {chunk:?}"),
            Err(error) => panic!("the stream ends cleanly: {error}"),
        }
    }
}

/// The next event of `kind` about `call`.
async fn next_of(stream: &mut Stream, kind: &str, call: &str) -> Sse {
    loop {
        let event = stream.next().await;
        if event.event == kind && event.data["call"] == call {
            return event;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn each_delivery_attempt_is_on_the_calls_timeline_with_its_alert() {
    let h = TestServer::start().await;
    h.set_webhook(&h.hook.url("/callback")).await;
    h.hook.answer_with(StatusCode::SERVICE_UNAVAILABLE);
    let cookie = sign_in(&h).await;
    let mut stream = Stream::open(&h, &cookie, None).await;
    assert_eq!(stream.next().await.event, "ready");
    let call = h.dial(CALLER, RESOURCE_ACCOUNT_NUMBER).await["callId"]
        .as_str()
        .expect("callId")
        .to_string();

    let failed = next_of(&mut stream, "delivery", &call).await.data;
    assert_eq!(failed["attempt"], 1);
    assert_eq!(failed["state"], "retrying");
    assert_eq!(failed["dialect"], "graph");
    assert_eq!(failed["response"]["status"], 503);
    assert_eq!(failed["alert"], "webhook-failure");
    assert_eq!(failed["request"]["url"], h.hook.url("/callback"));
    assert_eq!(
        failed["request"]["headers"]["authorization"],
        "Bearer (masked)"
    );
    assert_eq!(
        failed["request"]["body"]["value"][0]["changeType"], "created",
        "{failed}"
    );
    assert_eq!(failed["retriesAheadMs"][0], 1000, "{failed}");
    let alert = next_of(&mut stream, "alert", &call).await.data;
    assert_eq!(alert["alert"], "webhook-failure");
    assert!(alert["message"].as_str().is_some_and(|m| m.contains("503")));

    h.hook.answer_with(StatusCode::ACCEPTED);
    let delivered = next_of(&mut stream, "delivery", &call).await.data;
    assert_eq!(delivered["attempt"], 2);
    assert_eq!(delivered["state"], "delivered");
    assert_eq!(delivered["response"]["status"], 202);
    assert_eq!(delivered["alert"], Value::Null);
    assert_eq!(delivered["retriesAheadMs"], json!([]));

    let timeline = send(
        h.http
            .get(h.url(&format!("/console/api/calls/{call}/events")))
            .header("cookie", &cookie),
    )
    .await;
    let kinds: Vec<&str> = timeline.body["value"]
        .as_array()
        .map(|events| events.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    let deliveries = kinds.iter().filter(|k| **k == "delivery").count();
    assert!(deliveries >= 2, "{kinds:?}");
    assert!(kinds.contains(&"alert"), "{kinds:?}");
}
