"""Schemathesis hooks for the Ringside schema runs (tests/schema/run.sh).

Fuzzed request bodies for `POST /communications/calls` almost never describe a call the platform can place
(a real target, an https callback), so the stateful phase would never follow the document's links into a
live call. These hooks mix a few valid seed bodies, built from the dev tenant in `$RINGSIDE_DEV_JSON`, into
the generated bodies of the operations that create or act on calls; everything else stays generated.
"""

import json
import os

import schemathesis
import schemathesis.specs.openapi.stateful as stateful
from hypothesis import strategies as st

_DEV = json.load(open(os.environ["RINGSIDE_DEV_JSON"], encoding="utf-8"))
# Nothing listens there: notifications are queued and retried, which is what a bot that is down gets.
_CALLBACK = "https://127.0.0.1:9/callback"
_USERS = [u["id"] for u in _DEV["users"]]


def _user(uid):
    return {"identity": {"user": {"id": uid}}}


def _create_call_seeds():
    base = {
        "@odata.type": "#microsoft.graph.call",
        "callbackUri": _CALLBACK,
        "requestedModalities": ["audio"],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
        "tenantId": _DEV["tenantId"],
    }
    peer = dict(base, targets=[_user(_USERS[0])])
    group = dict(base, targets=[_user(u) for u in _USERS[:2]])
    return [peer, group]


def _prompt():
    return {
        "@odata.type": "#microsoft.graph.mediaPrompt",
        "mediaInfo": {"uri": f"{_DEV['url']}/ringside/v1/media/missing.wav", "resourceId": "seed"},
    }


_SEEDS = {
    ("POST", "/communications/calls"): _create_call_seeds(),
    ("POST", "/communications/calls/{callId}/playPrompt"): [{"clientContext": "seed", "prompts": [_prompt()]}],
    ("POST", "/communications/calls/{callId}/subscribeToTone"): [{"clientContext": "seed"}],
    ("POST", "/communications/calls/{callId}/mute"): [{"clientContext": "seed"}],
    ("POST", "/communications/calls/{callId}/unmute"): [{"clientContext": "seed"}],
    ("POST", "/communications/calls/{callId}/keepAlive"): [{}],
    ("POST", "/communications/calls/{callId}/participants/invite"): [
        {"clientContext": "seed", "participants": [_user(_USERS[-1])]}
    ],
}


@schemathesis.hook
def before_generate_body(context, strategy):
    """Adds the operation's seed bodies, if it has any, as an alternative to the generated ones."""
    op = context.operation
    seeds = _SEEDS.get((op.method.upper(), op.path)) if op is not None else None
    if not seeds:
        return strategy
    return st.one_of(strategy, st.sampled_from(seeds).map(lambda body: json.loads(json.dumps(body))))


# Schemathesis starts stateful scenarios only at operations it expects to succeed with generated data. Its
# dependency inference reads the create-call body's `tenantId` fields as references to a `Tenant` resource
# that no Graph operation produces, so `POST /communications/calls` would never start a scenario and no link
# into a call would ever be followed. The operations seeded above do succeed: count them as entry points.
_likely_root = stateful.is_likely_root_transition


def _seeded_or_likely_root(operation, node, produced_anywhere):
    if (operation.method.upper(), operation.path) == ("POST", "/communications/calls"):
        return True
    return _likely_root(operation, node, produced_anywhere)


stateful.is_likely_root_transition = _seeded_or_likely_root
