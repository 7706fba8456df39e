// An ACS service transfers a call to the user signed in on the softphone (issue 16): the page picks
// a directory user as "you"; the test plays the Call Automation service — an Event Grid
// subscription on the dev ACS resource (through the platform API, with the validation handshake)
// brings the IncomingCall of a simulated PSTN caller dialling the ACS-bound resource account to a
// webhook in the test, which answers and transfers the caller to the user (`transferToParticipant`
// with a `microsoftTeamsUser` target) over the Call Automation REST API, every request signed with
// HMAC-SHA256 as the ACS SDKs sign them (tests/console has no SDK; the signature is the one
// crates/testkit/src/server/acs.rs makes). The page rings with the caller's number, is answered
// from the page, its call connects, and the service's callback receives CallTransferAccepted naming
// the user. A screenshot of the ringing page and of the answered call go to $RINGSIDE_CONSOLE_SHOTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { dev, shots, WAIT, launchBrowser, platform, newPage, until } from './support.js';

const CCAAS_NUMBER = '+14255550200';
const CALLER = '+14255550144';
const API_VERSION = '2026-03-12';
const INCOMING_CALL = 'Microsoft.Communication.IncomingCall';
const VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';

const grid = []; // Event Grid events received
const callbacks = []; // Call Automation CloudEvents received
let browser;
let hook;
let base;
let subscription;

/** The webhook: Event Grid deliveries (answering the validation handshake) and callbacks. */
async function handle(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]');
  let reply = '';
  if (req.url.startsWith('/events')) {
    for (const event of body) grid.push(event);
    const validation = body.find((event) => event.eventType === VALIDATION);
    if (validation) reply = JSON.stringify({ validationResponse: validation.data.validationCode });
  } else if (req.url.startsWith('/callbacks')) {
    for (const event of body) callbacks.push(event);
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
  res.end(reply);
}

before(async () => {
  browser = await launchBrowser();
  hook = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${hook.address().port}`;
  subscription = `console${Date.now() % 1_000_000_000}`;
  await platform('POST', `/acsResources/${dev.acs.resourceId}/eventSubscriptions`, {
    name: subscription, endpoint: `${base}/events`, includedEventTypes: [INCOMING_CALL],
  });
});

after(async () => {
  if (subscription) {
    await fetch(`${dev.url}/ringside/v1/acsResources/${dev.acs.resourceId}/eventSubscriptions/${subscription}`, {
      method: 'DELETE', headers: { authorization: `Bearer ${dev.adminToken}` },
    });
  }
  hook?.close();
  await browser?.close();
});

/** A Call Automation request signed as the ACS SDKs sign it (HMAC-SHA256 over method, path and
 * query, x-ms-date, host and the body's SHA-256). */
async function automation(method, path, body) {
  const endpoint = new URL(dev.acs.endpoint);
  const pathAndQuery = `${path}?api-version=${API_VERSION}`;
  const bytes = body === undefined ? '' : JSON.stringify(body);
  const date = new Date().toUTCString();
  const hash = createHash('sha256').update(bytes).digest('base64');
  const toSign = `${method}\n${pathAndQuery}\n${date};${endpoint.host};${hash}`;
  const signature = createHmac('sha256', Buffer.from(dev.acs.accessKey, 'base64')).update(toSign).digest('base64');
  const response = await fetch(`${endpoint.origin}${pathAndQuery}`, {
    method,
    headers: {
      'x-ms-date': date,
      'x-ms-content-sha256': hash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
      'content-type': 'application/json',
      'repeatability-request-id': randomUUID(),
      'repeatability-first-sent': date,
    },
    body: bytes || undefined,
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The first callback of `kind` (short name) on connection `id` that satisfies `also`. */
async function callback(id, kind, also = () => true) {
  let found;
  await until(`${kind} on ${id} (so far: ${callbacks.map((e) => e.type).join(', ')})`, async () => {
    found = callbacks.find((event) => event.type === `Microsoft.Communication.${kind}`
      && event.data?.callConnectionId === id && also(event.data));
    return Boolean(found);
  });
  return found.data;
}

test('an ACS service transfers a call to the softphone\'s user: the page rings, answers, and the service hears CallTransferAccepted', async () => {
  const user = dev.users[0];
  const { context, page, errors } = await newPage(browser);
  await page.goto(dev.console);
  await page.waitForSelector('#stream[data-state="live"]', WAIT);
  await page.waitForSelector(`#phone-you option[value="${user.id}"]`, { ...WAIT, state: 'attached' });
  await page.selectOption('#phone-you', user.id);
  await page.waitForFunction(() => window.__phone.you !== null, null, WAIT);

  let dialled;
  try {
    // The PSTN caller dials the number bound to the ACS resource; Event Grid brings IncomingCall.
    dialled = await platform('POST', `/phones/${encodeURIComponent(CALLER)}/calls`,
      { to: CCAAS_NUMBER, hangupAfter: '60s' });
    let incoming;
    await until('IncomingCall from the caller', async () => {
      incoming = grid.find((event) => event.eventType === INCOMING_CALL && event.data?.from?.rawId === `4:${CALLER}`);
      return Boolean(incoming);
    });
    const answered = await automation('POST', '/calling/callConnections:answer', {
      incomingCallContext: incoming.data.incomingCallContext, callbackUri: `${base}/callbacks`,
    });
    const id = answered.callConnectionId;
    await callback(id, 'CallConnected');

    // Transfer the caller to the user (a Teams user by its object id, as the SDK sends one).
    const target = { rawId: `8:orgid:${user.id}`, kind: 'microsoftTeamsUser',
      microsoftTeamsUser: { userId: user.id, isAnonymous: false, cloud: 'public' } };
    await automation('POST', `/calling/callConnections/${id}:transferToParticipant`,
      { targetParticipant: target, operationContext: 'to-softphone' });

    await page.waitForSelector('#phone-incoming:not([hidden])', WAIT);
    assert.match(await page.locator('#phone-incoming-from').innerText(), /\+?14255550144/);
    await page.screenshot({ path: join(shots, 'softphone-transfer-ringing.png'), fullPage: true });
    await page.click('#phone-answer');
    await page.waitForFunction(() => window.__phone.state === 'connected', null, WAIT);
    const phone = await page.evaluate(() => ({ callId: window.__phone.callId, error: window.__phone.error }));
    assert.equal(phone.error, null);

    const accepted = await callback(id, 'CallTransferAccepted', (data) => data.operationContext === 'to-softphone');
    assert.equal(accepted.transferTarget?.rawId?.toLowerCase(), `8:orgid:${user.id}`.toLowerCase(), JSON.stringify(accepted));
    assert.equal(accepted.transferee?.rawId, `4:${CALLER}`, JSON.stringify(accepted));

    // The caller and the page's user are talking, in the call the page shows.
    await until('the caller and the user connected', async () => {
      const call = await platform('GET', `/calls/${phone.callId}`);
      const established = call.legs.filter((leg) => leg.state === 'established');
      return established.some((leg) => leg.party?.number === CALLER) && established.length >= 2;
    });
    await page.screenshot({ path: join(shots, 'softphone-transfer-answered.png'), fullPage: true });

    await page.click('#phone-hangup');
    await page.waitForFunction(() => window.__phone.state === 'ended', null, WAIT);
  } finally {
    if (dialled) await fetch(`${dev.url}/ringside/v1/calls/${dialled.callId}/legs/${dialled.legId}/hangup`, {
      method: 'POST', headers: { authorization: `Bearer ${dev.adminToken}` },
    });
    await page.selectOption('#phone-you', '');
  }
  assert.deepEqual(errors, [], 'no errors in the page (CSP violations included)');
  await context.close();
});
