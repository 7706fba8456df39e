"""Shared helpers for the interop tests: dev.json, raw HTTP with the server's CA, the platform admin API
(/ringside/v1), token verification against the server's JWKS, and client factories that follow
shared/reference/official-clients.md exactly."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

import jwt
import msal
import pytest
import requests

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
GRAPH_AUDIENCE = "https://graph.microsoft.com"
ACS_SCOPE = "https://communication.azure.com//.default"  # double slash, as the ACS SDKs send it
ACS_AUDIENCE = "https://communication.azure.com"
HOST_SCOPE = "https://127.0.0.1/.default"  # what kiota derives from the request host when given no scopes

ALL_PERMISSIONS = frozenset(
    {
        "Calls.Initiate.All",
        "Calls.InitiateGroupCall.All",
        "Calls.JoinGroupCall.All",
        "Calls.JoinGroupCallAsGuest.All",
        "Calls.AccessMedia.All",
        "OnlineMeetings.Read.All",
        "OnlineMeetings.ReadWrite.All",
        "TeamsResourceAccount.Read.All",
    }
)
SEEDED_NUMBER = "+14255550100"
# The Teams Phone extensibility resource account (bound to the dev ACS resource).
CCAAS_NUMBER = "+14255550200"
HTTP_TIMEOUT = 30


@dataclass
class Dev:
    """dev.json of the server under test."""

    path: str
    raw: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    @property
    def url(self) -> str:
        return self.raw["url"].rstrip("/")

    @property
    def tenant_id(self) -> str:
        return self.raw["tenantId"]

    @property
    def ca(self) -> str:
        return self.raw["caCertPath"]

    @property
    def client_id(self) -> str:
        return self.raw["app"]["clientId"]

    @property
    def client_secret(self) -> str:
        return self.raw["app"]["clientSecret"]

    @property
    def resource_account(self) -> dict[str, Any]:
        return self.raw["resourceAccounts"][0]

    def issuer(self, tenant: str | None = None) -> str:
        return f"{self.url}/{tenant or self.tenant_id}/v2.0"

    def authority(self, tenant: str | None = None) -> str:
        return f"{self.url}/{tenant or self.tenant_id}"

    def token_endpoint(self, tenant: str | None = None) -> str:
        return f"{self.url}/{tenant or self.tenant_id}/oauth2/v2.0/token"

    def session(self) -> requests.Session:
        s = requests.Session()
        s.verify = self.ca
        s.trust_env = False  # no proxies, no CA bundle from the environment
        return s


def load_dev() -> Dev:
    path = os.environ.get("RINGSIDE_DEV_JSON")
    if not path:
        pytest.fail("RINGSIDE_DEV_JSON is not set: run the interop tests through tests/interop/run.sh")
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    dev = Dev(path=path, raw=raw)
    assert dev.url.startswith("https://127.0.0.1:"), f"dev.json url must be https on 127.0.0.1: {dev.url}"
    return dev


# --- tokens ------------------------------------------------------------------------------------------


def unverified_claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def jwks(dev: Dev, tenant: str | None = None) -> dict[str, Any]:
    r = dev.session().get(f"{dev.url}/{tenant or dev.tenant_id}/discovery/v2.0/keys", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, f"JWKS: {r.status_code} {r.text[:500]}"
    return r.json()


def verify_token(dev: Dev, token: str, audience: str, tenant: str | None = None) -> dict[str, Any]:
    """Verifies `token`'s RS256 signature against the server's JWKS (by `kid`), and aud/iss/exp/iat."""
    header = jwt.get_unverified_header(token)
    assert header.get("alg") == "RS256", f"token alg is {header.get('alg')!r}, expected RS256"
    assert header.get("kid"), f"token header has no kid: {header}"
    key_set = jwks(dev, tenant)
    matching = [k for k in key_set.get("keys", []) if k.get("kid") == header["kid"]]
    assert len(matching) == 1, f"kid {header['kid']!r} not (uniquely) in the JWKS {key_set}"
    key = jwt.PyJWK.from_dict(matching[0], algorithm="RS256")
    return jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=dev.issuer(tenant),
        options={"require": ["exp", "iat", "aud", "iss"]},
        leeway=60,
    )


def assert_app_token(
    dev: Dev,
    token: str,
    *,
    client_id: str | None = None,
    tenant: str | None = None,
    audience: str = GRAPH_AUDIENCE,
    roles: Iterable[str] | None = ALL_PERMISSIONS,
) -> dict[str, Any]:
    """Checks an app-only token the way a resource server would, and returns its claims."""
    claims = verify_token(dev, token, audience, tenant)
    client_id = client_id or dev.client_id
    tenant = tenant or dev.tenant_id
    assert claims["tid"] == tenant, claims
    assert claims["appid"] == client_id, claims
    assert claims["azp"] == client_id, claims
    now = time.time()
    assert claims["exp"] > now + 60, f"token expires too soon: exp={claims['exp']} now={now}"
    assert claims["iat"] <= now + 60, claims
    if roles is not None:
        assert set(claims.get("roles", [])) == set(roles), f"roles {claims.get('roles')} != {sorted(roles)}"
    return claims


def tamper(token: str) -> str:
    """The same token with one claim changed and the original signature."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = sorted(ALL_PERMISSIONS) + ["Directory.ReadWrite.All"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"


# --- clients under test, configured only from dev.json -------------------------------------------------


def msal_app(
    dev: Dev,
    *,
    client_id: str | None = None,
    secret: str | None = None,
    tenant: str | None = None,
    **kwargs: Any,
) -> msal.ConfidentialClientApplication:
    options: dict[str, Any] = {"instance_discovery": False, "verify": dev.ca, "timeout": HTTP_TIMEOUT}
    options.update(kwargs)
    if "oidc_authority" not in options:
        options["authority"] = dev.authority(tenant)
    return msal.ConfidentialClientApplication(
        client_id or dev.client_id,
        client_credential=secret if secret is not None else dev.client_secret,
        **options,
    )


def msal_token(dev: Dev, scope: str = GRAPH_SCOPE, **kwargs: Any) -> dict[str, Any]:
    return msal_app(dev, **kwargs).acquire_token_for_client(scopes=[scope])


def graph_token(dev: Dev, **kwargs: Any) -> str:
    result = msal_token(dev, **kwargs)
    assert "access_token" in result, f"no token: {result}"
    return result["access_token"]


def raw_token_request(
    dev: Dev, *, client_id: str, secret: str, tenant: str | None = None, scope: str = GRAPH_SCOPE,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    return dev.session().post(
        dev.token_endpoint(tenant),
        data={"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials", "scope": scope},
        headers=headers or {},
        timeout=HTTP_TIMEOUT,
    )


def assert_oauth_error(body: dict[str, Any], code: int, error: str | None = None) -> None:
    """Entra's token error body: error, error_description led by AADSTSnnnn, error_codes, ids, timestamp."""
    assert body.get("error_codes") == [code], f"expected error_codes [{code}], got {body}"
    if error is not None:
        assert body.get("error") == error, f"expected error {error!r}, got {body}"
    assert str(body.get("error_description", "")).startswith(f"AADSTS{code}:"), body
    for key in ("timestamp", "trace_id", "correlation_id"):
        assert body.get(key), f"error body lacks {key}: {body}"
    uuid.UUID(body["trace_id"])
    uuid.UUID(body["correlation_id"])


def resource_accounts(dev: Dev, token: str | None, app_id: str | None = None) -> requests.Response:
    headers = {"client-request-id": str(uuid.uuid4())}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    params = {"$filter": f"appId eq '{app_id}'"} if app_id else None
    return dev.session().get(
        f"{dev.raw['graphBetaUrl']}/admin/teams/resourceAccounts", params=params, headers=headers,
        timeout=HTTP_TIMEOUT,
    )


def assert_graph_error(response: requests.Response, status: int) -> dict[str, Any]:
    """The Graph error envelope: {"error": {"code", "message", "innerError": {"request-id", "date"}}}."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text[:500]}"
    body = response.json()
    error = body.get("error")
    assert isinstance(error, dict), f"not a Graph error envelope: {body}"
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body
    inner = error.get("innerError")
    assert isinstance(inner, dict), f"no innerError: {body}"
    assert inner.get("request-id"), f"innerError lacks request-id: {body}"
    assert inner.get("date"), f"innerError lacks date: {body}"
    assert response.headers.get("request-id") == inner["request-id"], (dict(response.headers), body)
    sent = response.request.headers.get("client-request-id")
    if sent:
        assert response.headers.get("client-request-id") == sent, dict(response.headers)
        assert inner.get("client-request-id") == sent, body
    return error


def assert_seeded_account(dev: Dev, accounts: list[dict[str, Any]]) -> dict[str, Any]:
    """The seeded Graph bot resource account is in `accounts`, with its number and no ACS binding; the
    CCaaS account (+14255550200) is there too, bound to the dev ACS resource."""
    seeded = dev.resource_account
    found = [a for a in accounts if a.get("id") == seeded["id"]]
    assert len(found) == 1, f"seeded account {seeded['id']} not (once) in {accounts}"
    account = found[0]
    assert account["phoneNumber"] == f"tel:{SEEDED_NUMBER}", account
    assert account["appId"] == dev.client_id, account
    assert account["userPrincipalName"] == seeded["userPrincipalName"], account
    assert account["displayName"] == seeded["displayName"], account
    assert account.get("acsResourceId") is None, account
    ccaas = [a for a in accounts if a.get("phoneNumber") == f"tel:{CCAAS_NUMBER}"]
    assert len(ccaas) == 1, f"the CCaaS account is not (once) in {accounts}"
    assert ccaas[0]["acsResourceId"] == dev["acs"]["resourceId"], ccaas[0]
    return account


# --- the platform admin API (/ringside/v1) ---------------------------------------------------------------


def _pick(body: dict[str, Any], *names: str) -> Any:
    for name in names:
        if body.get(name):
            return body[name]
    raise AssertionError(f"none of {names} in {body}")


@dataclass
class App:
    app_id: str
    tenant: str
    secret: str
    body: dict[str, Any] = field(default_factory=dict)


class Admin:
    """Bearer-adminToken client for /ringside/v1 (field names per /ringside/v1/openapi.json)."""

    def __init__(self, dev: Dev):
        self.dev = dev
        self.base = f"{dev.url}/ringside/v1"
        self.http = dev.session()
        self.http.headers["Authorization"] = f"Bearer {dev['adminToken']}"

    def call(self, method: str, path: str, body: Any = None, expect: Iterable[int] = (200, 201, 204)) -> Any:
        r = self.http.request(method, f"{self.base}{path}", json=body, timeout=HTTP_TIMEOUT)
        assert r.status_code in tuple(expect), f"{method} /ringside/v1{path} {body!r} -> {r.status_code} {r.text[:800]}"
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else None

    def heard_peak(self, call: str, leg: str, timeout: float = 25.0) -> int:
        """Waits for a simulated endpoint's recording (dialled with `"record": true`) and returns its
        peak sample magnitude."""
        import io
        import wave

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.http.get(f"{self.base}/calls/{call}/legs/{leg}/recording", timeout=10)
            if r.status_code == 200:
                with wave.open(io.BytesIO(r.content)) as w:
                    samples = memoryview(w.readframes(w.getnframes())).cast("h")
                return max((abs(s) for s in samples), default=0)
            time.sleep(0.2)
        raise AssertionError(f"no recording of leg {leg} within {timeout} s")

    def create_tenant(self, label: str) -> str:
        suffix = uuid.uuid4().hex[:8]
        body = self.call("POST", "/tenants", {"displayName": f"Interop {label} {suffix}", "domain": f"{label}-{suffix}.interop.test"})
        return _pick(body, "tenantId", "id")

    def create_app(self, label: str, permissions: Iterable[str], tenant: str | None = None) -> str:
        body = self.call(
            "POST",
            "/applications",
            {
                "displayName": f"Interop {label} {uuid.uuid4().hex[:8]}",
                "homeTenantId": tenant or self.dev.tenant_id,
                "requestedPermissions": sorted(permissions),
                "redirectUris": ["https://localhost/interop/consent"],
            },
        )
        return _pick(body, "appId", "clientId", "id")

    def add_secret(self, app_id: str, expires_in_days: int = 30, expect: Iterable[int] = (200, 201)) -> Any:
        return self.call(
            "POST", f"/applications/{app_id}/secrets",
            {"displayName": "interop", "expiresInDays": expires_in_days}, expect=expect,
        )

    def new_secret(self, app_id: str, expires_in_days: int = 30) -> str:
        return _pick(self.add_secret(app_id, expires_in_days), "secretText")

    def set_permissions(self, app_id: str, permissions: Iterable[str]) -> None:
        self.call("PATCH", f"/applications/{app_id}", {"requestedPermissions": sorted(permissions)})

    def grant_consent(self, tenant: str, app_id: str) -> None:
        self.call("PUT", f"/tenants/{tenant}/consents/{app_id}", {})

    def revoke_consent(self, tenant: str, app_id: str) -> None:
        self.call("DELETE", f"/tenants/{tenant}/consents/{app_id}")

    def app(self, label: str, permissions: Iterable[str], *, tenant: str | None = None, consent: bool = True) -> App:
        tenant = tenant or self.dev.tenant_id
        app_id = self.create_app(label, permissions, tenant)
        secret = self.new_secret(app_id)
        if consent:
            self.grant_consent(tenant, app_id)
        return App(app_id=app_id, tenant=tenant, secret=secret)
