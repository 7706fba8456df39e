"""The README's Graph bot (examples/python/answer_bot.py), run as written: a simulated phone dials the
dev resource account, the bot answers and plays its prompt, and the phone hears it."""

from __future__ import annotations

import math
import pathlib
import struct
import subprocess
import sys
import tempfile
import time
import wave

BOT = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python" / "answer_bot.py"


def _prompt(path: pathlib.Path) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(b"".join(struct.pack("<h", int(10_000 * math.sin(2 * math.pi * 440 * i / 16_000))) for i in range(16_000)))


def test_the_readme_bot_answers_and_plays_its_prompt(dev, admin):
    app_path = f"/applications/{dev.client_id}"
    with tempfile.TemporaryDirectory() as tmp:
        prompt = pathlib.Path(tmp) / "hello.wav"
        _prompt(prompt)
        admin.call("PATCH", app_path, {"bot": {"callingWebhookUrl": "http://127.0.0.1:8765"}})
        bot = subprocess.Popen([sys.executable, str(BOT), str(dev.path), str(prompt)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            time.sleep(1.5)  # the bot uploads its prompt, gets a token and starts listening
            assert bot.poll() is None, bot.stdout.read().decode(errors="replace")
            dialled = admin.call("POST", "/phones/%2B14255550197/calls", {"to": "+14255550100", "record": True, "hangupAfter": "3s"})
            call, leg = dialled["callId"], dialled["legId"]
            assert admin.heard_peak(call, leg) > 3_000, "the caller heard the bot's prompt"
        finally:
            bot.terminate()
            bot.wait(timeout=10)
            admin.call("PATCH", app_path, {"bot": {"callingWebhookUrl": None}})
