"""Seed 004 end to end with azure-communication-callautomation 1.6.0, unchanged: a CCaaS service on Teams
Phone extensibility. A simulated PSTN caller dials the resource account bound to the dev ACS resource; the
service validates its Event Grid subscription, receives IncomingCall, answers with media streaming to its own
WebSocket server and hears the caller, plays a prompt, recognizes the DTMF the caller presses, starts an
unmixed WAV recording, adds a Teams extension user as agent, transfers the caller to a PSTN number, stops
the recording, receives RecordingFileStatusUpdated, downloads the recording and its metadata with the SDK and
checks that the caller and the agent are on separate channels — then deletes it.

The SDK downloads only from `*.asm.skype.com`; where a user adds one hosts-file line (README), this test
resolves that one name to 127.0.0.1 inside its own process."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import wave
from array import array

import pytest
from azure.communication.callautomation import (
    CallAutomationClient,
    FileSource,
    MediaStreamingOptions,
    PhoneNumberIdentifier,
    RecognizeInputType,
    RecordingChannel,
    RecordingContent,
    RecordingFormat,
    TeamsExtensionUserIdentifier,
)
from azure.core.exceptions import ResourceNotFoundError
from websockets.sync.server import serve

from ringside_interop import verify_token
from test_acs_calls import _Service
from test_graph_media import _beep

CALLER = "+14255550186"
CCAAS_NUMBER = "+14255550200"
TRANSFER_TO = "+14255550187"
STORAGE_HOST = "ringside.asm.skype.com"


@pytest.fixture
def storage_host_resolves_here():
    """What `127.0.0.1 ringside.asm.skype.com` in /etc/hosts does, for this process only."""
    original = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.lower() == STORAGE_HOST:
            host = "127.0.0.1"
        return original(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    yield
    socket.getaddrinfo = original


class _MediaSink:
    """The service's media-streaming WebSocket server: keeps every JSON message Ringside sends."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.lock = threading.Lock()

        def handler(connection) -> None:
            for message in connection:
                if isinstance(message, str):
                    with self.lock:
                        self.messages.append(json.loads(message))

        self.server = serve(handler, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/media"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def heard(self, raw_id: str) -> int:
        """Non-silent AudioData frames from a participant."""
        with self.lock:
            return sum(
                1
                for m in self.messages
                if m.get("kind") == "AudioData"
                and m["audioData"].get("participantRawID") == raw_id
                and not m["audioData"].get("silent")
            )

    def close(self) -> None:
        self.server.shutdown()


def _download(client: CallAutomationClient, url: str, **kwargs) -> bytes:
    """download_recording's bytes: 1.6.0 returns the streamed HttpResponse although it is typed as
    Iterable[bytes] (the SDK's own issue #42835)."""
    response = client.download_recording(url, **kwargs)
    return response.read() if hasattr(response, "read") else b"".join(response)


def _channel_rms(wav_bytes: bytes) -> tuple[int, list[list[float]]]:
    """Channels, and per channel the RMS of each 100 ms window."""
    with wave.open(io.BytesIO(wav_bytes)) as w:
        channels, rate = w.getnchannels(), w.getframerate()
        assert (w.getsampwidth(), rate) == (2, 16_000)
        samples = array("h", w.readframes(w.getnframes()))
    window = rate // 10
    frames = len(samples) // channels
    out: list[list[float]] = []
    for c in range(channels):
        rms = []
        for start in range(0, frames - window + 1, window):
            chunk = [samples[(start + i) * channels + c] for i in range(window)]
            rms.append((sum(s * s for s in chunk) / window) ** 0.5)
        out.append(rms)
    return channels, out


def test_seed_004_ccaas_end_to_end(dev, admin, storage_host_resolves_here):
    service = _Service()
    media = _MediaSink()
    resource = dev["acs"]["resourceId"]
    name = f"seed004{int(time.time() * 1000) % 10**9}"
    admin.call(
        "POST", f"/acsResources/{resource}/eventSubscriptions",
        {"name": name, "endpoint": f"{service.url}/events",
         "includedEventTypes": ["Microsoft.Communication.IncomingCall", "Microsoft.Communication.RecordingFileStatusUpdated"]},
        expect=(200, 201),
    )
    try:
        _scenario(dev, admin, service, media)
    finally:
        admin.call("DELETE", f"/acsResources/{resource}/eventSubscriptions/{name}", expect=(200, 204, 404))
        media.close()
        service.close()


def _scenario(dev, admin, service, media) -> None:
    client = CallAutomationClient.from_connection_string(dev["acs"]["connectionString"], connection_verify=dev.ca)
    agent = dev["users"][1]["id"]
    # The agent talks once it answers; the transfer target just answers.
    admin.call("PUT", f"/phones/{agent}/behaviour", {"answerAfter": "200ms", "tone": [{"at": "0ms", "duration": "60s"}]}, expect=(200,))
    admin.call("PUT", f"/phones/{TRANSFER_TO.replace('+', '%2B')}/behaviour", {"answerAfter": "200ms"}, expect=(200,))
    speech = admin.http.post(
        f"{admin.base}/media", data=_beep(500.0, 1.5), headers={"content-type": "audio/wav"}, timeout=10
    )
    assert speech.status_code in (200, 201), speech.text
    speech_id = speech.json()["id"]

    dialled = admin.call("POST", f"/phones/{CALLER.replace('+', '%2B')}/calls",
                         {"to": CCAAS_NUMBER, "tone": [{"at": "0ms", "duration": "1s"}], "hangupAfter": "90s"})
    conversation, caller_leg = dialled["callId"], dialled["legId"]

    incoming = service.wait("events", lambda e: e.get("eventType") == "Microsoft.Communication.IncomingCall"
                            and e["data"]["from"]["rawId"] == f"4:{CALLER}")
    data = incoming["data"]
    assert data["to"]["rawId"].startswith("28:orgid:"), data["to"]

    streaming = MediaStreamingOptions(
        transport_url=media.url, transport_type="websocket", content_type="audio",
        audio_channel_type="unmixed", start_media_streaming=True, enable_dtmf_tones=True,
    )
    answered = client.answer_call(data["incomingCallContext"], f"{service.url}/callbacks",
                                  media_streaming=streaming, operation_context="seed004")
    connection = client.get_call_connection(answered.call_connection_id)
    service.callback("CallConnected")
    started = service.callback("MediaStreamingStarted")
    assert started["data"]["mediaStreamingUpdate"]["mediaStreamingStatus"] == "mediaStreamingStarted"

    # The service's own speech stack hears the caller.
    deadline = time.monotonic() + 10
    while media.heard(f"4:{CALLER}") < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert media.heard(f"4:{CALLER}") >= 10
    with media.lock:
        assert media.messages[0]["kind"] == "AudioMetadata", media.messages[0]

    # A prompt, then the menu choice the caller presses.
    connection.play_media(FileSource(url=f"{service.url}/prompt.wav"), play_to=[PhoneNumberIdentifier(CALLER)], operation_context="welcome")
    service.callback("PlayCompleted")
    connection.start_recognizing_media(
        RecognizeInputType.DTMF, PhoneNumberIdentifier(CALLER),
        dtmf_max_tones_to_collect=1, initial_silence_timeout=10, operation_context="menu",
    )
    admin.call("POST", f"/calls/{conversation}/legs/{caller_leg}/press", {"digits": "2"}, expect=(202,))
    recognized = service.callback("RecognizeCompleted")
    assert recognized["data"]["dtmfResult"]["tones"] == ["two"]
    with media.lock:
        assert any(m.get("kind") == "DtmfData" for m in media.messages), "DTMF reaches the media socket too"

    # Record (by connection id, as Teams Phone extensibility does), unmixed WAV.
    recording = client.start_recording(
        call_connection_id=answered.call_connection_id,
        recording_state_callback_url=f"{service.url}/callbacks",
        recording_content_type=RecordingContent.AUDIO,
        recording_channel_type=RecordingChannel.UNMIXED,
        recording_format_type=RecordingFormat.WAV,
    )
    assert recording.recording_state == "active"
    service.wait("callbacks", lambda e: e.get("type") == "Microsoft.Communication.RecordingStateChanged"
                 and e["data"]["state"] == "active")
    assert client.get_recording_properties(recording.recording_id).recording_state == "active"
    # The caller speaks into the recording.
    admin.call("POST", f"/calls/{conversation}/legs/{caller_leg}/play", {"media": speech_id}, expect=(200, 202))
    time.sleep(1.8)

    # The agent, a Teams extension user of this resource account's tenant.
    extension = TeamsExtensionUserIdentifier(user_id=agent, tenant_id=dev["tenantId"], resource_id=dev["acs"]["resourceId"])
    connection.add_participant(extension, operation_context="agent")
    added = service.callback("AddParticipantSucceeded", timeout=15)
    assert added["data"]["operationContext"] == "agent"
    assert added["data"]["participant"]["rawId"] == extension.raw_id
    # The agent appears in the roster under the identifier the service used.
    roster = service.wait("callbacks", lambda e: e.get("type") == "Microsoft.Communication.ParticipantsUpdated"
                          and any(p["identifier"]["rawId"] == extension.raw_id for p in e["data"]["participants"]))
    agent_entry = next(p for p in roster["data"]["participants"] if p["identifier"]["rawId"] == extension.raw_id)
    assert agent_entry["identifier"]["kind"] == "teamsExtensionUser"
    assert any(p.identifier.raw_id == extension.raw_id for p in connection.list_participants())
    time.sleep(1.5)

    # The caller goes on to a PSTN number (three in the call: the caller is the transferee, and only
    # the caller leaves: the service stays with the agent); the recording goes on until the service
    # stops it.
    connection.transfer_call_to_participant(
        PhoneNumberIdentifier(TRANSFER_TO), transferee=PhoneNumberIdentifier(CALLER), operation_context="xfer"
    )
    service.callback("CallTransferAccepted", timeout=15)
    assert connection.get_call_properties().call_connection_state == "connected"
    client.stop_recording(recording.recording_id)
    service.wait("callbacks", lambda e: e.get("type") == "Microsoft.Communication.RecordingStateChanged"
                 and e["data"]["state"] == "inactive")

    ready = service.wait("events", lambda e: e.get("eventType") == "Microsoft.Communication.RecordingFileStatusUpdated", timeout=20)
    chunk = ready["data"]["recordingStorageInfo"]["recordingChunks"][0]
    assert ready["data"]["recordingChannelType"] == "Unmixed"
    assert chunk["contentLocation"].startswith(f"https://{STORAGE_HOST}:")

    metadata = json.loads(_download(client, chunk["metadataLocation"]))
    assert metadata["recordingInfo"]["channelType"] == "unmixed"
    channel_of = {p["participantId"]: p["channel"] for p in metadata["participants"]}
    caller_channel = channel_of[f"4:{CALLER}"]
    agent_channel = channel_of[extension.raw_id]
    assert caller_channel != agent_channel

    audio = _download(client, chunk["contentLocation"])
    channels, rms = _channel_rms(audio)
    assert channels == metadata["recordingInfo"]["audioConfiguration"]["channels"] >= 2
    assert max(rms[caller_channel]) > 1_000, "the caller's speech is on the caller's channel"
    assert max(rms[agent_channel]) > 1_000, "the agent's voice is on the agent's channel"
    loud_caller = {i for i, v in enumerate(rms[caller_channel]) if v > 1_000}
    loud_agent = {i for i, v in enumerate(rms[agent_channel]) if v > 1_000}
    assert loud_caller != loud_agent, "two voices, two channels"
    # A ranged download is a prefix of the whole.
    part = _download(client, chunk["contentLocation"], offset=4, length=40)
    assert part == audio[4:44]

    client.delete_recording(chunk["deleteLocation"])
    with pytest.raises(ResourceNotFoundError):
        _download(client, chunk["contentLocation"])

    for header in service.tokens:
        verify_token(dev, header[7:], dev["acs"]["resourceId"])
