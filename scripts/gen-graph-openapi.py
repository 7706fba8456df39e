#!/usr/bin/env python3
"""Writes crates/server/src/graph/openapi.json: the OpenAPI 3 description of the Microsoft Graph
routes Ringside implements (served at /ringside/v1/openapi/graph.json). Statuses, bodies and
permissions follow shared/reference/graph-calls-api.md. Run after changing a Graph route:
    python3 scripts/gen-graph-openapi.py
The test `graph_openapi_paths_are_all_routed` (crates/server/tests/graph_calls.rs) checks every
path in the document against the running router."""

import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/server/src/graph/openapi.json"

ref = lambda name: {"$ref": f"#/components/schemas/{name}"}
ERROR = {"description": "Graph error envelope", "content": {"application/json": {"schema": ref("GraphError")}}}
LOCATION = {"Location": {"description": "The created resource or the operation", "schema": {"type": "string", "format": "uri"}}}


def body(schema):
    return {"required": True, "content": {"application/json": {"schema": ref(schema) if isinstance(schema, str) else schema}}}


def json_response(description, schema, headers=None):
    r = {"description": description, "content": {"application/json": {"schema": ref(schema)}}}
    if headers:
        r["headers"] = headers
    return r


def op(op_id, summary, permissions, ok, request=None, ok_status="200", extra=None):
    responses = {ok_status: ok}
    for status, text in [("400", "Malformed request or not allowed on this call"), ("401", "Missing or invalid token"),
                         ("403", "A required application role is missing (or 7504/7505)"), ("404", "No such call, participant or operation in the caller's tenant, or the call has ended"),
                         ("429", "Throttled; honour Retry-After")]:
        responses[status] = dict(ERROR, description=text)
    for status, text in (extra or {}).items():
        responses[status] = dict(ERROR, description=text)
    o = {
        "operationId": op_id,
        "summary": summary,
        "description": "Application permissions: " + (" or ".join(permissions) if permissions else "none beyond a valid app token") + ".",
        "x-ms-permissions": permissions,
        "responses": responses,
    }
    if request:
        o["requestBody"] = body(request)
    return o


def operation_response(kind):
    return json_response(f"The `{kind}` (running, or completed when it finished at once)", "CommsOperation", LOCATION)


CALL = "/communications/calls/{callId}"
P = CALL + "/participants/{participantId}"
A = CALL + "/audioRoutingGroups/{audioRoutingGroupId}"
M = "/users/{userId}/onlineMeetings"
accepted = {"description": "Accepted; results follow as notifications to the callbackUri"}
no_content = {"description": "No content"}

paths = {
    "/communications/calls": {"post": op(
        "createCall", "Place a call (P2P to a user, to a phone as an application instance, ad-hoc group) or join a meeting (organizerMeetingInfo + chatInfo, joinMeetingIdMeetingInfo)",
        ["Calls.Initiate.All", "Calls.InitiateGroupCall.All", "Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All"],
        json_response("The call, state establishing", "Call", LOCATION), "Call", "201")},
    CALL: {
        "get": op("getCall", "The call as last notified", [], json_response("The call", "Call")),
        "delete": op("deleteCall", "Hang up (a group call goes on without the bot)", [], no_content, None, "204"),
    },
    CALL + "/answer": {"post": op("answerCall", "Answer an incoming call within 15 s", [], accepted, "AnswerRequest", "202")},
    CALL + "/reject": {"post": op("rejectCall", "Reject an incoming call (none, busy, forbidden)", [], accepted, "RejectRequest", "202")},
    CALL + "/redirect": {"post": op("redirectCall", "Redirect an incoming call to 1-25 targets", ["Calls.Initiate.All"], accepted, "RedirectRequest", "202")},
    CALL + "/transfer": {"post": op("transferCall", "Blind or consultative (replacesCallId) transfer", ["Calls.Initiate.All"], accepted, "TransferRequest", "202")},
    CALL + "/keepAlive": {"post": op("keepAlive", "Restart the 45-minute keepAlive interval", [], {"description": "OK, empty body"})},
    CALL + "/operations/{commsOperationId}": {"get": op("getOperation", "An operation as last returned or notified", [], json_response("The operation", "CommsOperation"))},
    CALL + "/playPrompt": {"post": op("playPrompt", "Queue 1-20 prompts (WAV over https or an upload)", [], operation_response("playPromptOperation"), "PlayPromptRequest")},
    CALL + "/recordResponse": {"post": op("recordResponse", "Record the caller (silence and duration limits, stop tones)", ["Calls.AccessMedia.All"], operation_response("recordOperation"), "RecordResponseRequest")},
    CALL + "/cancelMediaProcessing": {"post": op("cancelMediaProcessing", "Cancel running and queued prompts and recordings", [], operation_response("cancelMediaProcessingOperation"), "ClientContextRequest")},
    CALL + "/subscribeToTone": {"post": op("subscribeToTone", "Report DTMF keys as toneInfo notifications", ["Calls.AccessMedia.All"], operation_response("subscribeToToneOperation"), "ClientContextRequest")},
    CALL + "/sendDtmfTones": {"post": op("sendDtmfTones", "Send DTMF into the call", [], operation_response("sendDtmfTonesOperation"), "SendDtmfTonesRequest")},
    CALL + "/mute": {"post": op("muteSelf", "Server-mute the bot (group calls)", [], operation_response("muteParticipantOperation"), "ClientContextRequest")},
    CALL + "/unmute": {"post": op("unmuteSelf", "Undo the bot's server mute (group calls)", [], operation_response("unmuteParticipantOperation"), "ClientContextRequest")},
    CALL + "/updateRecordingStatus": {"post": op("updateRecordingStatus", "Declare the bot's recording status", ["Calls.JoinGroupCall.All", "Calls.AccessMedia.All"], operation_response("updateRecordingStatusOperation"), "UpdateRecordingStatusRequest")},
    CALL + "/changeScreenSharingRole": {"post": op("changeScreenSharingRole", "viewer or sharer (app-hosted group calls)", ["Calls.AccessMedia.All"], accepted, "ChangeScreenSharingRoleRequest", "202")},
    CALL + "/participants": {"get": op("listParticipants", "The roster", [], json_response("The participants", "ParticipantCollection"))},
    CALL + "/participants/invite": {"post": op("inviteParticipants", "Invite 1-5 participants (1 with replacesCallId); group calls only", ["Calls.InitiateGroupCall.All"], operation_response("inviteParticipantsOperation"), "InviteParticipantsRequest")},
    P: {
        "get": op("getParticipant", "One participant", [], json_response("The participant", "Participant")),
        "delete": op("removeParticipant", "Drop a participant or cancel its invitation", ["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All", "Calls.InitiateGroupCall.All"], no_content, None, "204"),
    },
    P + "/mute": {"post": op("muteParticipant", "Server-mute a participant (group calls)", [], operation_response("muteParticipantOperation"), "ClientContextRequest")},
    P + "/startHoldMusic": {"post": op("startHoldMusic", "Hold one participant with music", [], operation_response("startHoldMusicOperation"), "StartHoldMusicRequest", "202")},
    P + "/stopHoldMusic": {"post": op("stopHoldMusic", "Bring the held participant back", [], operation_response("stopHoldMusicOperation"), "ClientContextRequest", "202")},
    CALL + "/addLargeGalleryView": {"post": op("addLargeGalleryView", "Video gallery (Ringside carries audio only: 400 NotSupported)", ["Calls.JoinGroupCall.All", "Calls.JoinGroupCallAsGuest.All", "Calls.InitiateGroupCall.All"], operation_response("addLargeGalleryViewOperation"), "ClientContextRequest", "202")},
    CALL + "/contentSharingSessions": {"get": op("listContentSharingSessions", "Content sharing sessions (always empty: no screen sharing)", [], json_response("The sessions", "ContentSharingSessionCollection"))},
    CALL + "/contentSharingSessions/{contentSharingSessionId}": {"get": op("getContentSharingSession", "One session (none exist)", [], json_response("The session", "ContentSharingSession"))},
    "/communications/calls/logTeleconferenceDeviceQuality": {"post": op("logTeleconferenceDeviceQuality", "Report a teleconference device's media quality (validated and logged)", [], {"description": "OK, empty body"}, "TeleconferenceDeviceQualityRequest")},
    CALL + "/audioRoutingGroups": {
        "get": op("listAudioRoutingGroups", "The call's audio routing groups", [], json_response("The groups", "AudioRoutingGroupCollection")),
        "post": op("createAudioRoutingGroup", "Create a group (stored and validated; the mixer does not route by it)", ["Calls.JoinGroupCall.All", "Calls.InitiateGroupCall.All"], json_response("The group (200, as Graph documents)", "AudioRoutingGroup"), "AudioRoutingGroup", extra={"409": "A group with that id exists"}),
    },
    A: {
        "get": op("getAudioRoutingGroup", "One group", [], json_response("The group", "AudioRoutingGroup")),
        "patch": op("updateAudioRoutingGroup", "Replace members of a group", ["Calls.JoinGroupCall.All", "Calls.InitiateGroupCall.All"], json_response("The group", "AudioRoutingGroup"), "AudioRoutingGroup"),
        "delete": op("deleteAudioRoutingGroup", "Delete a group", ["Calls.JoinGroupCall.All", "Calls.InitiateGroupCall.All"], no_content, None, "204"),
    },
    M: {"post": op("createOnlineMeeting", "Create a meeting (join URL, chat thread, join id and passcode)", ["OnlineMeetings.ReadWrite.All"], json_response("The meeting", "OnlineMeeting", LOCATION), "OnlineMeeting", "201")},
    M + "/{onlineMeetingId}": {
        "get": op("getOnlineMeeting", "A meeting of the user", ["OnlineMeetings.Read.All", "OnlineMeetings.ReadWrite.All"], json_response("The meeting", "OnlineMeeting")),
        "delete": op("deleteOnlineMeeting", "Delete a meeting", ["OnlineMeetings.ReadWrite.All"], no_content, None, "204"),
    },
    "/admin/teams/resourceAccounts": {"get": dict(op("listResourceAccounts", "Teams resource accounts (application instances) and their numbers; /beta only; $filter on appId or acsResourceId", ["TeamsResourceAccount.Read.All"], json_response("The accounts", "ResourceAccountCollection")), **{"x-ringside-versions": ["beta"]})},
}

def obj(props, required=()):
    s = {"type": "object", "additionalProperties": True, "properties": {k: v for k, v in props.items()}}
    if required:
        s["required"] = list(required)
    return s

S, B, I, A_ = {"type": "string"}, {"type": "boolean"}, {"type": "integer"}, lambda x: {"type": "array", "items": x}
schemas = {
    "GraphError": obj({"error": obj({"code": S, "message": S, "innerError": obj({"date": S, "request-id": S, "client-request-id": S})})}, ["error"]),
    "IdentitySet": obj({k: obj({"id": S, "displayName": S, "tenantId": S}) for k in ["user", "application", "applicationInstance", "phone", "guest", "device"]}),
    "ParticipantInfo": obj({"identity": ref("IdentitySet"), "participantId": S, "endpointType": S, "region": S, "languageId": S, "countryCode": S}),
    "InvitationParticipantInfo": obj({"identity": ref("IdentitySet"), "replacesCallId": S, "hidden": B, "participantId": S}, ["identity"]),
    "MediaConfig": obj({"@odata.type": {"type": "string", "enum": ["#microsoft.graph.serviceHostedMediaConfig", "#microsoft.graph.appHostedMediaConfig"]}, "preFetchMedia": A_(obj({"uri": S, "resourceId": S})), "blob": {"type": "string", "description": "App-hosted: Ringside raw media {\"transportUrl\": \"wss://…\"} (docs/app-hosted-media.md)"}}, ["@odata.type"]),
    "Call": obj({"@odata.type": S, "id": S, "state": {"type": "string", "enum": ["incoming", "establishing", "established", "hold", "transferring", "transferAccepted", "redirecting", "terminating", "terminated"]},
                 "direction": S, "callbackUri": S, "callChainId": S, "myParticipantId": S, "source": ref("ParticipantInfo"), "targets": A_(ref("InvitationParticipantInfo")),
                 "requestedModalities": A_(S), "mediaConfig": ref("MediaConfig"), "subject": S, "tenantId": S, "chatInfo": obj({"threadId": S, "messageId": S, "replyChainMessageId": S}),
                 "meetingInfo": obj({"@odata.type": S, "organizer": ref("IdentitySet"), "joinMeetingId": S, "passcode": S}), "resultInfo": ref("ResultInfo"), "toneInfo": obj({"tone": S, "sequenceId": I}), "callOptions": obj({})}),
    "ResultInfo": obj({"code": I, "subcode": I, "message": S}),
    "CommsOperation": obj({"@odata.type": S, "id": S, "clientContext": S, "status": {"type": "string", "enum": ["notStarted", "running", "completed", "failed"]}, "resultInfo": ref("ResultInfo"),
                           "recordingLocation": S, "recordingAccessToken": S, "completionReason": S, "participants": A_(ref("InvitationParticipantInfo"))}),
    "Participant": obj({"@odata.type": S, "id": S, "info": ref("ParticipantInfo"), "isMuted": B, "isInLobby": B, "mediaStreams": A_(obj({"mediaType": S, "sourceId": S, "direction": S, "serverMuted": B, "label": S})), "recordingInfo": obj({"recordingStatus": S}), "rosterSequenceNumber": I}),
    "ParticipantCollection": obj({"value": A_(ref("Participant"))}),
    "AudioRoutingGroup": obj({"id": S, "routingMode": {"type": "string", "enum": ["oneToOne", "multicast"]}, "sources": A_(S), "receivers": A_(S)}),
    "AudioRoutingGroupCollection": obj({"value": A_(ref("AudioRoutingGroup"))}),
    "OnlineMeeting": obj({"id": S, "subject": S, "startDateTime": S, "endDateTime": S, "creationDateTime": S, "joinWebUrl": S, "chatInfo": obj({"threadId": S, "messageId": S}), "joinMeetingIdSettings": obj({"joinMeetingId": S, "passcode": S, "isPasscodeRequired": B}), "participants": obj({"organizer": obj({"identity": ref("IdentitySet"), "upn": S, "role": S})})}),
    "ResourceAccountCollection": obj({"value": A_(obj({"id": S, "userPrincipalName": S, "appId": S, "displayName": S, "phoneNumber": S, "acsResourceId": S}))}),
    "ContentSharingSession": obj({"id": S}),
    "ContentSharingSessionCollection": obj({"value": A_(ref("ContentSharingSession"))}),
    "TeleconferenceDeviceQualityRequest": obj({"quality": obj({"callChainId": S, "participantId": S, "deviceName": S, "mediaQualityList": A_(obj({}))}, ["callChainId"])}, ["quality"]),
    "ClientContextRequest": obj({"clientContext": {"type": "string", "maxLength": 256}}),
    "AnswerRequest": obj({"callbackUri": S, "acceptedModalities": A_(S), "mediaConfig": ref("MediaConfig"), "callOptions": obj({}), "participantCapacity": I}, ["mediaConfig"]),
    "RejectRequest": obj({"reason": {"type": "string", "enum": ["none", "busy", "forbidden"]}, "callbackUri": S}),
    "RedirectRequest": obj({"targets": A_(ref("InvitationParticipantInfo")), "timeout": I, "callbackUri": S}, ["targets"]),
    "TransferRequest": obj({"transferTarget": ref("InvitationParticipantInfo"), "transferee": ref("ParticipantInfo")}, ["transferTarget"]),
    "PlayPromptRequest": obj({"prompts": A_(obj({"@odata.type": S, "mediaInfo": obj({"uri": S, "resourceId": S})})), "clientContext": S, "loop": B}, ["prompts"]),
    "RecordResponseRequest": obj({"prompts": A_(obj({})), "bargeInAllowed": B, "initialSilenceTimeoutInSeconds": I, "maxSilenceTimeoutInSeconds": I, "maxRecordDurationInSeconds": I, "playBeep": B, "stopTones": A_(S), "clientContext": S}),
    "SendDtmfTonesRequest": obj({"tones": A_(S), "delayBetweenTonesMs": I, "clientContext": S}, ["tones"]),
    "UpdateRecordingStatusRequest": obj({"status": {"type": "string", "enum": ["notRecording", "recording", "failed"]}, "clientContext": S}, ["status"]),
    "ChangeScreenSharingRoleRequest": obj({"role": {"type": "string", "enum": ["viewer", "sharer"]}}, ["role"]),
    "InviteParticipantsRequest": obj({"participants": A_(ref("InvitationParticipantInfo")), "clientContext": S}, ["participants"]),
    "StartHoldMusicRequest": obj({"customPrompt": obj({"@odata.type": S, "mediaInfo": obj({"uri": S, "resourceId": S})}), "clientContext": S}),
}

document = {
    "openapi": "3.0.3",
    "info": {"title": "Ringside — Microsoft Graph cloud communications (implemented subset)", "version": "1.0",
             "description": "The Graph routes Ringside serves, under /v1.0 and /beta (the same paths; /admin/teams/resourceAccounts is beta only). Actions also answer in their namespace-qualified spelling (/microsoft.graph.answer). Notifications to callbackUri carry a platform-signed JWT (see README). Generated by scripts/gen-graph-openapi.py."},
    "servers": [{"url": "/v1.0"}, {"url": "/beta"}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "An app-only token for https://graph.microsoft.com/.default from Ringside's token endpoint ({url}/{tenant}/oauth2/v2.0/token)"}}, "schemas": schemas},
    "paths": {path: {m: dict(v, parameters=[{"name": n, "in": "path", "required": True, "schema": S} for n in [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]]) for m, v in ops.items()} for path, ops in paths.items()},
}
OUT.write_text(json.dumps(document, indent=2) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}: {sum(len(v) for v in paths.values())} operations")
