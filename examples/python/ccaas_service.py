"""A CCaaS service on Teams Phone extensibility, with the official Call Automation SDK, against Ringside.

usage: ccaas_service.py .ringside/dev.json prompt.wav — answers every call to the dev CCaaS resource account
(+14255550200) and plays the prompt to the caller. Needs azure-communication-callautomation."""
import http.server, json, sys, threading, requests
from azure.communication.callautomation import CallAutomationClient, FileSource

dev = json.load(open(sys.argv[1])); prompt = open(sys.argv[2], "rb").read(); me = "http://127.0.0.1:8766"
client = CallAutomationClient.from_connection_string(dev["acs"]["connectionString"], connection_verify=dev["caCertPath"])

class Service(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # the prompt, fetched by Ringside
        self.send_response(200); self.send_header("content-length", str(len(prompt))); self.end_headers(); self.wfile.write(prompt)
    def do_POST(self):
        reply = b""
        for event in json.loads(self.rfile.read(int(self.headers["content-length"]))):
            kind = event.get("eventType") or event.get("type")
            if kind == "Microsoft.EventGrid.SubscriptionValidationEvent":  # Event Grid's handshake
                reply = json.dumps({"validationResponse": event["data"]["validationCode"]}).encode()
            elif kind == "Microsoft.Communication.IncomingCall":
                client.answer_call(event["data"]["incomingCallContext"], f"{me}/callbacks")
            elif kind == "Microsoft.Communication.CallConnected":
                client.get_call_connection(event["data"]["callConnectionId"]).play_media(FileSource(url=f"{me}/prompt.wav"))
        self.send_response(200); self.send_header("content-length", str(len(reply))); self.end_headers(); self.wfile.write(reply)
    def log_message(self, *args): pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 8766), Service)
threading.Thread(target=server.serve_forever, daemon=True).start()
# Subscribe to IncomingCall on the dev ACS resource (what an Event Grid subscription does in Azure).
requests.post(f'{dev["url"]}/ringside/v1/acsResources/{dev["acs"]["resourceId"]}/eventSubscriptions', verify=dev["caCertPath"],
              headers={"Authorization": f'Bearer {dev["adminToken"]}'},
              json={"name": "ccaas-example", "endpoint": f"{me}/events", "includedEventTypes": ["Microsoft.Communication.IncomingCall"]})
print("ready", flush=True); threading.Event().wait()
