"""azure-identity 1.27.0 ClientSecretCredential, sync (MSAL underneath) and aio (its own token POST),
against ringside (official-clients.md §2.3)."""

from __future__ import annotations

import asyncio

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential

from ringside_interop import ACS_AUDIENCE, ACS_SCOPE, GRAPH_SCOPE, assert_app_token


def _sync(dev, secret=None, **overrides):
    options = {"authority": dev.url, "disable_instance_discovery": True, "connection_verify": dev.ca}
    options.update(overrides)
    return ClientSecretCredential(dev.tenant_id, dev.client_id, secret or dev.client_secret, **options)


def _async(dev, secret=None):
    return AsyncClientSecretCredential(
        dev.tenant_id, dev.client_id, secret or dev.client_secret,
        authority=dev.url, disable_instance_discovery=True, connection_verify=dev.ca,
    )


def test_sync_credential_graph_token(dev):
    credential = _sync(dev)
    token = credential.get_token(GRAPH_SCOPE)
    assert_app_token(dev, token.token)
    assert token.expires_on > 0
    assert credential.get_token(GRAPH_SCOPE).token == token.token  # served from the credential's cache


def test_sync_credential_cae_and_acs_scope(dev):
    credential = _sync(dev)
    assert_app_token(dev, credential.get_token(GRAPH_SCOPE, enable_cae=True).token)
    acs = credential.get_token(ACS_SCOPE)
    claims = assert_app_token(dev, acs.token, audience=ACS_AUDIENCE, roles=None)
    assert claims["aud"] == ACS_AUDIENCE


def test_sync_credential_authority_without_scheme(dev):
    host_port = dev.url.removeprefix("https://")
    assert_app_token(dev, _sync(dev, authority=host_port).get_token(GRAPH_SCOPE).token)


def test_sync_credential_authority_host_from_environment(dev, monkeypatch):
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", dev["authorityHost"])
    credential = ClientSecretCredential(
        dev.tenant_id, dev.client_id, dev.client_secret,
        disable_instance_discovery=True, connection_verify=dev.ca,
    )
    assert_app_token(dev, credential.get_token(GRAPH_SCOPE).token)


def test_async_credential_graph_cae_and_acs(dev):
    async def run():
        async with _async(dev) as credential:
            graph = await credential.get_token(GRAPH_SCOPE)
            cae = await credential.get_token(GRAPH_SCOPE, enable_cae=True)  # what kiota asks for
            acs = await credential.get_token(ACS_SCOPE)
            return graph.token, cae.token, acs.token

    graph, cae, acs = asyncio.run(run())
    assert_app_token(dev, graph)
    assert_app_token(dev, cae)
    assert assert_app_token(dev, acs, audience=ACS_AUDIENCE, roles=None)["aud"] == ACS_AUDIENCE


def test_sync_credential_wrong_secret(dev):
    with pytest.raises(ClientAuthenticationError) as failure:
        _sync(dev, secret="not-the-secret~0123456789").get_token(GRAPH_SCOPE)
    assert "AADSTS7000215" in str(failure.value), str(failure.value)


def test_async_credential_wrong_secret(dev):
    async def run():
        async with _async(dev, secret="not-the-secret~0123456789") as credential:
            await credential.get_token(GRAPH_SCOPE)

    with pytest.raises(ClientAuthenticationError) as failure:
        asyncio.run(run())
    assert "AADSTS7000215" in str(failure.value), str(failure.value)
