"""msgraph-sdk (unchanged; only the base URL and authority point at Ringside) driving the Graph calls
API end to end, with a webhook receiver that verifies every notification's JWT against Ringside's
JWKS:

- the issue's scenario: a simulated PSTN caller dials the resource account, the bot answers with the
  SDK, plays a prompt the caller hears (its recording), subscribes to tones, the caller presses 1,
  the bot gets toneInfo, transfers to a user, the user answers, the bot's leg ends;
- participants and self-operations on a group call (list, get, invite, mute, startHoldMusic,
  stopHoldMusic, delete, mute/unmute, updateRecordingStatus, keepAlive, audioRoutingGroups);
- onlineMeetings create/get and a bot joining the meeting with organizerMeetingInfo + chatInfo, a
  simulated user joining, and the roster reaching the bot;
- errors as the SDK raises them (ODataError): unknown call, missing role, P2P-only refusals.
"""

from __future__ import annotations

import asyncio
import io
import math
import wave

import pytest
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.api_error import APIError

from msgraph.generated.communications.calls.item.answer.answer_post_request_body import AnswerPostRequestBody
from msgraph.generated.communications.calls.item.mute.mute_post_request_body import MutePostRequestBody
from msgraph.generated.communications.calls.item.participants.invite.invite_post_request_body import (
    InvitePostRequestBody,
)
from msgraph.generated.communications.calls.item.participants.item.mute.mute_post_request_body import (
    MutePostRequestBody as ParticipantMutePostRequestBody,
)
from msgraph.generated.communications.calls.item.participants.item.start_hold_music.start_hold_music_post_request_body import (
    StartHoldMusicPostRequestBody,
)
from msgraph.generated.communications.calls.item.participants.item.stop_hold_music.stop_hold_music_post_request_body import (
    StopHoldMusicPostRequestBody,
)
from msgraph.generated.communications.calls.item.play_prompt.play_prompt_post_request_body import (
    PlayPromptPostRequestBody,
)
from msgraph.generated.communications.calls.item.subscribe_to_tone.subscribe_to_tone_post_request_body import (
    SubscribeToTonePostRequestBody,
)
from msgraph.generated.communications.calls.item.transfer.transfer_post_request_body import TransferPostRequestBody
from msgraph.generated.communications.calls.item.unmute.unmute_post_request_body import UnmutePostRequestBody
from msgraph.generated.communications.calls.item.update_recording_status.update_recording_status_post_request_body import (
    UpdateRecordingStatusPostRequestBody,
)
from msgraph.generated.models.audio_routing_group import AudioRoutingGroup
from msgraph.generated.models.call import Call
from msgraph.generated.models.chat_info import ChatInfo
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.invitation_participant_info import InvitationParticipantInfo
from msgraph.generated.models.invite_participants_operation import InviteParticipantsOperation
from msgraph.generated.models.media_info import MediaInfo
from msgraph.generated.models.media_prompt import MediaPrompt
from msgraph.generated.models.modality import Modality
from msgraph.generated.models.mute_participant_operation import MuteParticipantOperation
from msgraph.generated.models.online_meeting import OnlineMeeting
from msgraph.generated.models.operation_status import OperationStatus
from msgraph.generated.models.organizer_meeting_info import OrganizerMeetingInfo
from msgraph.generated.models.recording_status import RecordingStatus
from msgraph.generated.models.routing_mode import RoutingMode
from msgraph.generated.models.service_hosted_media_config import ServiceHostedMediaConfig
from msgraph.generated.models.start_hold_music_operation import StartHoldMusicOperation
from msgraph.generated.models.stop_hold_music_operation import StopHoldMusicOperation
from msgraph.generated.models.unmute_participant_operation import UnmuteParticipantOperation
from msgraph.generated.models.update_recording_status_operation import UpdateRecordingStatusOperation

from ringside_interop import HTTP_TIMEOUT, App, verify_token
from test_graph_media import _Loopback, _client

CALLER = "+14255550198"
BOT_NUMBER = "+14255550100"


async def _wait(loop: _Loopback, predicate, timeout: float = 10.0) -> dict:
    return await asyncio.to_thread(loop.wait, predicate, timeout)


def _state(state: str):
    return lambda n: (n.get("resourceData") or {}).get("state") == state if isinstance(n.get("resourceData"), dict) else False


def _roster(size: int):
    return lambda n: (
        n.get("resourceUrl", "").endswith("/participants")
        and isinstance(n.get("resourceData"), list)
        and len(n["resourceData"]) == size
    )


def _verify_all(dev, loop: _Loopback, audience: str) -> None:
    """Every notification POST carried a bearer JWT signed by Ringside for the bot."""
    with loop.lock:
        tokens = list(loop.authorizations)
    assert tokens, "no notification arrived"
    for header in tokens:
        scheme, _, token = header.partition(" ")
        assert scheme == "Bearer", header[:40]
        claims = verify_token(dev, token, audience)
        assert claims["tid"] == dev.tenant_id


async def _with_client(dev, app, body):
    async with ClientSecretCredential(
        app.tenant, app.app_id, app.secret,
        authority=dev.url, disable_instance_discovery=True, connection_verify=dev.ca,
    ) as credential:
        return await body(_client(dev, app, credential))


def _goertzel_power(samples: list[int], hz: float, rate: int) -> float:
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2, s1 = s1, s0
    return s1 * s1 + s2 * s2 - k * s1 * s2


# ---- the scenario ------------------------------------------------------------------------------


def test_pstn_caller_answered_prompt_tone_transfer(dev, admin):
    """The dev bot owns +14255550100; its calling webhook is pointed at the receiver for this test."""
    loop = _Loopback()
    app_path = f"/applications/{dev.client_id}"
    admin.call("PATCH", app_path, {"bot": {"callingWebhookUrl": f"{loop.url}/incoming"}})
    try:
        app = App(app_id=dev.client_id, tenant=dev.tenant_id, secret=dev["app"]["clientSecret"])
        asyncio.run(_with_client(dev, app, lambda client: _scenario(dev, admin, client, loop)))
        _verify_all(dev, loop, dev.client_id)
    finally:
        admin.call("PATCH", app_path, {"bot": {"callingWebhookUrl": None}})
        loop.close()


async def _scenario(dev, admin, client, loop: _Loopback) -> None:
    user = dev["users"][0]["id"]
    dialled = admin.call(
        "POST", f"/phones/{CALLER.replace('+', '%2B')}/calls",
        {"to": BOT_NUMBER, "record": True, "hangupAfter": "60s"},
    )
    caller_leg = dialled["legId"]
    conversation = dialled["callId"]
    incoming = await _wait(loop, lambda n: n.get("changeType") == "created")
    call_id = incoming["resourceData"]["id"]
    assert incoming["resourceData"]["state"] == "incoming"
    call = client.communications.calls.by_call_id(call_id)

    await call.answer.post(
        AnswerPostRequestBody(
            callback_uri=f"{loop.url}/callback",
            accepted_modalities=[Modality.Audio],
            media_config=ServiceHostedMediaConfig(),
        )
    )
    await _wait(loop, _state("established"))

    played = await call.play_prompt.post(
        PlayPromptPostRequestBody(
            client_context="greeting",
            prompts=[MediaPrompt(media_info=MediaInfo(uri=f"{loop.url}/beep.wav", resource_id="greeting"))],
        )
    )
    done = await asyncio.to_thread(loop.completion, played.id)
    assert done["status"] == "completed", done

    subscribed = await call.subscribe_to_tone.post(SubscribeToTonePostRequestBody(client_context="tones"))
    assert subscribed.status == OperationStatus.Completed
    admin.call("POST", f"/calls/{conversation}/legs/{caller_leg}/press", {"digits": "1"}, expect=(202,))
    tone = await _wait(loop, lambda n: ((n.get("resourceData") or {}).get("toneInfo") or {}).get("tone") == "tone1")
    assert tone["resourceData"]["toneInfo"]["sequenceId"] == 1

    await call.transfer.post(
        TransferPostRequestBody(
            transfer_target=InvitationParticipantInfo(identity=IdentitySet(user=Identity(id=user)))
        )
    )
    ended = await _wait(loop, _state("terminated"), timeout=15)
    # GracefulTransferCompleted, as Graph's transfer docs show it.
    assert ended["resourceData"]["resultInfo"]["subcode"] == 7015, ended
    await _wait(
        loop,
        lambda n: n.get("changeType") == "deleted" and n.get("resourceUrl") == f"/communications/calls/{call_id}",
    )
    # Only the notification that reported the key carries toneInfo: SimpleIvrBot transfers whenever an
    # update carries ToneInfo.SequenceId == 1, so a stale toneInfo on transferring/terminated would loop it.
    with loop.lock:
        toned = [n for n in loop.notifications if isinstance(n.get("resourceData"), dict)
                 and (n["resourceData"].get("toneInfo") or None) is not None]
    assert len(toned) == 1, toned
    # The caller now talks to the user; it hangs up and its recording holds the prompt.
    listing = admin.call("GET", f"/calls/{conversation}")
    user_leg = [leg for leg in listing["legs"] if leg["kind"] != "bot" and leg["id"] != caller_leg]
    assert user_leg and user_leg[0]["state"] == "established", listing
    admin.call("POST", f"/calls/{conversation}/legs/{caller_leg}/hangup", expect=(202,))
    wav = None
    for _ in range(50):
        r = admin.http.get(f"{admin.base}/calls/{conversation}/legs/{caller_leg}/recording", timeout=HTTP_TIMEOUT)
        if r.status_code == 200:
            wav = r.content
            break
        await asyncio.sleep(0.1)
    assert wav is not None, "the caller's recording"
    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        raw = w.readframes(w.getnframes())
    samples = list(memoryview(raw).cast("h"))
    window = rate // 10
    best = max(
        _goertzel_power(samples[i : i + window], 1000.0, rate) / max(1.0, sum(x * x for x in samples[i : i + window]))
        for i in range(0, len(samples) - window, window)
    )
    assert best > 50, f"the 1 kHz prompt is not in the caller's recording ({best})"


# ---- participants and self-operations ----------------------------------------------------------


def test_participants_and_self_operations(dev, admin):
    app = admin.app("participants", ["Calls.Initiate.All", "Calls.InitiateGroupCall.All", "Calls.JoinGroupCall.All"])
    loop = _Loopback()
    try:
        asyncio.run(_with_client(dev, app, lambda client: _participants(dev, admin, client, loop)))
        _verify_all(dev, loop, app.app_id)
    finally:
        loop.close()


async def _participants(dev, admin, client, loop: _Loopback) -> None:
    users = [u["id"] for u in dev["users"][:2]]
    created = await client.communications.calls.post(
        Call(
            callback_uri=f"{loop.url}/group",
            targets=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id=u))) for u in users],
            requested_modalities=[Modality.Audio],
            media_config=ServiceHostedMediaConfig(),
            tenant_id=dev.tenant_id,
        )
    )
    call = client.communications.calls.by_call_id(created.id)
    await _wait(loop, _roster(3))

    listed = await call.participants.get()
    assert len(listed.value) == 3
    by_user = {p.info.identity.user.id: p for p in listed.value if p.info.identity.user}
    p0, p1 = by_user[users[0]].id, by_user[users[1]].id
    one = await call.participants.by_participant_id(p0).get()
    assert one.id == p0 and one.is_muted is False

    muted = await call.participants.by_participant_id(p0).mute.post(ParticipantMutePostRequestBody(client_context="m"))
    assert isinstance(muted, MuteParticipantOperation) and muted.client_context == "m"
    await _wait(loop, lambda n: _roster(3)(n) and any(p["id"] == p0 and p["isMuted"] for p in n["resourceData"]))

    held = await call.participants.by_participant_id(p1).start_hold_music.post(
        StartHoldMusicPostRequestBody(client_context="hold")
    )
    assert isinstance(held, StartHoldMusicOperation), held
    resumed = await call.participants.by_participant_id(p1).stop_hold_music.post(
        StopHoldMusicPostRequestBody(client_context="resume")
    )
    assert isinstance(resumed, StopHoldMusicOperation), resumed

    me = await call.mute.post(MutePostRequestBody(client_context="self"))
    assert isinstance(me, MuteParticipantOperation)
    me = await call.unmute.post(UnmutePostRequestBody(client_context="self"))
    assert isinstance(me, UnmuteParticipantOperation)
    status = await call.update_recording_status.post(
        UpdateRecordingStatusPostRequestBody(status=RecordingStatus.Recording, client_context="rec")
    )
    assert isinstance(status, UpdateRecordingStatusOperation) and status.status == OperationStatus.Completed
    await call.keep_alive.post()

    group = await call.audio_routing_groups.post(
        AudioRoutingGroup(id="private", routing_mode=RoutingMode.OneToOne, sources=[created.id], receivers=[p0])
    )
    assert group.id == "private" and group.routing_mode == RoutingMode.OneToOne
    groups = await call.audio_routing_groups.get()
    assert [g.id for g in groups.value] == ["private"]
    patched = await call.audio_routing_groups.by_audio_routing_group_id("private").patch(
        AudioRoutingGroup(receivers=[p0, p1])
    )
    assert sorted(patched.receivers) == sorted([p0, p1])
    await call.audio_routing_groups.by_audio_routing_group_id("private").delete()
    assert (await call.audio_routing_groups.get()).value == []

    invited = await call.participants.invite.post(
        InvitePostRequestBody(
            participants=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id=dev["users"][2]["id"])))],
            client_context="invite",
        )
    )
    assert isinstance(invited, InviteParticipantsOperation), invited
    assert invited.participants[0].identity.user.id == dev["users"][2]["id"]
    done = await asyncio.to_thread(loop.completion, invited.id)
    assert done["status"] == "completed", done
    # The completion names the invitees, as on Graph's participant-invite page.
    assert [p["identity"]["user"]["id"] for p in done["participants"]] == [dev["users"][2]["id"]], done
    await _wait(loop, _roster(4))

    await call.participants.by_participant_id(p0).delete()
    await _wait(loop, lambda n: _roster(3)(n) and all(p["id"] != p0 for p in n["resourceData"]))
    await call.delete()


def test_group_only_actions_are_odata_errors_on_a_p2p_call(dev, admin):
    app = admin.app("p2p", ["Calls.Initiate.All", "Calls.InitiateGroupCall.All"])
    loop = _Loopback()

    async def body(client):
        created = await client.communications.calls.post(
            Call(
                callback_uri=f"{loop.url}/p2p",
                targets=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id=dev["users"][0]["id"])))],
                requested_modalities=[Modality.Audio],
                media_config=ServiceHostedMediaConfig(),
            )
        )
        call = client.communications.calls.by_call_id(created.id)
        await _wait(loop, _state("established"))
        with pytest.raises(APIError) as refused:
            await call.mute.post(MutePostRequestBody())
        assert refused.value.response_status_code == 400
        assert refused.value.error.code == "notAllowed"
        with pytest.raises(APIError) as missing:
            await client.communications.calls.by_call_id("00000000-0000-0000-0000-000000000042").participants.get()
        assert missing.value.response_status_code == 404
        await call.delete()

    try:
        asyncio.run(_with_client(dev, app, body))
    finally:
        loop.close()


def test_invite_needs_the_group_call_role(dev, admin):
    app = admin.app("norole", ["Calls.Initiate.All"])
    loop = _Loopback()

    async def body(client):
        with pytest.raises(APIError) as refused:
            await client.communications.calls.by_call_id("00000000-0000-0000-0000-000000000042").participants.invite.post(
                InvitePostRequestBody(
                    participants=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id=dev["users"][0]["id"])))]
                )
            )
        assert refused.value.response_status_code == 403

    try:
        asyncio.run(_with_client(dev, app, body))
    finally:
        loop.close()


# ---- meetings ----------------------------------------------------------------------------------


def test_online_meeting_created_and_joined(dev, admin):
    app = admin.app(
        "meetings", ["Calls.JoinGroupCall.All", "OnlineMeetings.ReadWrite.All", "Calls.Initiate.All"]
    )
    loop = _Loopback()
    try:
        asyncio.run(_with_client(dev, app, lambda client: _meeting(dev, admin, client, loop)))
        _verify_all(dev, loop, app.app_id)
    finally:
        loop.close()


async def _meeting(dev, admin, client, loop: _Loopback) -> None:
    organizer = dev["users"][0]["id"]
    meeting = await client.users.by_user_id(organizer).online_meetings.post(OnlineMeeting(subject="Interop bridge"))
    assert meeting.join_web_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert meeting.chat_info.thread_id.startswith("19:meeting_")
    assert meeting.join_meeting_id_settings.join_meeting_id.isdigit()
    fetched = await client.users.by_user_id(organizer).online_meetings.by_online_meeting_id(meeting.id).get()
    assert fetched.subject == "Interop bridge"

    joined = await client.communications.calls.post(
        Call(
            callback_uri=f"{loop.url}/meeting",
            requested_modalities=[Modality.Audio],
            media_config=ServiceHostedMediaConfig(),
            chat_info=ChatInfo(thread_id=meeting.chat_info.thread_id, message_id="0"),
            meeting_info=OrganizerMeetingInfo(organizer=IdentitySet(user=Identity(id=organizer))),
            tenant_id=dev.tenant_id,
        )
    )
    assert joined.chat_info.thread_id == meeting.chat_info.thread_id
    await _wait(loop, _state("established"))
    admin.call("POST", f"/meetings/{meeting.id}/join", {"participant": dev["users"][1]["id"]}, expect=(201,))
    roster = await _wait(loop, _roster(2))
    ids = [((p.get("info") or {}).get("identity") or {}).get("user", {}) for p in roster["resourceData"]]
    assert any((u or {}).get("id") == dev["users"][1]["id"] for u in ids), roster
    await client.communications.calls.by_call_id(joined.id).delete()
