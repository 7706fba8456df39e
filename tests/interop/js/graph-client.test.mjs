// @microsoft/microsoft-graph-client 3.0.7 with @azure/identity's credential, reading
// /beta/admin/teams/resourceAccounts (official-clients.md §3.5). The client uses Node's global fetch,
// which trusts the server's CA through NODE_EXTRA_CA_CERTS (run.sh sets it).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import { GRAPH_SCOPE, loadDev } from "./ringside.mjs";

const dev = loadDev();

before(() => {
  assert.equal(process.env.NODE_EXTRA_CA_CERTS, dev.caCertPath, "run node with NODE_EXTRA_CA_CERTS=<dev.json caCertPath>");
});

function graphClient({ customHosts = true } = {}) {
  const cred = new ClientSecretCredential(dev.tenantId, dev.app.clientId, dev.app.clientSecret, {
    authorityHost: dev.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: dev.ca },
  });
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(cred, { scopes: [GRAPH_SCOPE] }),
    baseUrl: `${dev.url}/`,
    defaultVersion: "beta",
    ...(customHosts ? { customHosts: new Set(["127.0.0.1"]) } : {}),
  });
}

test("Graph JS client reads the seeded resource account", async () => {
  const body = await graphClient()
    .api("/admin/teams/resourceAccounts")
    .filter(`appId eq '${dev.app.clientId}'`)
    .get();
  assert.ok(body["@odata.context"], "no @odata.context");
  assert.equal(body.value.length, 2, JSON.stringify(body));
  const account = body.value.find((a) => a.phoneNumber === "tel:+14255550100");
  assert.ok(account, JSON.stringify(body));
  const seeded = dev.resourceAccounts[0];
  assert.equal(account.id, seeded.id);
  assert.equal(account.appId, dev.app.clientId);
  assert.equal(account.phoneNumber, "tel:+14255550100");
  assert.equal(account.userPrincipalName, seeded.userPrincipalName);
  assert.equal(account.acsResourceId ?? null, null);
  const ccaas = body.value.find((a) => a.phoneNumber === "tel:+14255550200");
  assert.ok(ccaas, JSON.stringify(body));
  assert.equal(ccaas.acsResourceId, dev.acs.resourceId);
});

test("Graph JS client filter on another app returns nothing", async () => {
  const body = await graphClient()
    .api("/admin/teams/resourceAccounts")
    .filter("appId eq '00000000-0000-4000-8000-000000000001'")
    .get();
  assert.deepEqual(body.value, []);
});

test("without customHosts the client sends no token and gets 401", async () => {
  await assert.rejects(
    graphClient({ customHosts: false }).api("/admin/teams/resourceAccounts").get(),
    (error) => {
      assert.equal(error?.statusCode, 401, `unexpected error: ${error?.stack ?? error}`);
      assert.ok(error.code, "the Graph error envelope's code should surface as GraphError.code");
      return true;
    },
  );
});
