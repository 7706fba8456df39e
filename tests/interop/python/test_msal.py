"""msal 1.39.0 (Python) against ringside, configured from dev.json only (official-clients.md §2.2)."""

from __future__ import annotations

import json
import os
import ssl

import httpx
import jwt
import pytest

from ringside_interop import (
    ACS_AUDIENCE,
    ACS_SCOPE,
    ALL_PERMISSIONS,
    GRAPH_SCOPE,
    HOST_SCOPE,
    HTTP_TIMEOUT,
    assert_app_token,
    assert_graph_error,
    jwks,
    msal_app,
    resource_accounts,
    tamper,
    verify_token,
)


def test_dev_json_describes_the_dev_tenant(dev):
    assert dev["authority"] == dev.authority()
    assert dev["authorityHost"].rstrip("/") == dev.url
    assert dev["graphBaseUrl"] == f"{dev.url}/v1.0"
    assert dev["graphBetaUrl"] == f"{dev.url}/beta"
    assert dev["tokenEndpoint"] == dev.token_endpoint()
    assert sorted(dev["app"]["permissions"]) == sorted(ALL_PERMISSIONS)
    assert len(dev["users"]) == 3 and all(u["id"] and u["userPrincipalName"] for u in dev["users"])
    account = dev.resource_account
    assert account["phoneNumber"] == "+14255550100"
    assert account["appId"] == dev.client_id
    assert account.get("acsResourceId") is None
    ccaas = dev["resourceAccounts"][1]
    assert ccaas["phoneNumber"] == "+14255550200"
    assert ccaas["acsResourceId"] == dev["acs"]["resourceId"]


def test_dev_json_is_private_and_announced(dev):
    mode = os.stat(dev.path).st_mode & 0o777
    assert mode & 0o077 == 0, f"dev.json holds secrets but has mode {mode:o}"
    stdout = os.environ.get("RINGSIDE_SERVER_STDOUT")
    if not stdout:
        pytest.skip("not started by run.sh: the --json ready line is not available")
    with open(stdout, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    assert lines, "`ringside serve --json` printed nothing on stdout"
    ready = json.loads(lines[0])
    assert ready["url"].rstrip("/") == dev.url, ready
    assert os.path.samefile(ready["devJson"], dev.path), ready
    assert os.path.samefile(ready["caCertPath"], dev.ca), ready


def test_http2_is_offered(dev):
    """kiota's default httpx client negotiates h2 when offered (official-clients.md §3.1)."""
    token = msal_app(dev).acquire_token_for_client(scopes=[GRAPH_SCOPE])["access_token"]
    with httpx.Client(http2=True, verify=ssl.create_default_context(cafile=dev.ca), trust_env=False) as client:
        r = client.get(
            f"{dev['graphBetaUrl']}/admin/teams/resourceAccounts",
            params={"$filter": f"appId eq '{dev.client_id}'"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=HTTP_TIMEOUT,
        )
    assert r.http_version == "HTTP/2", r.http_version
    assert r.status_code == 200, r.text
    numbers = sorted(a["phoneNumber"] for a in r.json()["value"])
    assert numbers == ["tel:+14255550100", "tel:+14255550200"], numbers


def test_openid_configuration_and_jwks(dev):
    r = dev.session().get(dev["openidConfigurationUrl"], timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, r.text
    config = r.json()
    assert config["issuer"] == dev.issuer()
    assert config["token_endpoint"] == dev.token_endpoint()
    assert config["token_endpoint"].startswith("https://127.0.0.1:")
    assert config["jwks_uri"] == dev["jwksUri"]
    assert config["authorization_endpoint"].startswith(f"{dev.authority()}/")
    keys = jwks(dev)["keys"]
    assert keys, "empty JWKS"
    for key in keys:
        assert key["kty"] == "RSA" and key["kid"] and key["n"] and key["e"], key
        for private in ("d", "p", "q", "dp", "dq", "qi"):
            assert private not in key, f"JWKS publishes private key material {private!r}"


def _check_fresh_then_cached(app, scope=GRAPH_SCOPE):
    first = app.acquire_token_for_client(scopes=[scope])
    assert "access_token" in first, f"no token: {first}"
    assert first["token_type"].lower() == "bearer", first
    assert 0 < first["expires_in"] <= 86400, first
    assert first.get("token_source") == "identity_provider", first
    second = app.acquire_token_for_client(scopes=[scope])
    assert second.get("token_source") == "cache", second
    assert second["access_token"] == first["access_token"]
    return first["access_token"]


def test_msal_instance_discovery_false(dev):
    token = _check_fresh_then_cached(msal_app(dev, instance_discovery=False))
    assert_app_token(dev, token)


def test_msal_validate_authority_false(dev):
    app = msal_app(dev, instance_discovery=None, validate_authority=False)
    token = _check_fresh_then_cached(app)
    assert_app_token(dev, token)


def test_msal_oidc_authority(dev):
    app = msal_app(dev, instance_discovery=None, oidc_authority=dev.issuer())
    token = _check_fresh_then_cached(app)
    assert_app_token(dev, token)


def test_msal_client_capabilities_cp1(dev):
    token = _check_fresh_then_cached(msal_app(dev, client_capabilities=["CP1"]))
    assert_app_token(dev, token)


def test_msal_authority_by_tenant_domain(dev):
    result = msal_app(dev, tenant=dev["tenantDomain"]).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    assert "access_token" in result, result
    claims = assert_app_token(dev, result["access_token"])
    assert claims["tid"] == dev.tenant_id


def test_msal_acs_scope(dev):
    result = msal_app(dev).acquire_token_for_client(scopes=[ACS_SCOPE])
    assert "access_token" in result, result
    claims = assert_app_token(dev, result["access_token"], audience=ACS_AUDIENCE, roles=None)
    assert claims["aud"] == ACS_AUDIENCE


def test_msal_host_derived_scope(dev):
    """kiota without explicit scopes asks for https://127.0.0.1/.default (official-clients.md §2.1): the
    token must be usable on the server's Graph, as it would be on graph.microsoft.com."""
    result = msal_app(dev).acquire_token_for_client(scopes=[HOST_SCOPE])
    assert "access_token" in result, result
    assert_app_token(dev, result["access_token"])
    r = resource_accounts(dev, result["access_token"], dev.client_id)
    assert r.status_code == 200, r.text


def test_tokens_are_really_signed(dev):
    token = msal_app(dev).acquire_token_for_client(scopes=[GRAPH_SCOPE])["access_token"]
    forged = tamper(token)
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(dev, forged, "https://graph.microsoft.com")
    assert_graph_error(resource_accounts(dev, forged, dev.client_id), 401)
    assert resource_accounts(dev, token, dev.client_id).status_code == 200
