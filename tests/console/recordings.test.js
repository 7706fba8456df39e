// The recordings page in headless Chromium: a small Graph bot (an HTTP server in this process,
// set as the dev app's calling webhook) answers the softphone's call to the dev resource account
// and records 3 s of it with recordResponse (the fake microphone's beeps); the recording appears on
// the already open recordings page without a reload, its waveform (computed by the server) is
// drawn and not flat, the <audio> element loads, plays and seeks over the Range route, and the
// waveform seeks from the keyboard. Screenshots at laptop and phone widths.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { dev, shots, WAIT, launchBrowser, platform, newPage } from './support.js';

let browser;
let bot;

before(async () => {
  browser = await launchBrowser();
  bot = await graphBot();
});

after(async () => {
  await browser?.close();
  bot?.server.close();
});

/** The dev app's token for Graph (client credentials). */
async function graphToken() {
  const response = await fetch(`${dev.url}/${dev.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: dev.app.clientId,
      client_secret: dev.app.clientSecret, scope: 'https://graph.microsoft.com/.default',
    }),
  });
  assert.ok(response.ok, `token: ${response.status}`);
  return (await response.json()).access_token;
}

/**
 * A Graph bot on 127.0.0.1: answers every incoming call with service-hosted media and, once the
 * call is established, records 3 s with recordResponse. `recorded` resolves with the completed
 * operation's notification.
 */
async function graphBot() {
  const token = await graphToken();
  const started = new Set();
  let done;
  const recorded = new Promise((resolve) => { done = resolve; });
  const act = async (call, action, body) => {
    const response = await fetch(`${dev.graphBaseUrl}/communications/calls/${call}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) console.log(`bot: ${action} answered ${response.status} ${await response.text()}`);
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      response.writeHead(202).end();
      for (const notification of JSON.parse(body || '{"value":[]}').value ?? []) {
        const data = notification.resourceData ?? {};
        if (notification.changeType === 'created' && data.state === 'incoming') {
          act(data.id, 'answer', {
            callbackUri: url, acceptedModalities: ['audio'],
            mediaConfig: { '@odata.type': '#microsoft.graph.serviceHostedMediaConfig' },
          });
        } else if (data.state === 'established' && !started.has(data.id)) {
          started.add(data.id);
          act(data.id, 'recordResponse', {
            clientContext: 'console-test', bargeInAllowed: true, playBeep: false,
            initialSilenceTimeoutInSeconds: 5, maxSilenceTimeoutInSeconds: 10, maxRecordDurationInSeconds: 3,
          });
        } else if (data['@odata.type'] === '#microsoft.graph.recordOperation' && data.status === 'completed') {
          done({ operation: data });
        }
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/calling`;
  return { server, url, recorded };
}

test('a recordResponse recording appears live with its waveform and plays', async () => {
  const app = `/applications/${dev.app.clientId}`;
  const before = (await platform('GET', app)).bot?.callingWebhookUrl ?? null;
  const shelf = await newPage(browser);
  await shelf.page.goto(dev.console);
  await shelf.page.goto(`${dev.url}/console/recordings`);
  await shelf.page.waitForSelector('#stream[data-state="live"]', WAIT);
  const existing = await shelf.page.locator('li.recording').count();

  const phone = await newPage(browser);
  await platform('PATCH', app, { bot: { callingWebhookUrl: bot.url } });
  try {
    await phone.page.goto(dev.console);
    await phone.page.waitForSelector('#stream[data-state="live"]', WAIT);
    await phone.page.fill('#phone-from', '+14255550144');
    await phone.page.fill('#phone-to', dev.resourceAccounts[0].phoneNumber);
    await phone.page.click('#phone-call');
    await phone.page.waitForFunction(() => window.__phone.state === 'connected', null, WAIT);
    const completed = await Promise.race([
      bot.recorded,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no recordResponse completion in 20 s')), 20_000)),
    ]);
    assert.ok(completed.operation.recordingLocation, JSON.stringify(completed.operation));
    await phone.page.click('#phone-hangup');
    await phone.page.waitForFunction(() => window.__phone.state === 'ended', null, WAIT);
  } finally {
    await platform('PATCH', app, { bot: { callingWebhookUrl: before } });
  }

  // On the open page, without a reload.
  const page = shelf.page;
  await page.waitForSelector(`li.recording >> nth=${existing}`, WAIT);
  const id = await page.locator('li.recording[data-kind="recordResponse"]').first().getAttribute('data-recording');
  const item = `li.recording[data-recording="${id}"]`;
  assert.match(await page.locator(item).innerText(), /graph · recordResponse/i);
  await page.waitForFunction((key) => window.__recordings[key], id, WAIT);
  const drawn = await page.evaluate((key) => window.__recordings[key], id);
  assert.equal(drawn.error, undefined, JSON.stringify(drawn));
  assert.ok(drawn.nonFlat, 'the waveform has peaks');
  // The fake microphone beeps every second: columns of the beeps are drawn tall, the rest flat.
  assert.ok(drawn.tallColumns >= drawn.columns / 50, `${drawn.tallColumns} of ${drawn.columns} columns drawn taller than 3 px`);

  const audio = await page.locator(`${item} audio`).evaluate(async (element) => {
    if (element.readyState < 1) {
      await new Promise((resolve, reject) => {
        element.addEventListener('loadedmetadata', resolve, { once: true });
        element.addEventListener('error', () => reject(new Error(`audio error ${element.error?.code}`)), { once: true });
      });
    }
    await element.play();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const played = element.currentTime;
    const seeked = new Promise((resolve) => element.addEventListener('seeked', resolve, { once: true }));
    element.currentTime = element.duration / 2;
    await seeked;
    element.pause();
    return { duration: element.duration, played, at: element.currentTime, seekable: element.seekable.length };
  });
  assert.ok(audio.duration > 2 && audio.duration < 4, `duration ${audio.duration} s`);
  assert.ok(audio.seekable > 0 && Math.abs(audio.at - audio.duration / 2) < 0.5, JSON.stringify(audio));
  console.log(`console: recording ${id}: ${JSON.stringify(drawn)}, audio ${JSON.stringify(audio)}`);

  // Keyboard: the waveform is focusable and seeks.
  await page.focus(`${item} canvas`);
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  const now = Number(await page.locator(`${item} canvas`).getAttribute('aria-valuenow'));
  assert.ok(now > 0 && now < 100, `aria-valuenow ${now}`);

  await page.screenshot({ path: join(shots, 'recordings.png'), fullPage: true });
  const narrow = await newPage(browser, { width: 390, height: 844 });
  await narrow.page.goto(dev.console);
  await narrow.page.goto(`${dev.url}/console/recordings`);
  await narrow.page.waitForFunction((key) => window.__recordings?.[key]?.columns > 0, id, WAIT);
  await narrow.page.screenshot({ path: join(shots, 'recordings-phone.png'), fullPage: true });
  const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 1, `no sideways scrolling at phone width (${overflow} px)`);

  for (const { errors } of [shelf, phone, narrow]) {
    assert.deepEqual(errors, [], 'no errors in the page (CSP violations included)');
  }
  await Promise.all([shelf.context.close(), phone.context.close(), narrow.context.close()]);
});

test('the recordings API needs the sign-in', async () => {
  const response = await fetch(`${dev.url}/console/api/recordings`);
  assert.equal(response.status, 401);
});
