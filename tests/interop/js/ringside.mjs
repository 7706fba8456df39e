// Shared helpers for the JS interop tests: dev.json, HTTPS with the server's CA, the platform API, a
// tone WAV, JWT verification against the server's JWKS. Talks to 127.0.0.1 only.
import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:https";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
export const ACS_SCOPE = "https://communication.azure.com//.default";
export const ALL_PERMISSIONS = [
  "Calls.AccessMedia.All",
  "Calls.Initiate.All",
  "Calls.InitiateGroupCall.All",
  "Calls.JoinGroupCall.All",
  "Calls.JoinGroupCallAsGuest.All",
  "OnlineMeetings.Read.All",
  "OnlineMeetings.ReadWrite.All",
  "TeamsResourceAccount.Read.All",
];

export function loadDev() {
  const path = process.env.RINGSIDE_DEV_JSON;
  assert.ok(path, "RINGSIDE_DEV_JSON is not set: run the interop tests through tests/interop/run.sh");
  const dev = JSON.parse(readFileSync(path, "utf8"));
  assert.match(dev.url, /^https:\/\/127\.0\.0\.1:\d+$/, "dev.json url must be https on 127.0.0.1");
  dev.ca = readFileSync(dev.caCertPath);
  return dev;
}

/** GET `url` over HTTPS trusting only the server's CA; resolves { status, headers, body }. */
export function httpsGet(dev, url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", ca: dev.ca, headers, timeout: 30_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: GET ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

/** Any HTTPS request trusting only the server's CA; `body` (if any) is sent as JSON. */
export function httpsRequest(dev, method, url, body, headers = {}) {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const allHeaders = { ...headers };
  if (payload) {
    allHeaders["content-type"] = "application/json";
    allHeaders["content-length"] = payload.length;
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca: dev.ca, headers: allHeaders, timeout: 30_000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: parsed });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** The platform API (/ringside/v1) with dev.json's admin token; asserts the status is one of `expect`. */
export async function admin(dev, method, path, body, expect = [200, 201, 204]) {
  const res = await httpsRequest(dev, method, `${dev.url}/ringside/v1${path}`, body, {
    authorization: `Bearer ${dev.adminToken}`,
  });
  assert.ok(expect.includes(res.status), `${method} /ringside/v1${path} -> ${res.status} ${JSON.stringify(res.body).slice(0, 800)}`);
  return res.body;
}

/** A 16 kHz mono 16-bit WAV of a sine tone. */
export function toneWav(frequency = 1000, seconds = 0.5, rate = 16_000) {
  const samples = Math.round(rate * seconds);
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write("RIFF", 0); buf.writeUInt32LE(36 + samples * 2, 4); buf.write("WAVE", 8);
  buf.write("fmt ", 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write("data", 36); buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(12000 * Math.sin((2 * Math.PI * frequency * i) / rate)), 44 + i * 2);
  return buf;
}

function b64url(text) {
  return Buffer.from(text, "base64url");
}

/** Verifies the RS256 signature against the JWKS (by kid) and the standard claims; returns the claims. */
export async function verifyToken(dev, token, { audience, tenant = dev.tenantId }) {
  const [h, p, s] = token.split(".");
  const header = JSON.parse(b64url(h).toString("utf8"));
  assert.equal(header.alg, "RS256");
  const jwks = await httpsGet(dev, `${dev.url}/${tenant}/discovery/v2.0/keys`);
  assert.equal(jwks.status, 200, `JWKS: ${jwks.status}`);
  const jwk = jwks.body.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} not in the JWKS`);
  assert.equal(jwk.d, undefined, "the JWKS must not publish private key material");
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const ok = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), key, b64url(s));
  assert.ok(ok, "token signature does not verify against the server's JWKS");
  const claims = JSON.parse(b64url(p).toString("utf8"));
  assert.equal(claims.aud, audience);
  assert.equal(claims.iss, `${dev.url}/${tenant}/v2.0`);
  assert.equal(claims.tid, tenant);
  const now = Date.now() / 1000;
  assert.ok(claims.exp > now + 60, `exp ${claims.exp} too close to now ${now}`);
  return claims;
}
