import json, sys, requests, http.server  # usage: answer_bot.py .ringside/dev.json prompt.wav — a Graph bot that answers and plays a prompt
d = json.load(open(sys.argv[1])); s = requests.Session(); s.verify, s.trust_env = d["caCertPath"], False; hook, played = "http://127.0.0.1:8765", set()
media = s.post(f'{d["url"]}/ringside/v1/media', data=open(sys.argv[2], "rb"), headers={"Authorization": f'Bearer {d["adminToken"]}'}).json()["id"]
token = s.post(f'{d["url"]}/{d["tenantId"]}/oauth2/v2.0/token', data={"grant_type": "client_credentials", "client_id": d["app"]["clientId"], "client_secret": d["app"]["clientSecret"], "scope": "https://graph.microsoft.com/.default"}).json()["access_token"]
act = lambda call, action, body: s.post(f'{d["graphBaseUrl"]}/communications/calls/{call}/{action}', json=body, headers={"Authorization": f"Bearer {token}"})
class Bot(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["value"][0]; call = n["resourceData"]; self.send_response(202); self.end_headers()
        if n["changeType"] == "created": act(call["id"], "answer", {"callbackUri": hook, "acceptedModalities": ["audio"], "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"}})
        elif isinstance(call, dict) and call.get("state") == "established" and call["id"] not in played: played.add(call["id"]); act(call["id"], "playPrompt", {"prompts": [{"@odata.type": "#microsoft.graph.mediaPrompt", "mediaInfo": {"uri": f'{d["url"]}/ringside/v1/media/{media}'}}]})
http.server.HTTPServer(("127.0.0.1", 8765), Bot).serve_forever()
