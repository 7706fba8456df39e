// @azure/identity 4.13.1 (msal-node 5.6.0) ClientSecretCredential against ringside
// (official-clients.md §2.4).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import { ACS_SCOPE, ALL_PERMISSIONS, GRAPH_SCOPE, loadDev, verifyToken } from "./ringside.mjs";

const dev = loadDev();

function credential(secret = dev.app.clientSecret) {
  return new ClientSecretCredential(dev.tenantId, dev.app.clientId, secret, {
    authorityHost: dev.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: dev.ca },
  });
}

test("ClientSecretCredential gets a Graph token with every consented role", async () => {
  const cred = credential();
  const token = await cred.getToken(GRAPH_SCOPE);
  assert.ok(token?.token, "no token");
  assert.ok(token.expiresOnTimestamp > Date.now() + 60_000, "token already (nearly) expired");
  const claims = await verifyToken(dev, token.token, { audience: "https://graph.microsoft.com" });
  assert.equal(claims.appid, dev.app.clientId);
  assert.equal(claims.azp, dev.app.clientId);
  assert.deepEqual([...claims.roles].sort(), ALL_PERMISSIONS);
  const again = await cred.getToken(GRAPH_SCOPE);
  assert.equal(again.token, token.token, "second getToken should come from the cache");
});

test("ClientSecretCredential gets an ACS token", async () => {
  const token = await credential().getToken(ACS_SCOPE);
  const claims = await verifyToken(dev, token.token, { audience: "https://communication.azure.com" });
  assert.equal(claims.appid, dev.app.clientId);
});

test("a wrong secret fails with AADSTS7000215", async () => {
  await assert.rejects(credential("wrong-secret~0123456789abcdef").getToken(GRAPH_SCOPE), (error) => {
    assert.match(String(error?.message), /AADSTS7000215/, `unexpected error: ${error?.stack ?? error}`);
    return true;
  });
});
