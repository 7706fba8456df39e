"""msgraph-sdk 1.65.0 (kiota-python 1.16.0) driving Graph service-hosted media operations on a call
it placed to a simulated user: playPrompt (a WAV served over loopback http, which dev mode allows),
subscribeToTone (the user's key presses arrive as toneInfo notifications), recordResponse (the
recording downloaded from recordingLocation with recordingAccessToken), sendDtmfTones,
cancelMediaProcessing and GET …/operations/{id}, each typed by the SDK from Ringside's responses.

A fresh app (Calls.Initiate.All + Calls.AccessMedia.All) with its own callbackUri keeps the dev app's
webhook untouched for the other tests.
"""

from __future__ import annotations

import asyncio
import http.server
import io
import json
import math
import ssl
import struct
import threading
import time
import wave

import httpx
from azure.identity.aio import ClientSecretCredential
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider

import msgraph
from msgraph.generated.communications.calls.item.cancel_media_processing.cancel_media_processing_post_request_body import (
    CancelMediaProcessingPostRequestBody,
)
from msgraph.generated.communications.calls.item.play_prompt.play_prompt_post_request_body import (
    PlayPromptPostRequestBody,
)
from msgraph.generated.communications.calls.item.record_response.record_response_post_request_body import (
    RecordResponsePostRequestBody,
)
from msgraph.generated.communications.calls.item.send_dtmf_tones.send_dtmf_tones_post_request_body import (
    SendDtmfTonesPostRequestBody,
)
from msgraph.generated.communications.calls.item.subscribe_to_tone.subscribe_to_tone_post_request_body import (
    SubscribeToTonePostRequestBody,
)
from msgraph.generated.models.call import Call
from msgraph.generated.models.cancel_media_processing_operation import CancelMediaProcessingOperation
from msgraph.generated.models.identity import Identity
from msgraph.generated.models.identity_set import IdentitySet
from msgraph.generated.models.invitation_participant_info import InvitationParticipantInfo
from msgraph.generated.models.media_info import MediaInfo
from msgraph.generated.models.media_prompt import MediaPrompt
from msgraph.generated.models.modality import Modality
from msgraph.generated.models.operation_status import OperationStatus
from msgraph.generated.models.play_prompt_operation import PlayPromptOperation
from msgraph.generated.models.record_operation import RecordOperation
from msgraph.generated.models.send_dtmf_tones_operation import SendDtmfTonesOperation
from msgraph.generated.models.service_hosted_media_config import ServiceHostedMediaConfig
from msgraph.generated.models.subscribe_to_tone_operation import SubscribeToToneOperation
from msgraph.generated.models.tone import Tone
from msgraph_core import GraphClientFactory

from ringside_interop import GRAPH_SCOPE, HTTP_TIMEOUT


def _beep(hz: float = 1000.0, seconds: float = 0.6) -> bytes:
    frames = int(16_000 * seconds)
    pcm = b"".join(
        struct.pack("<h", int(12_000 * math.sin(2 * math.pi * hz * i / 16_000))) for i in range(frames)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(pcm)
    return out.getvalue()


class _Loopback:
    """One loopback http server: POST anything = a notification (202), GET /beep.wav = a prompt."""

    def __init__(self) -> None:
        self.notifications: list[dict] = []
        self.authorizations: list[str] = []
        self.lock = threading.Lock()
        beep = _beep()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    values = json.loads(body).get("value", [])
                except ValueError:
                    values = []
                with outer.lock:
                    outer.notifications.extend(values)
                    outer.authorizations.append(self.headers.get("authorization") or "")
                self.send_response(202)
                self.send_header("content-length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                if self.path != "/beep.wav":
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-type", "audio/wav")
                self.send_header("content-length", str(len(beep)))
                self.end_headers()
                self.wfile.write(beep)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, predicate, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for n in self.notifications:
                    if predicate(n):
                        return n
            time.sleep(0.05)
        with self.lock:
            raise AssertionError(f"no matching notification; got {json.dumps(self.notifications)[:3000]}")

    def completion(self, op_id: str) -> dict:
        return self.wait(
            lambda n: n.get("changeType") == "deleted" and n.get("resourceUrl", "").endswith(f"/operations/{op_id}")
        )["resourceData"]

    def close(self) -> None:
        self.server.shutdown()


def _client(dev, app, credential) -> msgraph.GraphServiceClient:
    http_client = httpx.AsyncClient(
        base_url=f"{dev.url}/v1.0", verify=ssl.create_default_context(cafile=dev.ca), timeout=HTTP_TIMEOUT,
    )
    http_client = GraphClientFactory.create_with_default_middleware(
        client=http_client, options=msgraph.graph_request_adapter.options,
    )
    auth = AzureIdentityAuthenticationProvider(credential, scopes=[GRAPH_SCOPE])
    return msgraph.GraphServiceClient(request_adapter=msgraph.GraphRequestAdapter(auth, client=http_client))


def test_media_operations_through_msgraph_sdk(dev, admin):
    app = admin.app("media", ["Calls.Initiate.All", "Calls.AccessMedia.All"])
    loop = _Loopback()
    try:
        asyncio.run(_scenario(dev, admin, app, loop))
    finally:
        loop.close()


async def _wait(loop: _Loopback, predicate, timeout: float = 10.0) -> dict:
    return await asyncio.to_thread(loop.wait, predicate, timeout)


async def _completion(loop: _Loopback, op_id: str) -> dict:
    return await asyncio.to_thread(loop.completion, op_id)


async def _scenario(dev, admin, app, loop: _Loopback) -> None:
    async with ClientSecretCredential(
        app.tenant, app.app_id, app.secret,
        authority=dev.url, disable_instance_discovery=True, connection_verify=dev.ca,
    ) as credential:
        await _operations(dev, admin, _client(dev, app, credential), loop)


async def _operations(dev, admin, client, loop: _Loopback) -> None:
    user = dev["users"][-1]["id"]
    created = await client.communications.calls.post(
        Call(
            callback_uri=f"{loop.url}/callback",
            targets=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id=user)))],
            requested_modalities=[Modality.Audio],
            media_config=ServiceHostedMediaConfig(),
            tenant_id=dev.tenant_id,
        )
    )
    call_id = created.id
    call = client.communications.calls.by_call_id(call_id)
    await _wait(loop, lambda n: n.get("resourceData", {}).get("state") == "established")

    # playPrompt: a typed PlayPromptOperation, then its completion notification.
    played = await call.play_prompt.post(
        PlayPromptPostRequestBody(
            client_context="py-play",
            prompts=[MediaPrompt(media_info=MediaInfo(uri=f"{loop.url}/beep.wav", resource_id="py-beep"))],
        )
    )
    assert isinstance(played, PlayPromptOperation), played
    assert played.status == OperationStatus.Running
    assert played.client_context == "py-play"
    done = await _completion(loop, played.id)
    assert done["@odata.type"] == "#microsoft.graph.playPromptOperation"
    assert done["status"] == "completed"
    assert (done["resultInfo"]["code"], done["resultInfo"]["subcode"]) == (200, 0)
    got = await call.operations.by_comms_operation_id(played.id).get()
    assert isinstance(got, PlayPromptOperation) and got.status == OperationStatus.Completed

    # subscribeToTone, then the user presses 4: a call update with toneInfo.
    subscribed = await call.subscribe_to_tone.post(SubscribeToTonePostRequestBody(client_context="py-tones"))
    assert isinstance(subscribed, SubscribeToToneOperation), subscribed
    assert subscribed.status == OperationStatus.Completed
    conversation = admin.call("GET", f"/calls/{created.call_chain_id}")
    user_leg = next(leg["id"] for leg in conversation["legs"] if leg["kind"] != "bot")
    admin.call("POST", f"/calls/{created.call_chain_id}/legs/{user_leg}/press", {"digits": "4"}, expect=(202,))
    tone = await _wait(loop, lambda n: (n.get("resourceData", {}).get("toneInfo") or {}).get("tone") == "tone4")
    assert tone["changeType"] == "updated"
    assert tone["resourceData"]["toneInfo"]["sequenceId"] == 1

    # recordResponse: 2 s, no beep; the recording downloads with its access token only.
    recording = await call.record_response.post(
        RecordResponsePostRequestBody(client_context="py-rec", max_record_duration_in_seconds=2, play_beep=False)
    )
    assert isinstance(recording, RecordOperation), recording
    assert recording.status == OperationStatus.Running
    done = await _completion(loop, recording.id)
    assert done["status"] == "completed", done
    location, token = done["recordingLocation"], done["recordingAccessToken"]
    assert location.startswith(f"{dev.url}/ringside/v1/recordings/")
    session = dev.session()
    assert session.get(location, timeout=HTTP_TIMEOUT).status_code == 401
    assert session.get(location, headers={"Authorization": "Bearer nope"}, timeout=HTTP_TIMEOUT).status_code == 403
    wav = session.get(location, headers={"Authorization": f"Bearer {token}"}, timeout=HTTP_TIMEOUT)
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    with wave.open(io.BytesIO(wav.content)) as w:
        assert 1.8 <= w.getnframes() / w.getframerate() <= 2.2

    # sendDtmfTones and cancelMediaProcessing are typed too.
    sent = await call.send_dtmf_tones.post(
        SendDtmfTonesPostRequestBody(tones=[Tone.Tone1, Tone.Pound], delay_between_tones_ms=50, client_context="py-dtmf")
    )
    assert isinstance(sent, SendDtmfTonesOperation), sent
    done = await _completion(loop, sent.id)
    assert done["completionReason"] == "completedSuccessfully"
    cancelled = await call.cancel_media_processing.post(CancelMediaProcessingPostRequestBody(client_context="py-cancel"))
    assert isinstance(cancelled, CancelMediaProcessingOperation), cancelled
    assert cancelled.status == OperationStatus.Completed

    await call.delete()
    await _wait(loop, lambda n: n.get("changeType") == "deleted" and n.get("resourceUrl") == f"/communications/calls/{call_id}")
