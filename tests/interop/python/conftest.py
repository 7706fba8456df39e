"""Fixtures for the interop tests: the running server's dev.json, raw HTTP, the admin API, token checks.

The server is started by tests/interop/run.sh, which passes RINGSIDE_DEV_JSON. Everything here talks to
127.0.0.1 only, and trusts the server's own CA (dev.json `caCertPath`) explicitly.
"""

from __future__ import annotations

import os

# requests lets these override an explicit `verify=` (official-clients.md §2.2): the clients under test
# must work with the CA passed in code, so the environment must not decide it for them.
for _variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_variable, None)

import pytest

from ringside_interop import Admin, Dev, load_dev


@pytest.fixture(scope="session")
def dev() -> Dev:
    return load_dev()


@pytest.fixture(scope="session")
def admin(dev: Dev) -> Admin:
    return Admin(dev)
