"""A real HTTP server on 127.0.0.1 that speaks the part of Zenodo's deposit API asteroid uses.

State is kept in memory; every request is recorded so that tests can check
what arrived. ``fail_next[(method, kind)] = status`` makes the next matching
request fail with that status.
"""

import email.parser
import email.policy
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "test-token"


class ZenodoState:
    def __init__(self):
        self.depositions = {}
        self.next_id = 1000
        self.next_file_id = 1
        self.requests = []
        self.fail_next = {}
        self.lock = threading.Lock()


def _handler(state):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body=None):
            data = json.dumps(body if body is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if status != 204:
                self.wfile.write(data)

        def _route(self, method):
            path = self.path.split("?")[0]
            m = re.fullmatch(
                r"/api/deposit/depositions(?:/(\d+))?(?:/(files|actions/publish))?(?:/(\d+))?", path
            )
            if not m:
                return self._send(404, {"message": "Not found", "status": 404})
            dep_id, sub, file_id = m.group(1), m.group(2), m.group(3)
            kind = sub or ("deposition" if dep_id else "depositions")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            with state.lock:
                state.requests.append((method, path, kind))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(401, {"message": "Invalid access token", "status": 401})
                fail = state.fail_next.pop((method, kind), None)
                if fail:
                    return self._send(fail, {"message": "Injected failure", "status": fail})
                return self._dispatch(method, kind, dep_id, file_id, raw)

        def _dispatch(self, method, kind, dep_id, file_id, raw):
            if kind == "depositions" and method == "POST":
                dep_id = state.next_id
                state.next_id += 1
                dep = {
                    "id": dep_id,
                    "metadata": {},
                    "files": [],
                    "submitted": False,
                    "state": "unsubmitted",
                }
                dep["links"] = {"html": f"http://127.0.0.1/deposit/{dep_id}"}
                state.depositions[dep_id] = dep
                return self._send(201, _public_dep(dep))
            dep = state.depositions.get(int(dep_id)) if dep_id else None
            if dep is None:
                return self._send(404, {"message": "PID does not exist.", "status": 404})
            if kind == "deposition" and method == "GET":
                return self._send(200, _public_dep(dep))
            if kind == "deposition" and method == "PUT":
                if dep["submitted"]:
                    return self._send(400, {"message": "Deposition is published", "status": 400})
                body = json.loads(raw or b"{}")
                if "metadata" not in body:
                    return self._send(400, {"message": "metadata missing", "status": 400})
                dep["metadata"] = body["metadata"]
                return self._send(200, _public_dep(dep))
            if kind == "deposition" and method == "DELETE":
                del state.depositions[dep["id"]]
                return self._send(204)
            if kind == "files" and method == "GET":
                return self._send(200, [_public(f) for f in dep["files"]])
            if kind == "files" and method == "POST":
                fields = _parse_multipart(self.headers["Content-Type"], raw)
                content = fields["file"]
                entry = {
                    "id": str(state.next_file_id),
                    "filename": fields["name"].decode(),
                    "filesize": len(content),
                    "checksum": hashlib.md5(content).hexdigest(),
                    "content": content,
                }
                state.next_file_id += 1
                dep["files"].append(entry)
                return self._send(201, _public(entry))
            if kind == "files" and method == "DELETE":
                dep["files"] = [f for f in dep["files"] if f["id"] != file_id]
                return self._send(204)
            if kind == "actions/publish" and method == "POST":
                if not dep["metadata"].get("title") or not dep["files"]:
                    return self._send(400, {"message": "Validation error", "status": 400})
                dep["submitted"] = True
                dep["state"] = "done"
                return self._send(202, _public_dep(dep))
            return self._send(405, {"message": "Method not allowed", "status": 405})

        def do_GET(self):
            self._route("GET")

        def do_POST(self):
            self._route("POST")

        def do_PUT(self):
            self._route("PUT")

        def do_DELETE(self):
            self._route("DELETE")

    return Handler


def _parse_multipart(content_type, raw):
    """``{field name: bytes}`` of a multipart/form-data body."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    return {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
        for part in msg.iter_parts()
    }


def _public(entry):
    return {k: v for k, v in entry.items() if k != "content"}


def _public_dep(dep):
    return {**dep, "files": [_public(f) for f in dep["files"]]}


def start_server():
    """Start the server in a thread; returns ``(server, state, base_url)``."""
    state = ZenodoState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, state, f"http://127.0.0.1:{server.server_address[1]}"
