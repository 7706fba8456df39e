//! Minimal Graph `onlineMeetings` (`/v1.0` and `/beta`, `users/{userId}/onlineMeetings`): create,
//! get and delete a meeting with a Teams-shaped `joinWebUrl`, `chatInfo.threadId` and
//! `joinMeetingIdSettings`, persisted in `ringside.db` ([`ringside_store::MeetingStore`], used off the async workers); and the
//! lookup a meeting join uses ([`find_for_join`]): `organizerMeetingInfo` + `chatInfo` (the shape
//! the SDKs' join-URL helpers produce) or `joinMeetingIdMeetingInfo` with its passcode.
//!
//! A meeting's live conversation is kept by the call runtime (a named conversation): the first bot or
//! simulated user to join opens it; when everyone has left it ends, and the next join opens a new
//! one.

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ringside_graph_wire::{
    ChatInfo, IdentitySet, JoinMeetingIdSettings, MeetingInfo, MeetingParticipantInfo,
    MeetingParticipants, OnlineMeeting,
};
use ringside_model::{Guid, Permission, TenantId, UserId};
use ringside_store::{MeetingKey, MeetingRow, MeetingStore};

use super::state::GraphState;
use super::GraphCaller;
use crate::openapi::{ApiRoutes, BodyErrors, Errors, USER_ID};
use ringside_http::{parse_json, read_body, ApiError};
use utoipa_axum::routes;

/// Default length of a meeting without `endDateTime`.
const DEFAULT_LENGTH_MS: i64 = 60 * 60 * 1000;

/// Runs `f` on the meetings table off the async workers; a failure is a 500.
pub(crate) async fn with_table<T: Send + 'static>(
    node: &ringside_runtime::Node,
    f: impl FnOnce(&mut MeetingStore) -> Result<T, ringside_store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    node.meetings(f).await.map_err(ApiError::internal)
}

/// The routes of this file.
pub(crate) fn routes() -> ApiRoutes {
    ApiRoutes::new()
        .route(routes!(create))
        .route(routes!(get_meeting, delete_meeting))
}

fn organizer(
    state: &GraphState,
    tenant: TenantId,
    text: &str,
) -> Result<(UserId, String), ApiError> {
    let text = text.trim();
    state.directory().read(|d| {
        let found = match Guid::parse(text) {
            Ok(guid) => d.user(tenant, UserId(guid)),
            Err(_) => d.users(tenant).find(|u| u.upn.eq_ignore_ascii_case(text)),
        };
        found
            .map(|u| (u.id, u.display_name.clone()))
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "User '{}' was not found in the tenant.",
                    ringside_directory::validate::clip(text)
                ))
            })
    })
}

fn iso(unix_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn parse_time(value: Option<&str>, field: &str) -> Result<Option<i64>, ApiError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            ApiError::bad_request(format!(
                "{field} must be an ISO 8601 date and time such as 2026-11-22T10:00:00Z."
            ))
        })?;
    Ok(Some((t.unix_timestamp_nanos() / 1_000_000) as i64))
}

/// The Teams join URL of a meeting: `…/l/meetup-join/{threadId}/0?context={"Tid","Oid"}`,
/// percent-encoded as Teams writes it.
pub(crate) fn join_web_url(row: &MeetingRow) -> String {
    let thread = row.thread_id.replace(':', "%3a").replace('@', "%40");
    let context = format!(
        "%7b%22Tid%22%3a%22{}%22%2c%22Oid%22%3a%22{}%22%7d",
        row.tenant_id, row.organizer_id
    );
    format!("https://teams.microsoft.com/l/meetup-join/{thread}/0?context={context}")
}

fn render(state: &GraphState, row: &MeetingRow, context: String) -> OnlineMeeting {
    let tenant = Guid::parse(&row.tenant_id).map(TenantId).ok();
    let user = Guid::parse(&row.organizer_id).map(UserId).ok();
    let (name, upn) = match (tenant, user) {
        (Some(tenant), Some(user)) => state.directory().read(|d| {
            d.user(tenant, user)
                .map(|u| (Some(u.display_name.clone()), Some(u.upn.clone())))
                .unwrap_or_default()
        }),
        _ => (None, None),
    };
    let identity = IdentitySet {
        user: Some(ringside_graph_wire::Identity {
            id: Some(row.organizer_id.clone()),
            display_name: name,
            ..Default::default()
        }),
        ..Default::default()
    };
    OnlineMeeting {
        odata_context: Some(context),
        id: Some(row.id.clone()),
        join_web_url: Some(join_web_url(row)),
        join_meeting_id_settings: Some(JoinMeetingIdSettings {
            join_meeting_id: Some(row.join_meeting_id.clone()),
            passcode: row.passcode.clone(),
            is_passcode_required: Some(row.passcode.is_some()),
            ..Default::default()
        }),
        chat_info: Some(ChatInfo {
            thread_id: Some(row.thread_id.clone()),
            message_id: Some("0".into()),
            ..Default::default()
        }),
        participants: Some(MeetingParticipants {
            organizer: Some(MeetingParticipantInfo {
                identity: Some(identity),
                upn,
                role: Some("presenter".into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        subject: row.subject.clone(),
        start_date_time: Some(iso(row.start_at_ms)),
        end_date_time: Some(iso(row.end_at_ms)),
        creation_date_time: Some(iso(row.created_at_ms)),
        ..Default::default()
    }
}

fn digits(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            // No leading zero.
            let d = if i == 0 { 1 + b % 9 } else { b % 10 };
            char::from(b'0' + d)
        })
        .collect()
}

fn passcode() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 6];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// `POST /users/{userId}/onlineMeetings`: 201 with the meeting.
#[utoipa::path(
    post,
    path = "/users/{userId}/onlineMeetings",
    operation_id = "createOnlineMeeting",
    summary = "Create a meeting (join URL, chat thread, join id and passcode)",
    description = "subject at most 255 characters; endDateTime not before startDateTime (default: one hour). The body may be empty.",
    params(
        ("userId" = String, Path, description = USER_ID),
    ),
    request_body = Option<OnlineMeeting>,
    responses(
        (status = 201, body = OnlineMeeting,
            description = "The meeting",
            headers(("Location" = url::Url, description = "The created resource or the operation"))),
        BodyErrors,
    ),
    extensions(("x-ms-permissions" = json!(["OnlineMeetings.ReadWrite.All"]))),
)]
async fn create(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path(user): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    caller.require_any(&[Permission::OnlineMeetingsReadWriteAll])?;
    let version = super::calls::request::version_of(&request);
    let bytes = read_body(request, &state).await?;
    let body: OnlineMeeting = if bytes.is_empty() {
        OnlineMeeting::default()
    } else {
        parse_json(&bytes)?
    };
    let (organizer_id, _) = organizer(&state, caller.tenant, &user)?;
    let now = ringside_runtime::node::unix_now() * 1000;
    let start = parse_time(body.start_date_time.as_deref(), "startDateTime")?.unwrap_or(now);
    let end = parse_time(body.end_date_time.as_deref(), "endDateTime")?
        .unwrap_or(start + DEFAULT_LENGTH_MS);
    if end < start {
        return Err(ApiError::bad_request(
            "endDateTime must not be before startDateTime.",
        ));
    }
    let subject = body.subject.clone().filter(|s| !s.trim().is_empty());
    if subject.as_ref().is_some_and(|s| s.chars().count() > 255) {
        return Err(ApiError::bad_request(
            "subject is longer than 255 characters.",
        ));
    }
    let (tenant, organizer) = (caller.tenant.to_string(), organizer_id.to_string());
    let row = with_table(&state, move |store| {
        for _ in 0..8 {
            let join = digits(12);
            if store.join_id_taken(&join)? {
                continue;
            }
            let id = ringside_runtime::ids::new_guid();
            let candidate = MeetingRow {
                id: format!("MSp{}", id.to_string().replace('-', "")),
                tenant_id: tenant,
                organizer_id: organizer,
                subject,
                thread_id: format!(
                    "19:meeting_{}@thread.v2",
                    ringside_runtime::ids::new_guid()
                        .to_string()
                        .replace('-', "")
                ),
                join_meeting_id: join,
                passcode: Some(passcode()),
                start_at_ms: start,
                end_at_ms: end,
                created_at_ms: now,
            };
            store.insert(&candidate)?;
            return Ok(Some(candidate));
        }
        Ok(None)
    })
    .await?;
    let row = row.ok_or_else(|| ApiError::internal("no free join meeting id"))?;
    let context = format!(
        "{}/{version}/$metadata#users('{user}')/onlineMeetings/$entity",
        state.base_url()
    );
    let meeting = render(&state, &row, context);
    let location = format!(
        "{}/{version}/users/{user}/onlineMeetings/{}",
        state.base_url(),
        row.id
    );
    let mut response = (StatusCode::CREATED, Json(meeting)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `GET /users/{userId}/onlineMeetings/{meetingId}`.
#[utoipa::path(
    get,
    path = "/users/{userId}/onlineMeetings/{onlineMeetingId}",
    operation_id = "getOnlineMeeting",
    summary = "A meeting of the user",
    description = "Meetings the user organizes.",
    params(
        ("userId" = String, Path, description = USER_ID),
        ("onlineMeetingId" = String, Path, description = "The meeting's id"),
    ),
    responses(
        (status = 200, description = "The meeting", body = OnlineMeeting),
        Errors,
    ),
    extensions(("x-ms-permissions" = json!(["OnlineMeetings.Read.All", "OnlineMeetings.ReadWrite.All"]))),
)]
async fn get_meeting(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((user, id)): Path<(String, String)>,
    request: Request,
) -> Result<Json<OnlineMeeting>, ApiError> {
    caller.require_any(&[
        Permission::OnlineMeetingsReadAll,
        Permission::OnlineMeetingsReadWriteAll,
    ])?;
    let version = super::calls::request::version_of(&request);
    let (organizer_id, _) = organizer(&state, caller.tenant, &user)?;
    let (tenant, wanted) = (caller.tenant.to_string(), id.trim().to_string());
    let row = with_table(&state, move |store| {
        store.get(&tenant, MeetingKey::Id(&wanted))
    })
    .await?
    .filter(|row| row.organizer_id == organizer_id.to_string())
    .ok_or_else(|| ApiError::not_found("The online meeting was not found."))?;
    let context = format!(
        "{}/{version}/$metadata#users('{user}')/onlineMeetings/$entity",
        state.base_url()
    );
    Ok(Json(render(&state, &row, context)))
}

/// `DELETE /users/{userId}/onlineMeetings/{meetingId}`: 204.
#[utoipa::path(
    delete,
    path = "/users/{userId}/onlineMeetings/{onlineMeetingId}",
    operation_id = "deleteOnlineMeeting",
    summary = "Delete a meeting",
    description = "Meetings the user organizes.",
    params(
        ("userId" = String, Path, description = USER_ID),
        ("onlineMeetingId" = String, Path, description = "The meeting's id"),
    ),
    responses(
        (status = 204, description = "No content"),
        Errors,
    ),
    extensions(("x-ms-permissions" = json!(["OnlineMeetings.ReadWrite.All"]))),
)]
async fn delete_meeting(
    State(state): State<GraphState>,
    caller: GraphCaller,
    Path((user, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require_any(&[Permission::OnlineMeetingsReadWriteAll])?;
    let (organizer_id, _) = organizer(&state, caller.tenant, &user)?;
    let (tenant, wanted) = (caller.tenant.to_string(), id.trim().to_string());
    let organizer = organizer_id.to_string();
    let deleted = with_table(&state, move |store| {
        let found = store
            .get(&tenant, MeetingKey::Id(&wanted))?
            .filter(|row| row.organizer_id == organizer);
        match found {
            Some(_) => store.delete(&tenant, &wanted).map(|_| true),
            None => Ok(false),
        }
    })
    .await?;
    if !deleted {
        return Err(ApiError::not_found("The online meeting was not found."));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The meeting a create-call body asks to join: by `chatInfo.threadId` (with
/// `organizerMeetingInfo`, checked against the organizer) or by `joinMeetingIdMeetingInfo`
/// (passcode checked). 404 when there is no such meeting in the caller's tenant.
pub(crate) async fn find_for_join(
    state: &GraphState,
    tenant: TenantId,
    meeting_info: Option<&MeetingInfo>,
    chat_info: Option<&ChatInfo>,
) -> Result<MeetingRow, ApiError> {
    let get = |key: OwnedKey| {
        let tenant = tenant.to_string();
        with_table(state, move |store| store.get(&tenant, key.as_key()))
    };
    let not_found = || ApiError::not_found("The meeting to join was not found.");
    match meeting_info {
        Some(MeetingInfo::JoinMeetingId(info)) => {
            let row = get(OwnedKey::JoinMeetingId(
                info.join_meeting_id.trim().to_string(),
            ))
            .await?
            .ok_or_else(not_found)?;
            let given = info.passcode.as_deref().map(str::trim).unwrap_or("");
            match row.passcode.as_deref() {
                Some(expected) if expected != given => Err(ApiError::forbidden(
                    "Forbidden",
                    "The meeting passcode is wrong.",
                )),
                _ => Ok(row),
            }
        }
        Some(MeetingInfo::Organizer(organizer)) => {
            let thread = chat_info
                .and_then(|c| c.thread_id.as_deref())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "chatInfo.threadId is required with organizerMeetingInfo.",
                    )
                })?;
            let row = get(OwnedKey::Thread(thread.to_string()))
                .await?
                .ok_or_else(not_found)?;
            let organizer_id = organizer
                .organizer
                .user
                .as_ref()
                .and_then(|u| u.id.as_deref())
                .map(str::trim);
            match organizer_id {
                Some(id) if !id.eq_ignore_ascii_case(&row.organizer_id) => Err(
                    ApiError::bad_request("organizerMeetingInfo names another organizer."),
                ),
                _ => Ok(row),
            }
        }
        Some(MeetingInfo::Token(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "NotSupported",
            "tokenMeetingInfo is not supported: join with organizerMeetingInfo and chatInfo, or joinMeetingIdMeetingInfo.",
        )),
        None => Err(ApiError::bad_request(
            "meetingInfo is required to join a meeting (organizerMeetingInfo with chatInfo, or joinMeetingIdMeetingInfo).",
        )),
    }
}

/// A meeting key that can cross to the blocking thread.
enum OwnedKey {
    JoinMeetingId(String),
    Thread(String),
}

impl OwnedKey {
    fn as_key(&self) -> MeetingKey<'_> {
        match self {
            OwnedKey::JoinMeetingId(id) => MeetingKey::JoinMeetingId(id),
            OwnedKey::Thread(thread) => MeetingKey::Thread(thread),
        }
    }
}
