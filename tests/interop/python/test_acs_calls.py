"""azure-communication-callautomation 1.6.0 (unchanged; connection string from dev.json) against
Ringside's ACS door, Teams Phone extensibility style (seed 004): an Event Grid subscription with its
validation handshake, a simulated PSTN caller dialling the resource account bound to the dev ACS
resource, IncomingCall, answer_call, CallConnected, call properties and participants, play of a WAV and of
text and SSML (spoken by the offline engine),
DTMF recognize of keys the caller presses, continuous DTMF, adding a Teams user, transfer to a PSTN
number and CallDisconnected — every callback a CloudEvent whose JWT is verified (audience: the ACS
resource id). Plus the errors the SDK raises for an unknown connection and a bad context."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest
from azure.communication.callautomation import (
    CallAutomationClient,
    DtmfTone,
    FileSource,
    MicrosoftTeamsUserIdentifier,
    PhoneNumberIdentifier,
    RecognitionChoice,
    RecognizeInputType,
    SsmlSource,
    TextSource,
    TranscriptionOptions,
)
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ringside_interop import verify_token
from test_graph_media import _beep

CALLER = "+14255550196"
CCAAS_NUMBER = "+14255550200"


class _Service:
    """A CCaaS service's webhook: Event Grid (validation + IncomingCall) at /events, Call Automation
    callbacks at /callbacks, and a prompt at /prompt.wav."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.callbacks: list[dict] = []
        self.tokens: list[str] = []
        self.event_headers: list[dict] = []
        self.lock = threading.Lock()
        wav = _beep(800.0, 0.5)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "audio/wav")
                self.send_header("content-length", str(len(wav)))
                self.end_headers()
                self.wfile.write(wav)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"[]")
                reply = b""
                with outer.lock:
                    if self.path.startswith("/events"):
                        outer.event_headers.append(dict(self.headers))
                        for event in body:
                            if event.get("eventType") == "Microsoft.EventGrid.SubscriptionValidationEvent":
                                reply = json.dumps({"validationResponse": event["data"]["validationCode"]}).encode()
                            else:
                                outer.events.append(event)
                    else:
                        outer.tokens.append(self.headers.get("authorization") or "")
                        outer.callbacks.extend(body)
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, source: str, predicate, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for item in getattr(self, source):
                    if predicate(item):
                        return item
            time.sleep(0.05)
        with self.lock:
            raise AssertionError(f"nothing matched in {source}: {json.dumps(getattr(self, source))[:3000]}")

    def callback(self, event_type: str, timeout: float = 10.0) -> dict:
        return self.wait("callbacks", lambda e: e.get("type") == f"Microsoft.Communication.{event_type}", timeout)

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def service(dev, admin):
    svc = _Service()
    resource = dev["acs"]["resourceId"]
    name = f"interop{int(time.time() * 1000) % 10**9}"
    admin.call(
        "POST", f"/acsResources/{resource}/eventSubscriptions",
        {"name": name, "endpoint": f"{svc.url}/events", "includedEventTypes": ["Microsoft.Communication.IncomingCall"]},
        expect=(200, 201),
    )
    yield svc
    admin.call("DELETE", f"/acsResources/{resource}/eventSubscriptions/{name}", expect=(200, 204, 404))
    svc.close()


def _client(dev) -> CallAutomationClient:
    return CallAutomationClient.from_connection_string(dev["acs"]["connectionString"], connection_verify=dev.ca)


def test_seed_004_call_flow(dev, admin, service):
    client = _client(dev)
    dialled = admin.call("POST", f"/phones/{CALLER.replace('+', '%2B')}/calls", {"to": CCAAS_NUMBER, "hangupAfter": "60s"})
    conversation, caller_leg = dialled["callId"], dialled["legId"]

    incoming = service.wait("events", lambda e: e.get("eventType") == "Microsoft.Communication.IncomingCall")
    data = incoming["data"]
    assert data["from"]["rawId"] == f"4:{CALLER}"
    assert data["to"]["rawId"].startswith("28:orgid:"), data["to"]
    headers = {k.lower(): v for k, v in service.event_headers[-1].items()}
    assert headers["aeg-event-type"] == "Notification"
    assert headers["aeg-delivery-count"] == "0"
    assert "authorization" not in headers

    answered = client.answer_call(data["incomingCallContext"], f"{service.url}/callbacks", operation_context="answer-ctx")
    connection = client.get_call_connection(answered.call_connection_id)
    connected = service.callback("CallConnected")
    assert connected["data"]["callConnectionId"] == answered.call_connection_id
    assert connected["data"]["operationContext"] == "answer-ctx"
    assert connected["data"]["serverCallId"] == data["serverCallId"]

    props = connection.get_call_properties()
    assert props.call_connection_state == "connected"
    assert props.server_call_id == data["serverCallId"]
    participants = list(connection.list_participants())
    assert any(p.identifier.raw_id == f"4:{CALLER}" for p in participants), participants
    one = connection.get_participant(PhoneNumberIdentifier(CALLER))
    assert one.identifier.raw_id == f"4:{CALLER}"

    # Play a WAV the service serves (dev mode fetches loopback http).
    connection.play_media(FileSource(url=f"{service.url}/prompt.wav"), play_to=[PhoneNumberIdentifier(CALLER)], operation_context="hello")
    service.callback("PlayStarted")
    done = service.callback("PlayCompleted")
    assert done["data"]["operationContext"] == "hello"
    assert done["data"]["resultInformation"]["code"] == 200

    # Text and SSML, spoken by the offline engine, then reported like a file.
    spoken = [
        TextSource(text="Thank you for calling Contoso.", voice_name="en-US-JennyNeural", source_locale="en-US"),
        SsmlSource(ssml_text='<speak version="1.0" xml:lang="en-US"><voice name="en-US-GuyNeural">'
                   'Your code is <say-as interpret-as="digits">42</say-as>.</voice></speak>'),
    ]
    connection.play_media_to_all(spoken, operation_context="spoken")
    done = service.wait("callbacks", lambda e: e.get("type") == "Microsoft.Communication.PlayCompleted"
                        and e["data"].get("operationContext") == "spoken", timeout=20)
    assert done["data"]["resultInformation"]["code"] == 200

    # Recognize two keys the caller presses.
    connection.start_recognizing_media(
        RecognizeInputType.DTMF, PhoneNumberIdentifier(CALLER),
        dtmf_max_tones_to_collect=2, initial_silence_timeout=10, operation_context="menu",
    )
    admin.call("POST", f"/calls/{conversation}/legs/{caller_leg}/press", {"digits": "42"}, expect=(202,))
    recognized = service.callback("RecognizeCompleted")
    assert recognized["data"]["recognitionType"] == "dtmf"
    assert recognized["data"]["dtmfResult"]["tones"] == ["four", "two"]
    assert (recognized["data"]["resultInformation"]["code"], recognized["data"]["resultInformation"]["subCode"]) == (200, 8531)

    # Continuous DTMF.
    connection.start_continuous_dtmf_recognition(PhoneNumberIdentifier(CALLER))
    admin.call("POST", f"/calls/{conversation}/legs/{caller_leg}/press", {"digits": "#"}, expect=(202,))
    tone = service.callback("ContinuousDtmfRecognitionToneReceived")
    assert tone["data"]["tone"] == DtmfTone.POUND.value
    connection.stop_continuous_dtmf_recognition(PhoneNumberIdentifier(CALLER))
    service.callback("ContinuousDtmfRecognitionStopped")

    # Add a Teams user (the agent), then transfer the caller to a PSTN number.
    agent = dev["users"][0]["id"]
    added = connection.add_participant(MicrosoftTeamsUserIdentifier(agent), operation_context="agent")
    assert added.invitation_id
    ok = service.callback("AddParticipantSucceeded")
    assert ok["data"]["participant"]["rawId"] == f"8:orgid:{agent}"
    roster = service.wait("callbacks", lambda e: e.get("type") == "Microsoft.Communication.ParticipantsUpdated" and any(p["identifier"]["rawId"] == f"8:orgid:{agent}" for p in e["data"]["participants"]))
    assert all(p["identifier"]["rawId"] != f"4:{CCAAS_NUMBER}" for p in roster["data"]["participants"]), "not the service itself"
    assert roster["data"]["sequenceNumber"] >= 1
    connection.remove_participant(MicrosoftTeamsUserIdentifier(agent), operation_context="agent-out")
    service.callback("RemoveParticipantSucceeded")

    connection.transfer_call_to_participant(PhoneNumberIdentifier("+14255550177"), operation_context="xfer")
    accepted = service.callback("CallTransferAccepted", timeout=15)
    assert accepted["data"]["operationContext"] == "xfer"
    service.callback("CallDisconnected", timeout=15)

    # Every callback carried a JWT for the ACS resource.
    assert service.tokens
    for header in service.tokens:
        assert header.startswith("Bearer ")
        verify_token(dev, header[7:], dev["acs"]["resourceId"])

    # The connection is gone now.
    with pytest.raises(ResourceNotFoundError):
        connection.get_call_properties()


def test_sdk_errors(dev, admin, service):
    client = _client(dev)
    with pytest.raises(ResourceNotFoundError) as missing:
        client.get_call_connection("00000000-0000-0000-0000-000000000042").get_call_properties()
    assert "8522" in str(missing.value)
    with pytest.raises(HttpResponseError) as bad:
        client.answer_call("not-a-context", f"{service.url}/callbacks")
    assert bad.value.status_code == 400


def test_samples_read_choices_by_tone_and_tone_contexts(dev, admin, service):
    client = _client(dev)
    caller = "+14255550193"
    dialled = admin.call("POST", f"/phones/{caller.replace('+', '%2B')}/calls", {"to": CCAAS_NUMBER, "hangupAfter": "60s"})
    conversation, caller_leg = dialled["callId"], dialled["legId"]
    incoming = service.wait("events", lambda e: e.get("eventType") == "Microsoft.Communication.IncomingCall")
    context = incoming["data"]["incomingCallContext"]

    # Transcription in a locale that is not installed is refused, and the call still rings.
    transcription = TranscriptionOptions(transport_url="wss://127.0.0.1:1/t", transport_type="websocket", locale="fr-FR", start_transcription=True)
    with pytest.raises(HttpResponseError) as refused:
        client.answer_call(context, f"{service.url}/callbacks", transcription=transcription)
    assert refused.value.status_code == 405
    assert "8520" in str(refused.value)

    answered = client.answer_call(context, f"{service.url}/callbacks", cognitive_services_endpoint="https://ai.example.test/")
    connection = client.get_call_connection(answered.call_connection_id)
    service.callback("CallConnected")

    # The outbound-calling sample's menu: a spoken prompt, 1 = Confirm, 2 = Cancel, picked by a key.
    choices = [
        RecognitionChoice(label="Confirm", phrases=["Confirm", "First", "One"], tone=DtmfTone.ONE),
        RecognitionChoice(label="Cancel", phrases=["Cancel", "Second", "Two"], tone=DtmfTone.TWO),
    ]
    connection.start_recognizing_media(
        RecognizeInputType.CHOICES, PhoneNumberIdentifier(caller),
        choices=choices, interrupt_prompt=True, initial_silence_timeout=10, operation_context="AppointmentReminderMenu",
        play_prompt=TextSource(text="Press 1 to confirm or 2 to cancel.", voice_name="en-US-NancyNeural"),
    )
    admin.call("POST", f"/calls/{conversation}/legs/{caller_leg}/press", {"digits": "1"}, expect=(202,))
    recognized = service.callback("RecognizeCompleted")
    assert recognized["data"]["recognitionType"] == "choices"
    assert recognized["data"]["choiceResult"]["label"] == "Confirm"
    assert recognized["data"]["choiceResult"]["recognizedPhrase"] is None
    assert recognized["data"]["operationContext"] == "AppointmentReminderMenu"

    # The continuous-DTMF sample logs each tone's operationContext.
    connection.start_continuous_dtmf_recognition(PhoneNumberIdentifier(caller), operation_context="ContinuousDtmfRecognitionStart")
    admin.call("POST", f"/calls/{conversation}/legs/{caller_leg}/press", {"digits": "3"}, expect=(202,))
    tone = service.callback("ContinuousDtmfRecognitionToneReceived")
    assert tone["data"]["tone"] == DtmfTone.THREE.value
    assert isinstance(tone["data"]["sequenceId"], int)
    assert tone["data"]["operationContext"] == "ContinuousDtmfRecognitionStart"
    connection.hang_up(is_for_everyone=True)
    service.callback("CallDisconnected")


def test_a_spoken_menu_choice_routes_the_caller(dev, admin, service):
    """The speech menu of issue 17: a TextSource prompt, "billing" or "support" said by a simulated
    caller (synthesised offline), recognized offline, and the caller transferred accordingly."""
    client = _client(dev)
    caller, billing, support = "+14255550174", "+14255550175", "+14255550176"
    for desk in (billing, support):
        admin.call("PUT", f"/phones/{desk.replace('+', '%2B')}/behaviour", {"answerAfter": "200ms"})
    admin.call("POST", f"/phones/{caller.replace('+', '%2B')}/calls",
               {"to": CCAAS_NUMBER, "say": [{"at": "4s", "text": "support"}], "hangupAfter": "60s"})
    incoming = service.wait("events", lambda e: e.get("eventType") == "Microsoft.Communication.IncomingCall"
                            and e["data"]["from"]["rawId"] == f"4:{caller}")
    answered = client.answer_call(incoming["data"]["incomingCallContext"], f"{service.url}/callbacks")
    connection = client.get_call_connection(answered.call_connection_id)
    service.callback("CallConnected")

    connection.start_recognizing_media(
        RecognizeInputType.CHOICES, PhoneNumberIdentifier(caller),
        choices=[RecognitionChoice(label="Billing", phrases=["billing"]),
                 RecognitionChoice(label="Support", phrases=["support"])],
        play_prompt=TextSource(text="Say billing or support.", voice_name="en-US-JennyNeural"),
        initial_silence_timeout=10, operation_context="menu",
    )
    done = service.wait("callbacks", lambda e: e.get("type") in (
        "Microsoft.Communication.RecognizeCompleted", "Microsoft.Communication.RecognizeFailed"), timeout=30)
    assert done["type"] == "Microsoft.Communication.RecognizeCompleted", done
    choice = done["data"]["choiceResult"]
    assert choice["label"] == "Support", choice
    assert done["data"]["resultInformation"]["subCode"] == 8545

    desk = support if choice["label"] == "Support" else billing
    connection.transfer_call_to_participant(PhoneNumberIdentifier(desk), operation_context="route")
    accepted = service.callback("CallTransferAccepted", timeout=15)
    assert accepted["data"]["transferTarget"]["rawId"] == f"4:{desk}"
    service.callback("CallDisconnected", timeout=15)


def test_live_transcription_reaches_the_apps_websocket(dev, admin, service):
    """Transcription (issue 17): a simulated caller's sentence, transcribed offline, arrives on the
    app's WebSocket as TranscriptionMetadata then a Final TranscriptionData. azure-communication-
    callautomation 1.6.0 has no streaming parser, so the frames are read as the JSON the SDKs'
    parsers (Python's StreamingDataParser in its previews, JS StreamingData.parse) take."""
    from websockets.sync.server import serve

    frames: list[dict] = []
    paths: list[str] = []

    def handler(socket) -> None:
        paths.append(socket.request.path)
        for message in socket:
            frames.append(json.loads(message))

    server = serve(handler, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/transcripts"
    try:
        client = _client(dev)
        caller = "+14255550173"
        admin.call("POST", f"/phones/{caller.replace('+', '%2B')}/calls",
                   {"to": CCAAS_NUMBER, "say": [{"at": "3s", "text": "I need support"}], "hangupAfter": "60s"})
        incoming = service.wait("events", lambda e: e.get("eventType") == "Microsoft.Communication.IncomingCall"
                                and e["data"]["from"]["rawId"] == f"4:{caller}")
        options = TranscriptionOptions(transport_url=url, transport_type="websocket", locale="en-US", start_transcription=True)
        answered = client.answer_call(incoming["data"]["incomingCallContext"], f"{service.url}/callbacks", transcription=options)
        connection = client.get_call_connection(answered.call_connection_id)
        started = service.callback("TranscriptionStarted")
        assert started["data"]["transcriptionUpdate"]["transcriptionStatus"] == "transcriptionStarted"

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            f.get("kind") == "TranscriptionData" and f["transcriptionData"]["resultStatus"] == "Final" for f in frames
        ):
            time.sleep(0.1)
        assert paths == ["/transcripts"]
        assert frames[0]["kind"] == "TranscriptionMetadata", frames[:2]
        meta = frames[0]["transcriptionMetadata"]
        assert meta["callConnectionId"] == answered.call_connection_id and meta["locale"] == "en-US"
        final = next(f["transcriptionData"] for f in frames
                     if f.get("kind") == "TranscriptionData" and f["transcriptionData"]["resultStatus"] == "Final")
        assert "need" in final["text"], final
        assert final["format"] == "display" and final["participantRawID"] == f"4:{caller}", final
        assert final["offset"] > 0 and final["duration"] > 0, final
        assert any(w["text"] == "need" and w["duration"] > 0 for w in final["words"]), final

        assert connection.get_call_properties().transcription_subscription.state == "active"
        connection.stop_transcription(operation_context="done")
        stopped = service.wait("callbacks", lambda e: e.get("type") == "Microsoft.Communication.TranscriptionStopped"
                               and e["data"]["operationContext"] == "done")
        assert stopped["data"]["transcriptionUpdate"]["transcriptionStatusDetails"] == "subscriptionStopped"
        connection.hang_up(is_for_everyone=True)
    finally:
        server.shutdown()
