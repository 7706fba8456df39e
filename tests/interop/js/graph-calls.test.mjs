// @microsoft/microsoft-graph-client 3.0.7 driving the Graph calls API: a P2P call to a dev user,
// playPrompt (a WAV the test serves over loopback http), participants, and hang-up, with a loopback
// webhook that verifies every notification's JWT against Ringside's JWKS.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { GRAPH_SCOPE, loadDev, verifyToken } from "./ringside.mjs";

const dev = loadDev();
const notifications = [];
const tokens = [];
let server;
let hook;

function beep() {
  const rate = 16_000;
  const samples = rate / 2;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write("RIFF", 0); buf.writeUInt32LE(36 + samples * 2, 4); buf.write("WAVE", 8);
  buf.write("fmt ", 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write("data", 36); buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * 1000 * i) / rate)), 44 + i * 2);
  return buf;
}

before(async () => {
  const wav = beep();
  server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/beep.wav") {
      res.writeHead(200, { "content-type": "audio/wav", "content-length": wav.length });
      res.end(wav);
      return;
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      tokens.push(req.headers.authorization ?? "");
      try { notifications.push(...(JSON.parse(Buffer.concat(chunks).toString("utf8")).value ?? [])); } catch { /* ignore */ }
      res.writeHead(202, { "content-length": 0 });
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  hook = `http://127.0.0.1:${server.address().port}`;
});

after(() => server?.close());

async function waitFor(predicate, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = notifications.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no matching notification in ${JSON.stringify(notifications).slice(0, 2000)}`);
}

function graphClient() {
  const cred = new ClientSecretCredential(dev.tenantId, dev.app.clientId, dev.app.clientSecret, {
    authorityHost: dev.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: dev.ca },
  });
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(cred, { scopes: [GRAPH_SCOPE] }),
    baseUrl: `${dev.url}/`,
    defaultVersion: "v1.0",
    customHosts: new Set(["127.0.0.1"]),
  });
}

test("Graph JS client: call a user, play a prompt, list participants, hang up", async () => {
  const client = graphClient();
  const user = dev.users[dev.users.length - 1].id;
  const call = await client.api("/communications/calls").post({
    "@odata.type": "#microsoft.graph.call",
    callbackUri: `${hook}/js`,
    targets: [{ "@odata.type": "#microsoft.graph.invitationParticipantInfo", identity: { user: { id: user } } }],
    requestedModalities: ["audio"],
    mediaConfig: { "@odata.type": "#microsoft.graph.serviceHostedMediaConfig" },
  });
  assert.equal(call.state, "establishing");
  assert.ok(call.id);
  await waitFor((n) => n.resourceData?.id === call.id && n.resourceData?.state === "established");

  const op = await client.api(`/communications/calls/${call.id}/playPrompt`).post({
    clientContext: "js-play",
    prompts: [{ "@odata.type": "#microsoft.graph.mediaPrompt", mediaInfo: { uri: `${hook}/beep.wav`, resourceId: "js-beep" } }],
  });
  assert.equal(op["@odata.type"], "#microsoft.graph.playPromptOperation");
  assert.equal(op.clientContext, "js-play");
  const done = await waitFor((n) => n.changeType === "deleted" && n.resourceUrl?.endsWith(`/operations/${op.id}`));
  assert.equal(done.resourceData.status, "completed");

  const participants = await client.api(`/communications/calls/${call.id}/participants`).get();
  assert.equal(participants.value.length, 2);
  assert.ok(participants.value.some((p) => p.info?.identity?.user?.id === user));

  await client.api(`/communications/calls/${call.id}`).delete();
  await waitFor((n) => n.changeType === "deleted" && n.resourceUrl === `/communications/calls/${call.id}`);

  await assert.rejects(client.api(`/communications/calls/${call.id}/keepAlive`).post({}), (error) => {
    assert.equal(error.statusCode, 404);
    return true;
  });

  assert.ok(tokens.length >= 3);
  for (const header of tokens) {
    assert.match(header, /^Bearer /);
    await verifyToken(dev, header.slice(7), { audience: dev.app.clientId });
  }
});
