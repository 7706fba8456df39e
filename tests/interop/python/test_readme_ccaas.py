"""The README's CCaaS service (examples/python/ccaas_service.py), run as written with the official Call
Automation SDK: a simulated PSTN phone dials the dev CCaaS resource account, the service gets IncomingCall
through its Event Grid subscription, answers and plays its prompt, and the phone hears it."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile

from test_readme_bot import _prompt

SERVICE = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python" / "ccaas_service.py"


def test_the_readme_ccaas_service_answers_a_pstn_call_and_plays_its_prompt(dev, admin):
    with tempfile.TemporaryDirectory() as tmp:
        prompt = pathlib.Path(tmp) / "hello.wav"
        _prompt(prompt)
        service = subprocess.Popen(
            [sys.executable, str(SERVICE), str(dev.path), str(prompt)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            assert service.stdout is not None
            line = service.stdout.readline().decode(errors="replace")
            assert line.strip() == "ready", line + service.stdout.read().decode(errors="replace")
            dialled = admin.call("POST", "/phones/%2B14255550185/calls", {"to": "+14255550200", "record": True, "hangupAfter": "4s"})
            call, leg = dialled["callId"], dialled["legId"]
            assert admin.heard_peak(call, leg) > 3_000, "the caller heard the service's prompt"
        finally:
            service.terminate()
            service.wait(timeout=10)
            admin.call(
                "DELETE", f"/acsResources/{dev['acs']['resourceId']}/eventSubscriptions/ccaas-example", expect=(200, 204, 404)
            )
