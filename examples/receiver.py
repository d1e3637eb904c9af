"""A case system's receiving end for bistandsrobot's decision records (beslut/1): a start for integrators.

    ROBOT_OUTPUT_SECRET=the-shared-secret python3 examples/receiver.py --port 8090 --store received/
    # and for the robot: ROBOT_OUTPUT_URL=http://127.0.0.1:8090/beslut ROBOT_OUTPUT_SECRET=the-shared-secret

Standard library only. It checks `X-Signature` (HMAC-SHA256 of the exact body with the shared
secret) and takes each record once: the robot delivers at least once, so a repeat with a known
`Idempotency-Key` is answered 200 and not taken again (409 if its bytes differ). A new record is stored as
`<store>/<event_id>.json` (written atomically) before the answer: answer 2xx only once the record
is safe, or the robot cannot know to try again. Every request is logged in `<store>/requests.log`.
Replace `take` with the call into your case system, and keep the de-duplication.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

EVENT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_BODY = 1024 * 1024


class Receiver(BaseHTTPRequestHandler):
    secret: bytes
    store: Path
    taking = threading.Lock()
    logging = threading.Lock()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            return self.answer(413, "-", "no body or too large")
        body = self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        if len(body) < length:  # the sender went away mid-request: nothing to take, nobody to answer
            return self.answer(400, key, "incomplete body")
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), self.headers.get("X-Signature", "").encode("latin-1")):
            return self.answer(401, key, "bad signature")
        try:
            record = json.loads(body)
        except ValueError:
            record = {}
        if not EVENT_ID.match(key) or record.get("event_id") != key or record.get("format") != "beslut/1":
            return self.answer(400, key, "not a beslut/1 record under its own key")
        with self.taking:
            known = self.store / f"{key}.json"
            if not known.exists():
                self.take(key, body)
                return self.answer(201, key, "taken")
        if known.read_bytes() != body:  # never happens with the robot: a repeat is the same bytes
            return self.answer(409, key, "same key, another record")
        return self.answer(200, key, "duplicate")

    def take(self, key: str, body: bytes) -> None:
        """Here the record enters the case system. This one keeps it as a file (temporary, fsync, rename)."""
        temporary = self.store / f".{key}.tmp"
        with open(temporary, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self.store / f"{key}.json")

    def answer(self, status: int, key: str, why: str) -> None:
        with self.logging, open(self.store / "requests.log", "a", encoding="utf-8") as log:
            log.write(f"{key} {status} {why}\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # requests.log is the log
        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)  # not the web app's 8080
    parser.add_argument("--store", type=Path, default=Path("received"))
    args = parser.parse_args()
    secret = os.environ.get("ROBOT_OUTPUT_SECRET")
    if not secret:
        raise SystemExit("set ROBOT_OUTPUT_SECRET to the secret shared with the robot")
    args.store.mkdir(parents=True, exist_ok=True)
    Receiver.secret, Receiver.store = secret.encode(), args.store
    server = ThreadingHTTPServer((args.host, args.port), Receiver)
    print(f"receiving beslut/1 on http://{args.host}:{server.server_port}/ into {args.store}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
