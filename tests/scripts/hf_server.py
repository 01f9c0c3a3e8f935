"""A real HTTP server on 127.0.0.1 speaking the part of the Hugging Face hub API asteroid uses.

Supports: ``POST /api/repos/create``, ``POST /api/models/<repo>/preupload/<rev>``
(every file is uploaded as a regular, base64 file), ``POST /api/validate-yaml``, ``POST
/api/models/<repo>/commit/<rev>`` (NDJSON), and ``HEAD``/``GET
/<repo>/resolve/<rev>/<path>`` for downloads. Repositories live in memory.
"""

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HubState:
    def __init__(self):
        self.repos = {}  # repo_id -> {"files": {path: bytes}, "commits": [sha, ...]}
        self.requests = []
        self.lock = threading.Lock()


def _handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status, body=None, headers=None, raw=None, head=False):
            data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type",
                "application/octet-stream" if raw is not None else "application/json",
            )
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_POST(self):
            path = self.path.split("?")[0]
            body = self._body()
            with state.lock:
                state.requests.append(("POST", path))
                if path == "/api/repos/create":
                    req = json.loads(body)
                    repo_id = (
                        f"{req['organization']}/{req['name']}"
                        if req.get("organization")
                        else req["name"]
                    )
                    if "/" not in repo_id:
                        repo_id = f"user/{repo_id}"
                    if repo_id in state.repos:
                        return self._send(
                            409,
                            {
                                "error": "You already created this model repo",
                                "url": f"{self.server.endpoint}/{repo_id}",
                            },
                        )
                    state.repos[repo_id] = {"files": {}, "commits": ["0" * 40]}
                    return self._send(
                        200, {"url": f"{self.server.endpoint}/{repo_id}", "name": repo_id}
                    )
                if path == "/api/validate-yaml":
                    # Model-card metadata check done by the client before committing a README.
                    return self._send(200, {"errors": [], "warnings": []})
                m = re.fullmatch(r"/api/models/([^/]+/[^/]+)/(preupload|commit)/([^/]+)", path)
                if not m or m.group(1) not in state.repos:
                    return self._send(404, {"error": "Repository not found"})
                repo = state.repos[m.group(1)]
                if m.group(2) == "preupload":
                    files = json.loads(body)["files"]
                    return self._send(
                        200,
                        {
                            "files": [
                                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                for f in files
                            ]
                        },
                    )
                for line in body.splitlines():
                    item = json.loads(line)
                    if item["key"] == "file":
                        value = item["value"]
                        repo["files"][value["path"]] = base64.b64decode(value["content"])
                    elif item["key"] != "header":
                        return self._send(400, {"error": f"unsupported commit item {item['key']}"})
                sha = hashlib.sha1(body).hexdigest()
                repo["commits"].append(sha)
                return self._send(
                    200,
                    {
                        "commitUrl": f"{self.server.endpoint}/{m.group(1)}/commit/{sha}",
                        "commitOid": sha,
                        "success": True,
                    },
                )

        def _resolve(self, head):
            path = self.path.split("?")[0]
            with state.lock:
                state.requests.append(("HEAD" if head else "GET", path))
                m = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
                repo = state.repos.get(m.group(1)) if m else None
                if repo is None:
                    return self._send(
                        404,
                        {"error": "Repository not found"},
                        headers={"X-Error-Code": "RepoNotFound"},
                        head=head,
                    )
                content = repo["files"].get(m.group(3))
                if content is None:
                    return self._send(
                        404,
                        {"error": "Entry not found"},
                        headers={"X-Error-Code": "EntryNotFound"},
                        head=head,
                    )
                etag = hashlib.sha256(content).hexdigest()
                headers = {"ETag": f'"{etag}"', "X-Repo-Commit": repo["commits"][-1]}
                return self._send(200, raw=content, headers=headers, head=head)

        def do_HEAD(self):
            self._resolve(head=True)

        def do_GET(self):
            self._resolve(head=False)

    return Handler


def start_server():
    """Start the server in a thread; returns ``(server, state, endpoint)``."""
    state = HubState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state, server.endpoint
