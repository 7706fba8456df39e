"""Failures the official clients must see exactly as from Entra and Graph: AADSTS codes in msal's error
dict, consent rules (seed 000 "Important"), missing roles and tenant isolation on Graph."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from ringside_interop import (
    ALL_PERMISSIONS,
    GRAPH_SCOPE,
    HTTP_TIMEOUT,
    assert_app_token,
    assert_graph_error,
    assert_oauth_error,
    assert_seeded_account,
    msal_app,
    msal_token,
    raw_token_request,
    resource_accounts,
)

READ_ACCOUNTS = "TeamsResourceAccount.Read.All"
INITIATE = "Calls.Initiate.All"


# --- credentials and directories -------------------------------------------------------------------


def test_wrong_secret(dev):
    result = msal_token(dev, secret="wrong-secret~0123456789abcdef")
    assert "access_token" not in result, result
    assert_oauth_error(result, 7000215, "invalid_client")

    correlation = str(uuid.uuid4())
    r = raw_token_request(dev, client_id=dev.client_id, secret="wrong", headers={"client-request-id": correlation})
    assert r.status_code == 401, r.text
    assert_oauth_error(r.json(), 7000215, "invalid_client")
    assert r.json()["correlation_id"] == correlation, "Entra echoes client-request-id as correlation_id"


def test_unknown_client_id(dev):
    result = msal_token(dev, client_id=str(uuid.uuid4()))
    assert "access_token" not in result, result
    assert_oauth_error(result, 700016)
    r = raw_token_request(dev, client_id=str(uuid.uuid4()), secret="whatever")
    assert r.status_code == 400, r.text
    assert_oauth_error(r.json(), 700016)


def test_unknown_tenant(dev):
    tenant = str(uuid.uuid4())
    r = raw_token_request(dev, client_id=dev.client_id, secret=dev.client_secret, tenant=tenant)
    assert r.status_code == 400, r.text
    assert_oauth_error(r.json(), 90002, "invalid_request")
    discovery = dev.session().get(f"{dev.url}/{tenant}/v2.0/.well-known/openid-configuration", timeout=HTTP_TIMEOUT)
    assert discovery.status_code == 400, discovery.text
    assert_oauth_error(discovery.json(), 90002)
    # msal reads the OIDC document first and refuses the authority.
    with pytest.raises(ValueError):
        msal_token(dev, tenant=tenant)


def test_dev_app_unknown_in_a_tenant_that_did_not_consent(dev, admin):
    other = admin.create_tenant("foreign")
    result = msal_token(dev, tenant=other)
    assert "access_token" not in result, result
    assert_oauth_error(result, 700016)


def test_app_without_consent(dev, admin):
    app = admin.app("no-consent", [INITIATE], consent=False)
    result = msal_token(dev, client_id=app.app_id, secret=app.secret)
    assert "access_token" not in result, result
    assert_oauth_error(result, 65001, "invalid_grant")


def test_consent_granted_then_revoked(dev, admin):
    app = admin.app("revoked", [INITIATE, READ_ACCOUNTS], consent=True)
    granted = msal_token(dev, client_id=app.app_id, secret=app.secret)
    assert "access_token" in granted, granted
    assert_app_token(dev, granted["access_token"], client_id=app.app_id, roles={INITIATE, READ_ACCOUNTS})

    admin.revoke_consent(dev.tenant_id, app.app_id)
    result = msal_token(dev, client_id=app.app_id, secret=app.secret)
    assert "access_token" not in result, result
    assert_oauth_error(result, 65001, "invalid_grant")


def test_admin_consent_url_flow(dev, admin):
    app = admin.app("consent-url", [READ_ACCOUNTS], consent=False)
    redirect = "https://localhost/interop/consent"
    r = admin.http.get(
        f"{dev.url}/{dev.tenant_id}/adminconsent",
        params={"client_id": app.app_id, "redirect_uri": redirect, "state": "xyz"},
        allow_redirects=False, timeout=HTTP_TIMEOUT,
    )
    assert r.status_code in (302, 303), f"{r.status_code} {r.text[:500]}"
    location = urlsplit(r.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect, r.headers["Location"]
    query = parse_qs(location.query)
    assert query.get("admin_consent") == ["True"], query
    assert query.get("tenant") == [dev.tenant_id], query
    assert query.get("state") == ["xyz"], query
    result = msal_token(dev, client_id=app.app_id, secret=app.secret)
    assert "access_token" in result, result
    assert_app_token(dev, result["access_token"], client_id=app.app_id, roles={READ_ACCOUNTS})


def test_expired_secret(dev, admin):
    """The admin API only creates secrets that expire in the future, so this one expires 2 s from now and
    the test polls (bounded) until the token endpoint says AADSTS7000222."""
    app = admin.app("expired", [INITIATE], consent=True)
    expires_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=2)
    created = admin.call(
        "POST", f"/applications/{app.app_id}/secrets",
        {"displayName": "short-lived", "expiresAt": expires_at.isoformat().replace("+00:00", "Z")},
    )
    secret = created["secretText"]
    deadline = time.monotonic() + 15
    while True:
        r = raw_token_request(dev, client_id=app.app_id, secret=secret)
        if r.status_code != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.25)  # bounded: the secret expires 2 s after creation
    assert r.status_code == 401, f"secret still accepted 15 s after its expiry {expires_at}: {r.status_code} {r.text[:300]}"
    assert_oauth_error(r.json(), 7000222, "invalid_client")
    result = msal_token(dev, client_id=app.app_id, secret=secret)
    assert "access_token" not in result, result
    assert_oauth_error(result, 7000222, "invalid_client")
    # The app's other, valid secret still works.
    assert "access_token" in msal_token(dev, client_id=app.app_id, secret=app.secret)

    # Secrets that are already expired are refused at creation.
    past = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    admin.call("POST", f"/applications/{app.app_id}/secrets", {"expiresAt": past}, expect=(400,))


# --- consent snapshot (seed 000 "Important") -----------------------------------------------------------


def test_changed_permissions_need_new_consent(dev, admin):
    app = admin.app("reconsent", [INITIATE, READ_ACCOUNTS], consent=True)

    def fresh_token():
        result = msal_token(dev, client_id=app.app_id, secret=app.secret)  # new msal app: no cache
        assert "access_token" in result, result
        return result["access_token"]

    before = fresh_token()
    assert_app_token(dev, before, client_id=app.app_id, roles={INITIATE, READ_ACCOUNTS})

    admin.set_permissions(app.app_id, [INITIATE, "OnlineMeetings.Read.All"])
    unchanged = fresh_token()
    assert_app_token(dev, unchanged, client_id=app.app_id, roles={INITIATE, READ_ACCOUNTS})
    assert resource_accounts(dev, unchanged, dev.client_id).status_code == 200

    admin.grant_consent(dev.tenant_id, app.app_id)
    after = fresh_token()
    assert_app_token(dev, after, client_id=app.app_id, roles={INITIATE, "OnlineMeetings.Read.All"})
    assert_graph_error(resource_accounts(dev, after, dev.client_id), 403)


# --- Graph authorization ----------------------------------------------------------------------------


def test_missing_role_is_403(dev, admin):
    app = admin.app("initiate-only", [INITIATE], consent=True)
    token = msal_token(dev, client_id=app.app_id, secret=app.secret)["access_token"]
    assert_app_token(dev, token, client_id=app.app_id, roles={INITIATE})
    assert_graph_error(resource_accounts(dev, token, dev.client_id), 403)


def test_other_tenant_cannot_read_dev_tenant(dev, admin):
    other = admin.create_tenant("isolated")
    app = admin.app("tenant-b", [READ_ACCOUNTS], tenant=other, consent=True)
    result = msal_token(dev, client_id=app.app_id, secret=app.secret, tenant=other)
    assert "access_token" in result, result
    token = result["access_token"]
    assert_app_token(dev, token, client_id=app.app_id, tenant=other, roles={READ_ACCOUNTS})

    seeded_id = dev.resource_account["id"]
    for app_filter in (None, dev.client_id):
        r = resource_accounts(dev, token, app_filter)
        assert r.status_code in (200, 403), r.text
        if r.status_code == 200:
            ids = [a.get("id") for a in r.json()["value"]]
            assert seeded_id not in ids, f"tenant {other} sees the dev tenant's account: {r.json()}"
            assert all(a.get("appId") != dev.client_id for a in r.json()["value"]), r.json()
        else:
            assert_graph_error(r, 403)

    # The dev tenant still sees its own account, and the dev app cannot get a token in the other tenant.
    dev_token = msal_token(dev)["access_token"]
    assert_seeded_account(dev, resource_accounts(dev, dev_token, dev.client_id).json()["value"])
    assert "access_token" not in msal_token(dev, tenant=other)


def test_all_permissions_listed_in_dev_app_token(dev):
    """The Done-when check, in one place: msal with only dev.json gets every consented permission."""
    app = msal_app(dev)
    result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    claims = assert_app_token(dev, result["access_token"])
    assert set(claims["roles"]) == ALL_PERMISSIONS
    assert set(dev["app"]["permissions"]) == ALL_PERMISSIONS


# --- connections ------------------------------------------------------------------------------------


def test_a_session_survives_early_rejections_of_slow_bodies(dev):
    """requests (under msal and azure-identity) reuses connections: a 401 answered before a slow
    body arrived must not leave the connection half-read, or the next request on it fails with
    "Remote end closed connection without response"."""
    session = dev.session()
    url = f"{dev.url}/v1.0/communications/calls"

    def late_body():
        time.sleep(0.02)  # the body follows the headers (chunked), as a slow client's would
        yield b'{"callbackUri": "https://bot.example/cb"}'

    for _ in range(25):
        r = session.post(url, data=late_body(), headers={"Authorization": "Bearer not-a-token",
                                                          "Content-Type": "application/json"},
                         timeout=HTTP_TIMEOUT)
        assert r.status_code == 401, r.text
        assert r.headers.get("connection", "").lower() != "close", r.headers
        r = session.get(f"{url}/{uuid.uuid4()}", headers={"Authorization": "Bearer not-a-token"},
                        timeout=HTTP_TIMEOUT)
        assert r.status_code == 401, r.text
