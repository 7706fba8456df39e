// Shared helpers for the JS interop tests: dev.json, HTTPS with the server's CA, JWT verification
// against the server's JWKS. Talks to 127.0.0.1 only.
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
