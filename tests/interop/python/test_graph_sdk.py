"""msgraph-beta-sdk 1.66.0 and msgraph-sdk 1.65.0 (kiota-python 1.16.0) reading
GET /beta/admin/teams/resourceAccounts?$filter=appId eq '<clientId>' (official-clients.md §3.1, §3.4)."""

from __future__ import annotations

import asyncio
import json
import ssl
import uuid

import httpx
import pytest
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.api_error import APIError
from kiota_abstractions.authentication import AnonymousAuthenticationProvider
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider

from ringside_interop import (
    ACS_SCOPE,
    GRAPH_SCOPE,
    assert_graph_error,
    assert_seeded_account,
    msal_app,
    resource_accounts,
)

import msgraph
import msgraph_beta
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_core import GraphClientFactory


def _credential(dev):
    return ClientSecretCredential(
        dev.tenant_id, dev.client_id, dev.client_secret,
        authority=dev.url, disable_instance_discovery=True, connection_verify=dev.ca,
    )


def _recipe_a(sdk, dev, credential, base_url, auth=None):
    """Recipe A: our own httpx client (HTTP/2 allowed) wrapped with the Graph middleware."""
    http = httpx.AsyncClient(base_url=base_url, http2=True, verify=ssl.create_default_context(cafile=dev.ca))
    http = GraphClientFactory.create_with_default_middleware(client=http, options=sdk.graph_request_adapter.options)
    auth = auth or AzureIdentityAuthenticationProvider(credential, scopes=[GRAPH_SCOPE])
    return sdk.GraphServiceClient(request_adapter=sdk.GraphRequestAdapter(auth, client=http))


def _recipe_b(sdk, dev, credential, base_url, monkeypatch):
    """Recipe B: the SDK's default client (trusting the CA through SSL_CERT_FILE), base URL overridden."""
    monkeypatch.setenv("SSL_CERT_FILE", dev.ca)
    client = sdk.GraphServiceClient(credentials=credential, scopes=[GRAPH_SCOPE])
    client.request_adapter.base_url = base_url
    return client


async def _raw_resource_accounts(client, app_id, error_map=None):
    """Raw RequestInformation through the SDK pipeline (the beta SDK has no builder for it)."""
    info = RequestInformation(
        Method.GET,
        "{+baseurl}/admin/teams/resourceAccounts{?%24filter}",
        {"baseurl": client.request_adapter.base_url},
    )
    info.query_parameters["%24filter"] = f"appId eq '{app_id}'"
    raw = await client.request_adapter.send_primitive_async(info, "bytes", error_map)
    return json.loads(raw)


def _check_collection(dev, body):
    assert "@odata.context" in body, body
    assert len(body["value"]) == 2, f"filter appId eq '{dev.client_id}' should match the two seeded accounts: {body}"
    assert_seeded_account(dev, body["value"])


def test_beta_sdk_recipe_a_raw_request(dev):
    async def run():
        async with _credential(dev) as credential:
            client = _recipe_a(msgraph_beta, dev, credential, dev["graphBetaUrl"])
            return await _raw_resource_accounts(client, dev.client_id)

    _check_collection(dev, asyncio.run(run()))


def test_beta_sdk_recipe_a_with_url(dev):
    async def run():
        async with _credential(dev) as credential:
            client = _recipe_a(msgraph_beta, dev, credential, dev["graphBetaUrl"])
            url = f"{dev['graphBetaUrl']}/admin/teams/resourceAccounts?$filter=appId eq '{dev.client_id}'"
            return await client.admin.teams.with_url(url).get()

    root = asyncio.run(run())
    assert root is not None
    body = dict(root.additional_data)
    # kiota's untyped parse turns GUID-looking strings into uuid.UUID; compare them as the wire text.
    body["value"] = [
        {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in item.items()} for item in body.get("value", [])
    ]
    _check_collection(dev, body)


def test_beta_sdk_recipe_b_default_client(dev, monkeypatch):
    async def run():
        async with _credential(dev) as credential:
            client = _recipe_b(msgraph_beta, dev, credential, dev["graphBetaUrl"], monkeypatch)
            return await _raw_resource_accounts(client, dev.client_id)

    _check_collection(dev, asyncio.run(run()))


def test_beta_sdk_default_scopes(dev, monkeypatch):
    """GraphServiceClient(credentials) without scopes: kiota derives https://127.0.0.1/.default."""

    async def run():
        async with _credential(dev) as credential:
            monkeypatch.setenv("SSL_CERT_FILE", dev.ca)
            client = msgraph_beta.GraphServiceClient(credentials=credential)
            client.request_adapter.base_url = dev["graphBetaUrl"]
            return await _raw_resource_accounts(client, dev.client_id)

    _check_collection(dev, asyncio.run(run()))


def test_v1_sdk_with_beta_base_url(dev):
    """msgraph-sdk (v1.0 package) pointed at /beta, as bots that only install msgraph-sdk do."""

    async def run():
        async with _credential(dev) as credential:
            client = _recipe_a(msgraph, dev, credential, dev["graphBetaUrl"])
            return await _raw_resource_accounts(client, dev.client_id)

    _check_collection(dev, asyncio.run(run()))


def test_filter_on_another_app_returns_nothing(dev):
    async def run():
        async with _credential(dev) as credential:
            client = _recipe_a(msgraph_beta, dev, credential, dev["graphBetaUrl"])
            return await _raw_resource_accounts(client, str(uuid.uuid4()))

    body = asyncio.run(run())
    assert body["value"] == [], body


def test_without_filter_lists_the_seeded_account(dev):
    token = msal_app(dev).acquire_token_for_client(scopes=[GRAPH_SCOPE])["access_token"]
    r = resource_accounts(dev, token)
    assert r.status_code == 200, r.text
    assert_seeded_account(dev, r.json()["value"])


def test_sdk_without_token_gets_401_odata_error(dev):
    async def run():
        client = _recipe_a(msgraph_beta, dev, None, dev["graphBetaUrl"], auth=AnonymousAuthenticationProvider())
        await _raw_resource_accounts(client, dev.client_id, {"XXX": ODataError})

    with pytest.raises(APIError) as failure:
        asyncio.run(run())
    error = failure.value
    assert error.response_status_code == 401, repr(error)
    assert isinstance(error, ODataError), f"expected the Graph error envelope to parse as ODataError: {error!r}"
    assert error.error is not None and error.error.code, repr(error)


def test_graph_rejects_missing_and_invalid_tokens(dev):
    assert_graph_error(resource_accounts(dev, None, dev.client_id), 401)
    assert_graph_error(resource_accounts(dev, "not-a-jwt", dev.client_id), 401)
    acs_token = msal_app(dev).acquire_token_for_client(scopes=[ACS_SCOPE])["access_token"]
    assert_graph_error(resource_accounts(dev, acs_token, dev.client_id), 401)  # wrong audience


def test_double_slash_path_is_collapsed(dev):
    """kiota-python sends /beta//admin/… (official-clients.md §3.1)."""
    token = msal_app(dev).acquire_token_for_client(scopes=[GRAPH_SCOPE])["access_token"]
    r = dev.session().get(
        f"{dev.url}/beta//admin/teams/resourceAccounts",
        params={"$filter": f"appId eq '{dev.client_id}'"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    assert_seeded_account(dev, r.json()["value"])
