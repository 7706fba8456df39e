// What the console's browser tests share: the server's dev.json, the screenshot directory, the
// platform API with the bearer admin token, Chromium (fake microphone, audio that may play without
// a gesture), fresh pages that record their errors, a bounded poll, and the `ringside` CLI.
// Needs RINGSIDE_DEV_JSON (the server's dev.json) and NODE_EXTRA_CA_CERTS (its CA) from run.sh.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const dev = JSON.parse(readFileSync(process.env.RINGSIDE_DEV_JSON, 'utf8'));
export const shots = process.env.RINGSIDE_CONSOLE_SHOTS ?? '.';
export const WAIT = { timeout: 15_000 };

/** Chromium with a fake microphone (a beep), no permission prompt, autoplay allowed. */
export async function launchBrowser() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.RINGSIDE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required'],
  });
}

/** A platform API request with the bearer admin token. */
export async function platform(method, path, body) {
  const response = await fetch(`${dev.url}/ringside/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${dev.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A fresh page that records console errors (a CSP violation is one). */
export async function newPage(browser, viewport = { width: 1100, height: 800 }) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, page, errors };
}

/** Polls `check` (an async predicate) every 100 ms until true, at most WAIT's timeout. */
export async function until(what, check, timeout = WAIT.timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `ringside admin <args> --json` against this server (run.sh passes the binary); its JSON. */
export async function cli(...args) {
  const bin = process.env.RINGSIDE_BIN;
  assert.ok(bin, 'RINGSIDE_BIN is set by run.sh');
  const env = { ...process.env };
  delete env.RINGSIDE_URL;
  delete env.RINGSIDE_ADMIN_TOKEN;
  const { stdout } = await promisify(execFile)(bin,
    ['admin', ...args, '--json', '--data-dir', dirname(process.env.RINGSIDE_DEV_JSON)], { env });
  return JSON.parse(stdout);
}
