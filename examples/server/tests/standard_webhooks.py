"""The reference server's Standard Webhooks deliveries, verified by the
`standardwebhooks` library from PyPI (run by scripts/test-python.sh with its
venv, after the server is built).

A real server on a loopback port with a real SQLite file; an endpoint added
with `webhook add --format standard`; a block made through the API; the
delivery received by a plain http.server and checked with
standardwebhooks.Webhook(secret).verify, tampered copies refused.
"""
import http.server
import json
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = ROOT / "target" / "debug" / "clickfence-server"
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(db, *args):
    out = subprocess.run([str(BIN), "--db", str(db), *args], check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def main():
    subprocess.run(["cargo", "build", "-q", "-p", "clickfence-server", "--locked"], cwd=ROOT, check=True)
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as work:
        db = pathlib.Path(work) / "standard.db"
        cli(db, "account", "create", "--name", "Receiver", "--plan", "pro")
        cli(db, "site", "create", "--account", "1", "--name", "Shop", "--domain", "shop.example")
        token = cli(db, "token", "create", "--account", "1")
        secret = cli(db, "--allow-private-webhooks", "webhook", "add", "--account", "1", "--url", hook,
                     "--events", "ip.blocked",
                     "--format", "standard")
        assert secret.startswith("whsec_"), secret
        port = free_port()
        server = subprocess.Popen([str(BIN), "--db", str(db), "--listen", f"127.0.0.1:{port}",
                                   "--allow-private-webhooks", "--no-demo"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            subprocess.run([sys.executable, str(ROOT / "scripts" / "wait-http.py"),
                            f"http://127.0.0.1:{port}/healthz"], check=True)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/sites/1/blocked-ips",
                data=json.dumps({"ip_address": "203.0.113.42"}).encode(), method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            assert urllib.request.urlopen(request, timeout=10).status == 201
            for _ in range(200):
                if received:
                    break
                time.sleep(0.05)
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert len(received) == 1, f"{len(received)} deliveries"
    headers, body = received[0]
    payload = Webhook(secret).verify(body, headers)
    assert payload["event"] == "ip.blocked" and payload["data"]["ip_address"] == "203.0.113.42", payload
    for tampered in (dict(headers, **{"webhook-id": headers["webhook-id"] + "0"}),
                     dict(headers, **{"webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)})):
        try:
            Webhook(secret).verify(body, tampered)
            raise AssertionError("a tampered delivery verified")
        except WebhookVerificationError:
            pass
    try:
        Webhook(secret).verify(body + b" ", headers)
        raise AssertionError("a tampered body verified")
    except WebhookVerificationError:
        pass
    print("standard webhooks: the server's delivery verified by standardwebhooks "
          f"(webhook-id {headers['webhook-id']})")


if __name__ == "__main__":
    main()
