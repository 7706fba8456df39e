import json, sys, requests, http.server  # usage: answer_bot.py .ringside/dev.json prompt.wav [port] — a Graph bot that answers, plays a prompt, records the caller and prints their keys
d = json.load(open(sys.argv[1])); s = requests.Session(); s.verify, s.trust_env = d["caCertPath"], False; port = int((sys.argv[3:] or [8765])[0]); hook, played = f"http://127.0.0.1:{port}", set()
media = s.post(f'{d["url"]}/ringside/v1/media', data=open(sys.argv[2], "rb"), headers={"Authorization": f'Bearer {d["adminToken"]}'}).json()["id"]
token = s.post(f'{d["url"]}/{d["tenantId"]}/oauth2/v2.0/token', data={"grant_type": "client_credentials", "client_id": d["app"]["clientId"], "client_secret": d["app"]["clientSecret"], "scope": "https://graph.microsoft.com/.default"}).json()["access_token"]
act = lambda call, action, body: s.post(f'{d["graphBaseUrl"]}/communications/calls/{call}/{action}', json=body, headers={"Authorization": f"Bearer {token}"})
class Bot(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["value"][0]; call = n["resourceData"]; self.send_response(202); self.end_headers()
        if n["changeType"] == "created": act(call["id"], "answer", {"callbackUri": hook, "acceptedModalities": ["audio"], "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"}})
        elif isinstance(call, dict) and call.get("toneInfo"): print(call["toneInfo"]["tone"], flush=True)  # subscribeToTone: a key the caller pressed
        elif isinstance(call, dict) and call.get("state") == "established" and call["id"] not in played:
            played.add(call["id"]); act(call["id"], "subscribeToTone", {}); act(call["id"], "playPrompt", {"prompts": [{"@odata.type": "#microsoft.graph.mediaPrompt", "mediaInfo": {"uri": f'{d["url"]}/ringside/v1/media/{media}'}}]})
            act(call["id"], "recordResponse", {"maxRecordDurationInSeconds": 5, "playBeep": False})  # queued after the prompt: 5 s of the caller, on the console's recordings page
http.server.HTTPServer(("127.0.0.1", port), Bot).serve_forever()
