// @azure/communication-call-automation 1.6.0 (unchanged: dev.json's connection string, the local CA through
// NODE_EXTRA_CA_CERTS as run.sh sets it) against Ringside's ACS door, Teams Phone extensibility style: an
// Event Grid subscription with its validation handshake (events parsed by @azure/eventgrid 5.12.0), a
// simulated PSTN caller dialling the resource account bound to the dev ACS resource, IncomingCall,
// answerCall, every callback parsed with parseCallAutomationEvent and its JWT verified against the JWKS
// (audience: the ACS resource id), every call-connection and call-media operation the SDK has, media
// streaming to the test's own WebSocket server (frames parsed with the SDK's StreamingData), createCall,
// connectCall, rejectCall, redirectCall, an Entra TokenCredential client (@azure/identity) instead of
// HMAC, the errors the SDK raises, a transfer with a transferee in a three-party call, and recording (by
// serverCallLocator and by callConnectionId; pause/resume/getState/stop, RecordingFileStatusUpdated,
// downloads of content and metadata, delete; `*.asm.skype.com` resolved to 127.0.0.1 inside this process
// as the README's hosts line would). Everything listens on 127.0.0.1.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import dns from "node:dns";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import {
  CallAutomationClient,
  DtmfTone,
  StreamingData,
  createOutboundAudioData,
  parseCallAutomationEvent,
} from "@azure/communication-call-automation";
import { EventGridDeserializer, isSystemEvent } from "@azure/eventgrid";
import { ClientSecretCredential } from "@azure/identity";
import { WebSocketServer } from "ws";
import { admin, httpsRequest, loadDev, toneWav, verifyToken } from "./ringside.mjs";

const dev = loadDev();
const CCAAS_NUMBER = "+14255550200";
const INCOMING_CALL = "Microsoft.Communication.IncomingCall";
const RECORDING_FILE = "Microsoft.Communication.RecordingFileStatusUpdated";
const VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent";
// Numbers only this file dials or calls (external numbers: simulated phones).
const CALLER = "+14255550181";
const TRANSFER_TO = "+14255550182";
const RINGS_FOREVER = "+14255550183";
const CALLEE = "+14255550184";
const REJECTED_CALLER = "+14255550185";
const REDIRECTED_CALLER = "+14255550186";
const REDIRECT_TO = "+14255550187";
const ERROR_CALLER = "+14255550188";
const RECORDED = "+14255550189";
const TRANSFEREE = "+14255550180";
const TRANSFER_TARGET = "+14255550179";

const deserializer = new EventGridDeserializer();
const grid = []; // { headers, events: [EventGridEvent] } per delivery
const callbacks = []; // { authorization, raw, event } per CloudEvent
const parseErrors = [];
const sockets = []; // { headers, url, frames: [{ kind, data }], socket }
let http;
let wss;
let base;
let wsUrl;
let subscription;
const wav = toneWav(800, 0.4);

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function handle(req, res) {
  if (req.method === "GET" && req.url === "/prompt.wav") {
    res.writeHead(200, { "content-type": "audio/wav", "content-length": wav.length });
    res.end(wav);
    return;
  }
  const text = await readBody(req);
  let reply = "";
  if (req.url.startsWith("/events")) {
    const events = await deserializer.deserializeEventGridEvents(text);
    grid.push({ headers: req.headers, events });
    const validation = events.find((e) => isSystemEvent(VALIDATION, e));
    if (validation && !req.url.includes("refuse")) reply = JSON.stringify({ validationResponse: validation.data.validationCode });
  } else if (req.url.startsWith("/callbacks")) {
    const body = JSON.parse(text);
    assert.ok(Array.isArray(body), "a callback POST carries a JSON array");
    for (const raw of body) {
      try {
        callbacks.push({ authorization: req.headers.authorization ?? "", raw, event: parseCallAutomationEvent(raw) });
      } catch (error) {
        parseErrors.push(`${raw?.type}: ${error}`);
      }
    }
  }
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(reply) });
  res.end(reply);
}

before(async () => {
  http = createServer((req, res) => {
    handle(req, res).catch((error) => {
      parseErrors.push(`${req.url}: ${error}`);
      res.writeHead(500).end();
    });
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${http.address().port}`;

  wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.on("listening", resolve));
  wsUrl = `ws://127.0.0.1:${wss.address().port}/media`;
  wss.on("connection", (socket, req) => {
    const entry = { headers: req.headers, url: req.url, frames: [], socket };
    sockets.push(entry);
    socket.on("message", (data) => {
      const parsed = StreamingData.parse(data);
      entry.frames.push({ kind: StreamingData.getStreamingKind(), data: parsed });
    });
  });

  // Event Grid subscription through the platform API: creating it runs the validation handshake.
  subscription = `jsinterop${Date.now() % 1_000_000_000}`;
  await admin(dev, "POST", `/acsResources/${dev.acs.resourceId}/eventSubscriptions`, {
    name: subscription,
    endpoint: `${base}/events`,
    includedEventTypes: [INCOMING_CALL, RECORDING_FILE],
  }, [200, 201]);
});

after(async () => {
  if (subscription) {
    await admin(dev, "DELETE", `/acsResources/${dev.acs.resourceId}/eventSubscriptions/${subscription}`, undefined, [200, 204, 404]);
  }
  for (const s of sockets) s.socket.terminate();
  wss?.close();
  http?.close();
});

async function waitFor(find, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await find();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}; callbacks so far: ${JSON.stringify(callbacks.map((c) => c.raw.type)).slice(0, 3000)}`);
}

/** The parsed callback of `kind` for connection `id` that satisfies `also`. */
function callback(id, kind, also = () => true, timeoutMs = 15_000) {
  return waitFor(
    () => callbacks.find((c) => c.event.kind === kind && c.event.callConnectionId === id && also(c.event))?.event,
    `${kind} on ${id}`,
    timeoutMs,
  );
}

function incomingCall(caller) {
  return waitFor(() => {
    for (const delivery of grid) {
      const event = delivery.events.find((e) => isSystemEvent(INCOMING_CALL, e) && e.data.from?.rawId === `4:${caller}`);
      if (event) return { event, headers: delivery.headers };
    }
    return undefined;
  }, `IncomingCall from ${caller}`);
}

async function dial(from, to = CCAAS_NUMBER) {
  return admin(dev, "POST", `/phones/${encodeURIComponent(from)}/calls`, { to, hangupAfter: "60s" }, [201]);
}

async function behaviour(number, body) {
  await admin(dev, "PUT", `/phones/${encodeURIComponent(number)}/behaviour`, body, [200]);
}

async function press(call, digits) {
  await admin(dev, "POST", `/calls/${call.callId}/legs/${call.legId}/press`, { digits }, [202]);
}

function client() {
  return new CallAutomationClient(dev.acs.connectionString);
}

function phone(number) {
  return { phoneNumber: number };
}

function fileSource() {
  return { kind: "fileSource", url: `${base}/prompt.wav` };
}

/** Asserts the SDK-side shape of a RestError. */
function restError(status, code) {
  return (error) => {
    assert.equal(error.name, "RestError", String(error));
    assert.equal(error.statusCode, status, String(error));
    if (code) assert.equal(error.code, code, String(error));
    return true;
  };
}

test("Event Grid: the subscription was validated with the handshake, and a webhook that does not answer it is refused", async () => {
  const handshake = grid.find((d) => d.events.some((e) => isSystemEvent(VALIDATION, e)));
  assert.ok(handshake, "no SubscriptionValidationEvent reached the webhook");
  assert.equal(handshake.headers["aeg-event-type"], "SubscriptionValidation");
  const event = handshake.events[0];
  assert.match(event.data.validationCode, /\S/);
  assert.equal(event.eventType, VALIDATION);
  assert.ok(event.topic.includes("/providers/Microsoft.Communication/communicationServices/"), event.topic);
  const listed = await admin(dev, "GET", `/acsResources/${dev.acs.resourceId}/eventSubscriptions`);
  assert.ok(JSON.stringify(listed).includes(subscription), JSON.stringify(listed));

  await admin(dev, "POST", `/acsResources/${dev.acs.resourceId}/eventSubscriptions`, {
    name: `${subscription}x`,
    endpoint: `${base}/events/refuse`,
    includedEventTypes: [INCOMING_CALL],
  }, [400]);
});

test("a PSTN caller reaches the CCaaS number: answer, media, DTMF, hold, streaming, participants, transfer", async () => {
  await behaviour(TRANSFER_TO, { answerAfter: "200ms" });
  await behaviour(RINGS_FOREVER, { answer: "noAnswer" });
  const automation = client();
  const caller = await dial(CALLER);

  // IncomingCall, Event Grid schema, as @azure/eventgrid reads it (its deserializer maps the envelope
  // only: `data` keeps the wire names `to`/`from`, not the typings' toCommunicationIdentifier).
  const { event: incoming, headers } = await incomingCall(CALLER);
  assert.equal(headers["aeg-event-type"], "Notification");
  assert.equal(headers["aeg-delivery-count"], "0");
  assert.equal(headers.authorization, undefined);
  const data = incoming.data;
  assert.equal(data.from.phoneNumber.value, CALLER);
  assert.equal(data.from.kind, "phoneNumber");
  assert.match(data.to.rawId, /^28:orgid:/);
  assert.ok(data.serverCallId && data.incomingCallContext && data.correlationId, JSON.stringify(data));

  // answerCall, with media streaming configured but not started.
  const answered = await automation.answerCall(data.incomingCallContext, `${base}/callbacks`, {
    operationContext: "answer-ctx",
    mediaStreamingOptions: {
      transportType: "websocket",
      transportUrl: wsUrl,
      contentType: "audio",
      audioChannelType: "mixed",
      audioFormat: "pcm16KMono",
      startMediaStreaming: false,
      enableDtmfTones: true,
      enableBidirectional: true,
    },
  });
  const props0 = answered.callConnectionProperties;
  const id = props0.callConnectionId;
  assert.ok(id);
  assert.equal(props0.serverCallId, data.serverCallId);
  // The SDK's typings say callbackUrl, but it spreads the wire model, whose property is callbackUri.
  assert.equal(props0.callbackUri, `${base}/callbacks`);
  assert.equal(props0.source?.phoneNumber, CALLER, JSON.stringify(props0.source));
  assert.equal(props0.answeredFor?.phoneNumber, CCAAS_NUMBER, JSON.stringify(props0));
  const connection = answered.callConnection;
  const media = connection.getCallMedia();

  const connected = await callback(id, "CallConnected");
  assert.equal(connected.operationContext, "answer-ctx");
  assert.equal(connected.serverCallId, data.serverCallId);
  assert.equal(connected.correlationId, data.correlationId);
  assert.equal(connected.resultInformation.code, 200);

  const props = await connection.getCallConnectionProperties();
  assert.equal(props.callConnectionId, id);
  assert.equal(props.callConnectionState, "connected");
  assert.equal(props.mediaStreamingSubscription?.state, "inactive", JSON.stringify(props));

  const list = await connection.listParticipants();
  assert.deepEqual(list.values.map((p) => p.identifier.phoneNumber), [CALLER], JSON.stringify(list));
  const one = await connection.getParticipant(phone(CALLER));
  assert.equal(one.identifier.phoneNumber, CALLER);
  assert.equal(one.identifier.rawId, `4:${CALLER}`);
  assert.equal(one.isMuted, false);
  assert.equal(one.isOnHold, false);

  // Play a WAV the service serves: to everyone, then to the caller.
  await media.playToAll([fileSource()], { operationContext: "play-all" });
  await callback(id, "PlayStarted", (e) => e.operationContext === "play-all");
  const playedAll = await callback(id, "PlayCompleted", (e) => e.operationContext === "play-all");
  assert.equal(playedAll.resultInformation.code, 200);
  await media.play([fileSource()], [phone(CALLER)], { operationContext: "play-one" });
  const playedOne = await callback(id, "PlayCompleted", (e) => e.operationContext === "play-one");
  assert.equal(playedOne.resultInformation.code, 200);

  // A looped prompt, cancelled; text and SSML spoken by the offline engine; transcription in a
  // locale that is not installed is refused.
  await media.playToAll([fileSource()], { loop: true, operationContext: "loop" });
  await callback(id, "PlayStarted", (e) => e.operationContext === "loop");
  await media.cancelAllOperations();
  const canceled = await callback(id, "PlayCanceled", (e) => e.operationContext === "loop");
  assert.equal(canceled.resultInformation?.code, 400, JSON.stringify(canceled));
  assert.equal(canceled.resultInformation?.subCode, 8508, JSON.stringify(canceled));
  await media.playToAll(
    [
      { kind: "textSource", text: "Hello from Ringside.", voiceName: "en-US-JennyNeural" },
      { kind: "ssmlSource", ssmlText: '<speak version="1.0" xml:lang="en-US"><voice name="en-US-GuyNeural">Goodbye.</voice></speak>' },
    ],
    { operationContext: "spoken" },
  );
  await callback(id, "PlayStarted", (e) => e.operationContext === "spoken");
  const spoken = await callback(id, "PlayCompleted", (e) => e.operationContext === "spoken");
  assert.equal(spoken.resultInformation.code, 200);
  await assert.rejects(media.startTranscription({ locale: "fr-FR" }), restError(405, "8520"));

  // Recognize two keys the caller presses.
  await media.startRecognizing(phone(CALLER), {
    kind: "callMediaRecognizeDtmfOptions",
    maxTonesToCollect: 2,
    initialSilenceTimeoutInSeconds: 10,
    interToneTimeoutInSeconds: 5,
    stopDtmfTones: [DtmfTone.Pound],
    operationContext: "menu",
  });
  await press(caller, "42");
  const recognized = await callback(id, "RecognizeCompleted", (e) => e.operationContext === "menu");
  assert.equal(recognized.recognitionType, "dtmf");
  assert.deepEqual(recognized.dtmfResult.tones, ["four", "two"]);
  assert.equal(recognized.resultInformation.code, 200);
  assert.equal(recognized.resultInformation.subCode, 8531);

  // Continuous DTMF.
  await media.startContinuousDtmfRecognition(phone(CALLER), { operationContext: "continuous" });
  await press(caller, "#");
  const tone = await callback(id, "ContinuousDtmfRecognitionToneReceived");
  assert.equal(tone.tone, DtmfTone.Pound);
  assert.equal(typeof tone.sequenceId, "number");
  await media.stopContinuousDtmfRecognition(phone(CALLER), { operationContext: "continuous-stop" });
  await callback(id, "ContinuousDtmfRecognitionStopped");

  // Send DTMF to the caller.
  const sent = await media.sendDtmfTones([DtmfTone.One, DtmfTone.Two, DtmfTone.Three], phone(CALLER), { operationContext: "send" });
  assert.equal(sent.operationContext, "send");
  const sentDone = await callback(id, "SendDtmfTonesCompleted", (e) => e.operationContext === "send");
  assert.equal(sentDone.resultInformation.code, 200);
  await waitFor(async () => {
    const log = await admin(dev, "GET", `/calls/${caller.callId}/legs/${caller.legId}/log`);
    return log.entries.filter((e) => e.type === "toneDetected").map((e) => e.tone).join("").includes("123");
  }, "the caller's phone detecting the tones 1 2 3");

  // Hold (with music) and unhold.
  await media.hold(phone(CALLER), { playSource: fileSource(), operationContext: "hold" });
  await waitFor(async () => (await connection.getParticipant(phone(CALLER))).isOnHold === true, "isOnHold after hold");
  await media.unhold(phone(CALLER), { operationContext: "unhold" });
  await waitFor(async () => (await connection.getParticipant(phone(CALLER))).isOnHold === false, "isOnHold false after unhold");

  // Media streaming to the test's WebSocket server.
  await media.startMediaStreaming({ operationContext: "stream" });
  const started = await callback(id, "MediaStreamingStarted");
  assert.equal(started.mediaStreamingUpdate?.mediaStreamingStatus, "mediaStreamingStarted", JSON.stringify(started));
  const stream = await waitFor(
    () => sockets.find((s) => s.headers["x-ms-call-connection-id"] === id && s.frames.some((f) => f.kind === "AudioData")),
    "audio on the media WebSocket",
  );
  assert.match(stream.headers.authorization ?? "", /^Bearer /);
  await verifyToken(dev, stream.headers.authorization.slice(7), { audience: dev.acs.resourceId });
  assert.ok(stream.headers["x-ms-call-correlation-id"], JSON.stringify(stream.headers));
  assert.equal(stream.frames[0].kind, "AudioMetadata");
  assert.equal(stream.frames[0].data.sampleRate, 16000);
  assert.equal(stream.frames[0].data.channels, 1);
  assert.equal(stream.frames[0].data.encoding, "PCM");
  const audio = stream.frames.find((f) => f.kind === "AudioData").data;
  assert.equal(Buffer.from(audio.data, "base64").length, 640);
  assert.ok(typeof audio.isSilent === "boolean");
  stream.socket.send(createOutboundAudioData(Buffer.alloc(640).toString("base64")));
  await press(caller, "7");
  const dtmf = await waitFor(() => stream.frames.find((f) => f.kind === "DtmfData"), "DtmfData on the media WebSocket");
  assert.equal(dtmf.data.data, "7");
  assert.equal((await connection.getCallConnectionProperties()).mediaStreamingSubscription?.state, "active");
  await media.stopMediaStreaming({ operationContext: "stream-stop" });
  await callback(id, "MediaStreamingStopped");

  // Add a Teams user (the agent).
  const agent = dev.users[0].id;
  const added = await connection.addParticipant({ targetParticipant: { microsoftTeamsUserId: agent } }, { operationContext: "agent", invitationTimeoutInSeconds: 30 });
  assert.ok(added.invitationId);
  assert.equal(added.operationContext, "agent");
  const addedOk = await callback(id, "AddParticipantSucceeded", (e) => e.operationContext === "agent");
  assert.equal(addedOk.participant.microsoftTeamsUserId, agent, JSON.stringify(addedOk.participant));
  const roster = await callback(id, "ParticipantsUpdated", (e) => e.participants?.some((p) => p.identifier.microsoftTeamsUserId === agent));
  assert.equal(typeof roster.sequenceNumber, "number");
  assert.ok(roster.participants.some((p) => p.identifier.phoneNumber === CALLER), JSON.stringify(roster.participants));

  // An ACS user, muted.
  const acsUser = `8:acs:${dev.acs.resourceId}_${randomUUID()}`;
  await connection.addParticipant({ targetParticipant: { communicationUserId: acsUser } }, { operationContext: "acs-user" });
  const acsOk = await callback(id, "AddParticipantSucceeded", (e) => e.operationContext === "acs-user");
  assert.equal(acsOk.participant.communicationUserId, acsUser, JSON.stringify(acsOk.participant));
  const muted = await connection.muteParticipant({ communicationUserId: acsUser }, { operationContext: "mute" });
  assert.equal(muted.operationContext, "mute");
  assert.equal((await connection.getParticipant({ communicationUserId: acsUser })).isMuted, true);

  // A PSTN number that never answers, then cancelled.
  const ringing = await connection.addParticipant(
    { targetParticipant: phone(RINGS_FOREVER), sourceCallIdNumber: phone(CCAAS_NUMBER) },
    { operationContext: "ring" },
  );
  assert.ok(ringing.invitationId);
  assert.equal(ringing.participant?.identifier?.phoneNumber, RINGS_FOREVER, JSON.stringify(ringing));
  const cancelled = await connection.cancelAddParticipantOperation(ringing.invitationId, { operationContext: "cancel" });
  assert.equal(cancelled.invitationId, ringing.invitationId);
  const cancelOk = await callback(id, "CancelAddParticipantSucceeded", (e) => e.operationContext === "cancel");
  assert.equal(cancelOk.invitationId, ringing.invitationId);

  // Remove the agent and the ACS user.
  const removed = await connection.removeParticipant({ microsoftTeamsUserId: agent }, { operationContext: "agent-out" });
  assert.equal(removed.operationContext, "agent-out");
  const removedOk = await callback(id, "RemoveParticipantSucceeded", (e) => e.operationContext === "agent-out");
  assert.equal(removedOk.participant.microsoftTeamsUserId, agent);
  await connection.removeParticipant({ communicationUserId: acsUser }, { operationContext: "acs-out" });
  await callback(id, "RemoveParticipantSucceeded", (e) => e.operationContext === "acs-out");

  // Transfer the caller to a PSTN number: the service's leg ends.
  const transfer = await connection.transferCallToParticipant(phone(TRANSFER_TO), { operationContext: "xfer" });
  assert.equal(transfer.operationContext, "xfer");
  const accepted = await callback(id, "CallTransferAccepted", (e) => e.operationContext === "xfer");
  assert.equal(accepted.transferTarget?.rawId, `4:${TRANSFER_TO}`, JSON.stringify(accepted));
  await callback(id, "CallDisconnected");
  await assert.rejects(connection.getCallConnectionProperties(), restError(404, "8522"));
  await assert.rejects(media.playToAll([fileSource()]), restError(404));

  const mine = callbacks.filter((c) => c.event.callConnectionId === id);
  assert.ok(mine.length >= 20, `only ${mine.length} callbacks`);
  for (const c of mine) {
    assert.equal(c.raw.source, `calling/callConnections/${id}`);
    assert.equal(c.raw.specversion, "1.0");
    assert.match(c.authorization, /^Bearer /);
    await verifyToken(dev, c.authorization.slice(7), { audience: dev.acs.resourceId });
  }
  assert.deepEqual(parseErrors, []);
});

test("createCall to a PSTN number (source caller id, streaming from the start), connectCall, an ACS user and a Teams user; hangUp(false) and hangUp(true)", async () => {
  // The callee presses 9 two seconds after answering (its behaviour), while the stream runs.
  await behaviour(CALLEE, { answerAfter: "200ms", press: [{ at: "2s", digits: "9" }] });
  const automation = client();

  const pstn = await automation.createCall(
    { targetParticipant: phone(CALLEE), sourceCallIdNumber: phone(CCAAS_NUMBER), sourceDisplayName: "Contoso" },
    `${base}/callbacks`,
    {
      operationContext: "out-pstn",
      mediaStreamingOptions: {
        transportType: "websocket",
        transportUrl: `${wsUrl}?call=out-pstn`,
        contentType: "audio",
        audioChannelType: "unmixed",
        audioFormat: "pcm24KMono",
        startMediaStreaming: true,
        enableDtmfTones: true,
      },
    },
  );
  const pstnId = pstn.callConnectionProperties.callConnectionId;
  assert.ok(["connecting", "unknown"].includes(pstn.callConnectionProperties.callConnectionState), pstn.callConnectionProperties.callConnectionState);
  assert.deepEqual(pstn.callConnectionProperties.targetParticipants.map((t) => t.phoneNumber), [CALLEE]);
  assert.equal(pstn.callConnectionProperties.sourceCallerIdNumber?.phoneNumber, CCAAS_NUMBER);
  const pstnUp = await callback(pstnId, "CallConnected");
  assert.equal(pstnUp.operationContext, "out-pstn");
  await callback(pstnId, "MediaStreamingStarted");
  const pstnProps = await pstn.callConnection.getCallConnectionProperties();
  assert.equal(pstnProps.callConnectionState, "connected");
  assert.equal(pstnProps.mediaStreamingSubscription?.state, "active");
  const stream = await waitFor(() => sockets.find((s) => s.url === "/media?call=out-pstn" && s.frames.some((f) => f.kind === "DtmfData")), "the callee's key on the stream");
  assert.equal(stream.headers["x-ms-call-connection-id"], pstnId);
  assert.equal(stream.frames[0].kind, "AudioMetadata");
  assert.equal(stream.frames[0].data.sampleRate, 24000);
  const frame = stream.frames.find((f) => f.kind === "AudioData" && f.data.participant).data;
  assert.equal(Buffer.from(frame.data, "base64").length, 960);
  assert.equal(frame.participant.phoneNumber, CALLEE, JSON.stringify(frame.participant));
  assert.equal(stream.frames.find((f) => f.kind === "DtmfData").data.data, "9");

  // A second connection joins the same call by its serverCallId, then leaves it.
  const joined = await automation.connectCall({ kind: "serverCallLocator", id: pstnProps.serverCallId }, `${base}/callbacks`, { operationContext: "join" });
  const joinedId = joined.callConnectionProperties.callConnectionId;
  assert.notEqual(joinedId, pstnId);
  const joinedUp = await callback(joinedId, "CallConnected");
  assert.equal(joinedUp.operationContext, "join");
  assert.equal(joinedUp.serverCallId, pstnProps.serverCallId);
  const seen = await joined.callConnection.listParticipants();
  assert.ok(seen.values.some((p) => p.identifier.phoneNumber === CALLEE), JSON.stringify(seen));
  await joined.callConnection.hangUp(false);
  await callback(joinedId, "CallDisconnected");
  assert.equal((await pstn.callConnection.getCallConnectionProperties()).callConnectionState, "connected");

  await pstn.callConnection.hangUp(false);
  await callback(pstnId, "CallDisconnected");
  await callback(pstnId, "MediaStreamingStopped");
  await assert.rejects(pstn.callConnection.getCallConnectionProperties(), restError(404, "8522"));

  const acsUser = `8:acs:${dev.acs.resourceId}_${randomUUID()}`;
  const acs = await automation.createCall({ targetParticipant: { communicationUserId: acsUser } }, `${base}/callbacks`);
  const acsId = acs.callConnectionProperties.callConnectionId;
  assert.equal(acs.callConnectionProperties.targetParticipants[0].communicationUserId, acsUser);
  await callback(acsId, "CallConnected");
  const listed = await acs.callConnection.listParticipants();
  assert.ok(listed.values.some((p) => p.identifier.communicationUserId === acsUser), JSON.stringify(listed));
  await acs.callConnection.hangUp(true);
  await callback(acsId, "CallDisconnected");

  const teamsUser = dev.users[dev.users.length - 1].id;
  const teams = await automation.createCall({ targetParticipant: { microsoftTeamsUserId: teamsUser } }, `${base}/callbacks`, { operationContext: "out-teams" });
  const teamsId = teams.callConnectionProperties.callConnectionId;
  await callback(teamsId, "CallConnected");
  const who = await teams.callConnection.getParticipant({ microsoftTeamsUserId: teamsUser });
  assert.equal(who.identifier.microsoftTeamsUserId, teamsUser);
  await teams.callConnection.hangUp(true);
  await callback(teamsId, "CallDisconnected");
  await assert.rejects(teams.callConnection.hangUp(true), restError(404));
  assert.deepEqual(parseErrors, []);
});

async function callState(callId, predicate, what) {
  const deadline = Date.now() + 15_000;
  let view;
  while (Date.now() < deadline) {
    view = await admin(dev, "GET", `/calls/${callId}`);
    if (predicate(view)) return view;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: ${JSON.stringify(view)}`);
}

test("rejectCall and redirectCall on other incoming calls", async () => {
  await behaviour(REDIRECT_TO, { answerAfter: "200ms" });
  const automation = client();

  const rejected = await dial(REJECTED_CALLER);
  const { event: first } = await incomingCall(REJECTED_CALLER);
  await automation.rejectCall(first.data.incomingCallContext, { callRejectReason: "busy" });
  await callState(rejected.callId, (v) => v.state === "ended", "the rejected call did not end");
  await assert.rejects(automation.answerCall(first.data.incomingCallContext, `${base}/callbacks`), (error) => {
    assert.equal(error.name, "RestError");
    assert.ok(error.statusCode >= 400 && error.statusCode < 500, String(error));
    return true;
  });

  const redirected = await dial(REDIRECTED_CALLER);
  const { event: second } = await incomingCall(REDIRECTED_CALLER);
  await automation.redirectCall(second.data.incomingCallContext, { targetParticipant: phone(REDIRECT_TO) });
  const view = await callState(
    redirected.callId,
    (v) => v.legs.some((l) => l.party?.number === REDIRECT_TO && l.state === "established")
      && v.legs.some((l) => l.party?.number === CCAAS_NUMBER && l.endReason === "redirected"),
    "the redirected caller is not connected to the new target",
  );
  assert.ok(view);
  await admin(dev, "POST", `/calls/${redirected.callId}/legs/${redirected.legId}/hangup`, {}, [202]);
});

test("SDK errors: unknown connection (404 8522), wrong access key (401), bad incomingCallContext (400)", async () => {
  const automation = client();
  await assert.rejects(
    automation.getCallConnection("00000000-0000-0000-0000-000000000042").getCallConnectionProperties(),
    restError(404, "8522"),
  );
  await assert.rejects(
    automation.getCallConnection("00000000-0000-0000-0000-000000000042").getCallMedia().playToAll([fileSource()]),
    restError(404),
  );
  const wrongKey = Buffer.from("not the key of this resource at all").toString("base64");
  const forged = new CallAutomationClient(dev.acs.connectionString.replace(/accesskey=.*$/i, `accesskey=${wrongKey}`));
  await assert.rejects(
    forged.getCallConnection("00000000-0000-0000-0000-000000000042").getCallConnectionProperties(),
    restError(401),
  );
  await assert.rejects(automation.answerCall("not-a-context", `${base}/callbacks`), restError(400));

  // A real incoming call answered with a callback the server will not call.
  await dial(ERROR_CALLER);
  const { event } = await incomingCall(ERROR_CALLER);
  await assert.rejects(automation.answerCall(event.data.incomingCallContext, "ftp://127.0.0.1/callbacks"), restError(400));
  await automation.rejectCall(event.data.incomingCallContext);
  // Raw check that the SDK-visible error envelope is ACS's.
  const raw = await httpsRequest(dev, "GET", `${dev.url}/calling/callConnections/x?api-version=2026-03-12`);
  assert.equal(raw.status, 401);
  assert.ok(raw.body.error?.code, JSON.stringify(raw.body));
});

test("Entra bearer instead of HMAC: a TokenCredential client creates a call and hangs up", async () => {
  const credential = new ClientSecretCredential(dev.tenantId, dev.app.clientId, dev.app.clientSecret, {
    authorityHost: dev.authorityHost,
    disableInstanceDiscovery: true,
  });
  const automation = new CallAutomationClient(dev.acs.endpoint, credential);
  await assert.rejects(
    automation.getCallConnection("00000000-0000-0000-0000-000000000043").getCallConnectionProperties(),
    restError(404, "8522"),
  );
  const acsUser = `8:acs:${dev.acs.resourceId}_${randomUUID()}`;
  const created = await automation.createCall({ targetParticipant: { communicationUserId: acsUser } }, `${base}/callbacks`, { operationContext: "bearer" });
  const id = created.callConnectionProperties.callConnectionId;
  const connected = await callback(id, "CallConnected");
  assert.equal(connected.operationContext, "bearer");
  const c = callbacks.find((x) => x.event.callConnectionId === id);
  await verifyToken(dev, c.authorization.slice(7), { audience: dev.acs.resourceId });
  await created.callConnection.hangUp(true);
  await callback(id, "CallDisconnected");
});

/** What `127.0.0.1 ringside.asm.skype.com` in /etc/hosts does (README), for this process only: the SDK
 * downloads recordings only from `*.asm.skype.com` hosts. */
function storageResolvesHere() {
  const original = dns.lookup;
  dns.lookup = function lookup(hostname, options, callback) {
    if (typeof options === "function") [callback, options] = [options, {}];
    if (/\.asm\.skype\.com$/i.test(hostname)) {
      if (options?.all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
      return process.nextTick(callback, null, "127.0.0.1", 4);
    }
    return original.call(dns, hostname, options, callback);
  };
  return () => { dns.lookup = original; };
}

async function download(recording, url, options) {
  const stream = await recording.downloadStreaming(url, options);
  const chunks = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** RMS of a mono 16-bit WAV's samples. */
function rms(wav) {
  const data = wav.subarray(44);
  let sum = 0;
  for (let i = 0; i + 1 < data.length; i += 2) sum += data.readInt16LE(i) ** 2;
  return Math.sqrt(sum / Math.max(1, data.length / 2));
}

test("recording: by serverCallLocator (mixed, paused on start, resume/pause/stop) and by callConnectionId (unmixed); RecordingFileStatusUpdated; downloads (streaming, ranged, to a stream, to a path); delete", async () => {
  await behaviour(RECORDED, { answerAfter: "200ms", tone: [{ at: "0ms", duration: "30s" }] });
  const automation = client();
  const recording = automation.getCallRecording();
  const created = await automation.createCall({ targetParticipant: phone(RECORDED), sourceCallIdNumber: phone(CCAAS_NUMBER) }, `${base}/callbacks`);
  const id = created.callConnectionProperties.callConnectionId;
  await callback(id, "CallConnected");
  const { serverCallId } = await created.callConnection.getCallConnectionProperties();

  const started = await recording.start({
    callLocator: { kind: "serverCallLocator", id: serverCallId },
    recordingStateCallbackEndpointUrl: `${base}/callbacks`,
    recordingContent: "audio",
    recordingChannel: "mixed",
    recordingFormat: "wav",
    pauseOnStart: true,
  });
  const recordingId = started.recordingId;
  assert.ok(recordingId);
  assert.equal(started.recordingKind, "azureCommunicationServices");
  assert.equal(started.recordingState, "inactive", "pauseOnStart");
  assert.equal((await recording.getState(recordingId)).recordingState, "inactive");
  const stateChanged = (state, after = 0) => waitFor(
    () => callbacks.slice(after).find((c) => c.event.kind === "RecordingStateChanged" && c.event.recordingId === recordingId && c.event.state === state)?.event,
    `RecordingStateChanged ${state}`,
  );

  let mark = callbacks.length;
  await recording.resume(recordingId);
  const active = await stateChanged("active", mark);
  assert.ok(active.startDateTime, JSON.stringify(active));
  assert.equal((await recording.getState(recordingId)).recordingState, "active");
  await new Promise((r) => setTimeout(r, 1200));
  mark = callbacks.length;
  await recording.pause(recordingId);
  await stateChanged("inactive", mark);
  mark = callbacks.length;
  await recording.resume(recordingId);
  await stateChanged("active", mark);
  await new Promise((r) => setTimeout(r, 600));
  mark = callbacks.length;
  await recording.stop(recordingId);
  await stateChanged("inactive", mark);
  await assert.rejects(recording.pause(recordingId), (error) => error.name === "RestError" && error.statusCode >= 400);

  const ready = await waitFor(() => {
    for (const delivery of grid) {
      const event = delivery.events.find((e) => e.eventType === RECORDING_FILE && e.subject.endsWith(`/recordingId/${recordingId}`));
      if (event) return event;
    }
    return undefined;
  }, "RecordingFileStatusUpdated", 20_000);
  assert.equal(ready.data.recordingChannelType, "Mixed");
  const chunk = ready.data.recordingStorageInfo.recordingChunks[0];
  assert.match(chunk.contentLocation, /^https:\/\/[^/]+\.asm\.skype\.com:\d+\//);

  const restore = storageResolvesHere();
  try {
    const metadata = JSON.parse((await download(recording, chunk.metadataLocation)).toString("utf8"));
    assert.equal(metadata.recordingInfo.channelType, "mixed", JSON.stringify(metadata));
    // Paused from the start until the first resume, then once more.
    assert.equal(metadata.pauseResumeIntervals?.length, 2, JSON.stringify(metadata));
    assert.ok(metadata.participants.some((p) => p.participantId === `4:${RECORDED}`), JSON.stringify(metadata));
    const audio = await download(recording, chunk.contentLocation);
    assert.equal(audio.subarray(0, 4).toString("latin1"), "RIFF");
    assert.equal(audio.readUInt16LE(22), 1, "mixed: one channel");
    assert.equal(audio.readUInt32LE(24), 16_000);
    const seconds = (audio.length - 44) / 32_000;
    assert.ok(seconds > 1.2 && seconds < 4, `${seconds} s recorded (paused time left out)`);
    assert.ok(rms(audio) > 500, `the callee's tone is in the recording (rms ${rms(audio)})`);
    const part = await download(recording, chunk.contentLocation, { offset: 4, length: 40 });
    assert.deepEqual(part, audio.subarray(4, 44));
    await recording.delete(chunk.deleteLocation);
    // The SDK's downloader throws a plain object built from top-level `status`/`message` of the JSON
    // error body (not a RestError), so the ACS error envelope leaves it empty; it does reject.
    await assert.rejects(download(recording, chunk.contentLocation), (error) => {
      assert.equal(error instanceof Error, false, String(error));
      return true;
    });
  } finally {
    restore();
  }

  // A second recording of the same call, by callConnectionId (Teams Phone extensibility), unmixed.
  const second = await recording.start({
    callConnectionId: id,
    recordingStateCallbackEndpointUrl: `${base}/callbacks`,
    recordingContent: "audio",
    recordingChannel: "unmixed",
    recordingFormat: "wav",
  });
  assert.notEqual(second.recordingId, recordingId);
  assert.equal(second.recordingState, "active");
  assert.equal((await recording.getState(second.recordingId)).recordingState, "active");
  await new Promise((r) => setTimeout(r, 1000));
  await recording.stop(second.recordingId);
  const secondReady = await waitFor(() => {
    for (const delivery of grid) {
      const event = delivery.events.find((e) => e.eventType === RECORDING_FILE && e.subject.endsWith(`/recordingId/${second.recordingId}`));
      if (event) return event;
    }
    return undefined;
  }, "RecordingFileStatusUpdated of the second recording", 20_000);
  assert.equal(secondReady.data.recordingChannelType, "Unmixed");
  const secondChunk = secondReady.data.recordingStorageInfo.recordingChunks[0];
  const restoreAgain = storageResolvesHere();
  const dir = mkdtempSync(join(tmpdir(), "ringside-js-recording-"));
  try {
    // downloadToStream for the metadata, downloadToPath for the audio.
    const sink = new PassThrough();
    const parts = [];
    sink.on("data", (c) => parts.push(c));
    await recording.downloadToStream(secondChunk.metadataLocation, sink);
    const metadata = JSON.parse(Buffer.concat(parts).toString("utf8"));
    assert.equal(metadata.recordingInfo.channelType, "unmixed", JSON.stringify(metadata));
    const callee = metadata.participants.find((p) => p.participantId === `4:${RECORDED}`);
    assert.ok(callee && Number.isInteger(callee.channel), JSON.stringify(metadata));
    const file = join(dir, "second.wav");
    await recording.downloadToPath(secondChunk.contentLocation, file);
    const audio = readFileSync(file);
    assert.equal(audio.subarray(0, 4).toString("latin1"), "RIFF");
    assert.equal(audio.readUInt16LE(22), metadata.recordingInfo.audioConfiguration.channels);
    assert.ok(audio.readUInt16LE(22) > callee.channel, JSON.stringify(metadata));
    await recording.delete(secondChunk.deleteLocation);
  } finally {
    restoreAgain();
    rmSync(dir, { recursive: true, force: true });
  }
  await created.callConnection.hangUp(true);
  await callback(id, "CallDisconnected");
  assert.deepEqual(parseErrors, []);
});

test("in a three-party call, transferCallToParticipant with a transferee moves only that caller and the service stays", async () => {
  await behaviour(TRANSFER_TARGET, { answerAfter: "200ms" });
  const automation = client();
  const dialled = await dial(TRANSFEREE);
  const { event } = await incomingCall(TRANSFEREE);
  const answered = await automation.answerCall(event.data.incomingCallContext, `${base}/callbacks`);
  const id = answered.callConnectionProperties.callConnectionId;
  const connection = answered.callConnection;
  await callback(id, "CallConnected");
  const agent = dev.users[1].id;
  await connection.addParticipant({ targetParticipant: { microsoftTeamsUserId: agent } }, { operationContext: "agent3" });
  await callback(id, "AddParticipantSucceeded", (e) => e.operationContext === "agent3");

  await connection.transferCallToParticipant(phone(TRANSFER_TARGET), { transferee: phone(TRANSFEREE), operationContext: "xfer3" });
  const accepted = await callback(id, "CallTransferAccepted", (e) => e.operationContext === "xfer3");
  assert.equal(accepted.transferee?.rawId, `4:${TRANSFEREE}`, JSON.stringify(accepted));
  assert.equal(accepted.transferTarget?.rawId, `4:${TRANSFER_TARGET}`, JSON.stringify(accepted));
  // ACS: "Transferring a participant in a group call removes the endpoint being transferred from
  // the call"; the service keeps its connection with the agent.
  await callback(id, "ParticipantsUpdated", (e) =>
    e.participants?.length === 1 && e.participants[0].identifier.microsoftTeamsUserId === agent);
  const properties = await connection.getCallConnectionProperties();
  assert.equal(properties.callConnectionState, "connected");
  const participants = await connection.listParticipants();
  assert.deepEqual(participants.values.map((p) => p.identifier.microsoftTeamsUserId), [agent], JSON.stringify(participants));
  const { value: calls } = await admin(dev, "GET", "/calls");
  const pair = calls.find((c) => c.legs.some((l) => l.party?.number === TRANSFEREE && l.state === "established"));
  assert.ok(pair, "the transferee is in no call");
  assert.ok(
    pair.legs.some((l) => l.party?.number === TRANSFER_TARGET && l.state === "established"),
    `the transferee is not talking to the transfer target: ${JSON.stringify(pair)}`,
  );
  assert.notEqual(pair.id, dialled.callId, "the transferee is still in the service's call");
  const moved = pair.legs.find((l) => l.party?.number === TRANSFEREE);
  await admin(dev, "POST", `/calls/${pair.id}/legs/${moved.id}/hangup`, {}, [202]);
  await connection.hangUp(true);
  assert.deepEqual(parseErrors, []);
});

test("a spoken menu: a text prompt, 'billing' said by the caller is recognized offline, and the call is routed", async () => {
  const caller = "+14255550177";
  const billing = "+14255550178";
  await behaviour(billing, { answerAfter: "200ms" });
  const automation = client();
  await admin(dev, "POST", `/phones/${encodeURIComponent(caller)}/calls`,
    { to: CCAAS_NUMBER, say: [{ at: "4s", text: "billing" }], hangupAfter: "60s" }, [201]);
  const { event } = await incomingCall(caller);
  const answered = await automation.answerCall(event.data.incomingCallContext, `${base}/callbacks`);
  const id = answered.callConnectionProperties.callConnectionId;
  await callback(id, "CallConnected");
  const media = answered.callConnection.getCallMedia();
  await media.startRecognizing(phone(caller), {
    kind: "callMediaRecognizeChoiceOptions",
    choices: [{ label: "Billing", phrases: ["billing"] }, { label: "Support", phrases: ["support"] }],
    playPrompt: { kind: "textSource", text: "Say billing or support.", voiceName: "en-US-JennyNeural" },
    initialSilenceTimeoutInSeconds: 10,
    operationContext: "menu",
  });
  const done = await waitFor(
    () => callbacks.find((c) => c.event.callConnectionId === id
      && (c.event.kind === "RecognizeCompleted" || c.event.kind === "RecognizeFailed"))?.event,
    "the menu's recognize result",
    30_000,
  );
  assert.equal(done.kind, "RecognizeCompleted", JSON.stringify(done));
  assert.equal(done.recognitionType, "choices");
  assert.equal(done.choiceResult?.label, "Billing", JSON.stringify(done.choiceResult));
  await answered.callConnection.transferCallToParticipant(phone(billing), { operationContext: "route" });
  const accepted = await callback(id, "CallTransferAccepted", (e) => e.operationContext === "route");
  assert.equal(accepted.transferTarget?.rawId, `4:${billing}`);
  await callback(id, "CallDisconnected");
  assert.deepEqual(parseErrors, []);
});

test("live transcription: the caller's sentence reaches the app's WebSocket, parsed by StreamingData.parse", async () => {
  const caller = "+14255550179";
  const automation = client();
  await admin(dev, "POST", `/phones/${encodeURIComponent(caller)}/calls`,
    { to: CCAAS_NUMBER, say: [{ at: "3s", text: "I need support" }], hangupAfter: "60s" }, [201]);
  const { event } = await incomingCall(caller);
  const transportUrl = wsUrl.replace("/media", "/transcripts");
  const answered = await automation.answerCall(event.data.incomingCallContext, `${base}/callbacks`, {
    transcriptionOptions: { transportUrl, transportType: "websocket", locale: "en-US", startTranscription: true },
  });
  const id = answered.callConnectionProperties.callConnectionId;
  await callback(id, "CallConnected");
  const started = await callback(id, "TranscriptionStarted");
  assert.equal(started.transcriptionUpdate?.transcriptionStatus, "transcriptionStarted", JSON.stringify(started));
  const socket = await waitFor(
    () => sockets.find((s) => s.url === "/transcripts" && s.headers["x-ms-call-connection-id"] === id
      && s.frames.some((f) => f.kind === "TranscriptionData" && f.data.resultState === "Final")),
    "a final phrase on the transcription WebSocket",
    30_000,
  );
  assert.equal(socket.frames[0].kind, "TranscriptionMetadata");
  assert.equal(socket.frames[0].data.callConnectionId, id);
  assert.equal(socket.frames[0].data.locale, "en-US");
  const phrase = socket.frames.find((f) => f.kind === "TranscriptionData" && f.data.resultState === "Final").data;
  assert.match(phrase.text, /need/, JSON.stringify(phrase));
  assert.equal(phrase.format, "display");
  assert.equal(phrase.participant.kind, "phoneNumber");
  assert.equal(phrase.participant.phoneNumber, caller);
  assert.ok(phrase.offsetInTicks > 0 && phrase.durationInTicks > 0, JSON.stringify(phrase));
  assert.ok(phrase.words.some((w) => w.text === "need" && w.durationInTicks > 0), JSON.stringify(phrase.words));
  const media = answered.callConnection.getCallMedia();
  await media.updateTranscription("en-US");
  await callback(id, "TranscriptionUpdated");
  await media.stopTranscription({ operationContext: "done" });
  const stopped = await callback(id, "TranscriptionStopped", (e) => e.operationContext === "done");
  assert.equal(stopped.transcriptionUpdate?.transcriptionStatusDetails, "subscriptionStopped");
  assert.equal((await answered.callConnection.getCallConnectionProperties()).transcriptionSubscription?.state, "inactive");
  await answered.callConnection.hangUp(true);
  assert.deepEqual(parseErrors, []);
});
