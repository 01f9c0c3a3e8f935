"""``cached_download`` against real HTTP servers on 127.0.0.1 (plain files and a Hugging Face-like hub)."""

import hashlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch

from asteroid.utils import hub_utils
from asteroid.utils.hub_utils import DownloadError, cached_download, url_to_filename

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMIT = "0123456789abcdef0123456789abcdef01234567"
HF_PATH = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._serve(send_body=True)

    def do_HEAD(self):
        self._serve(send_body=False)

    def _serve(self, send_body):
        server = self.server
        path = self.path.split("?")[0]
        server.hits[(self.command, path)] += 1
        hf = HF_PATH.match(path)
        if hf:
            data = server.hf_repos.get(hf["repo"], {}).get(hf["file"])
            if data is None:
                return self._reply(
                    404, b"Entry not found", send_body, {"X-Error-Code": "EntryNotFound"}
                )
            headers = {
                "X-Repo-Commit": COMMIT,
                "ETag": '"' + hashlib.sha256(data).hexdigest() + '"',
            }
            return self._reply(200, data, send_body, headers)
        if path.startswith("/truncated/"):
            data = server.files["/model.pth"]
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if send_body:
                self.wfile.write(data[: len(data) // 3])
                self.wfile.flush()
            self.close_connection = True
            return None
        if path.startswith("/slow/"):
            data = server.files["/model.pth"]
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            step = max(1, len(data) // 50)
            try:
                for start in range(0, len(data), step):
                    self.wfile.write(data[start : start + step])
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):  # the client was killed midway
                self.close_connection = True
            return None
        data = server.files.get(path)
        if data is None:
            return self._reply(404, b"not found", send_body)
        return self._reply(200, data, send_body)

    def _reply(self, status, data, send_body, headers=None):
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.files = {}
    httpd.hf_repos = {}
    httpd.hits = Counter()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("ASTEROID_CACHE", str(cache_dir))
    return cache_dir


def _files_in(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _model_bytes(tmp_path):
    from asteroid.models import ConvTasNet

    torch.manual_seed(0)
    model = ConvTasNet(2, n_blocks=2, n_repeats=1, bn_chan=8, hid_chan=8, skip_chan=8, n_filters=16)
    path = tmp_path / "served.pth"
    torch.save(model.serialize(), path)
    return model, path.read_bytes()


def test_url_to_filename_is_sha256():
    url = "https://example.org/model.pth"
    assert url_to_filename(url) == hashlib.sha256(url.encode()).hexdigest()


def test_cache_dir_read_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setenv("ASTEROID_CACHE", str(tmp_path / "a"))
    assert hub_utils.get_cache_dir() == str(tmp_path / "a")
    monkeypatch.setenv("ASTEROID_CACHE", str(tmp_path / "b"))
    assert hub_utils.get_cache_dir() == str(tmp_path / "b")
    assert (tmp_path / "b").is_dir()


def test_sample_rates_of_the_zoo():
    assert set(hub_utils.SR_HASHTABLE) == set(hub_utils.MODELS_URLS_HASHTABLE)
    assert hub_utils.SR_HASHTABLE["popcornell/DeMask_Surgical_mask_speech_enhancement_v1"] == 16000
    assert hub_utils.SR_HASHTABLE["r-sawata/XUMX_MUSDB18_music_separation"] == 44100
    assert hub_utils.SR_HASHTABLE["r-sawata/XUMXL_MUSDB18_music_separation"] == 44100
    assert hub_utils.SR_HASHTABLE["mpariente/ConvTasNet_WHAM!_sepclean"] == 8000


def test_local_file_and_hf_style_folder(tmp_path):
    model_file = tmp_path / "model.pth"
    model_file.write_bytes(b"x")
    assert cached_download(str(model_file)) == str(model_file)
    assert cached_download(model_file) == str(model_file)  # os.PathLike
    repo = tmp_path / "my_repo"
    repo.mkdir()
    with pytest.raises(FileNotFoundError, match="pytorch_model.bin"):
        cached_download(str(repo))
    (repo / "pytorch_model.bin").write_bytes(b"y")
    assert cached_download(str(repo)) == str(repo / "pytorch_model.bin")


def test_unresolvable_name(cache):
    with pytest.raises(FileNotFoundError, match="Hugging Face repo id"):
        cached_download("not a model: nor a path")


def test_download_once_then_cache(server, cache, capsys):
    server.files["/model.pth"] = b"0123456789" * 1000
    url = server.url + "/model.pth"
    path = cached_download(url)
    assert path == os.path.join(str(cache), url_to_filename(url), "model.pth")
    with open(path, "rb") as fh:
        assert fh.read() == server.files["/model.pth"]
    assert server.hits[("GET", "/model.pth")] == 1
    assert cached_download(url) == path
    assert server.hits[("GET", "/model.pth")] == 1  # the second call used the cache
    assert "Using cached model" in capsys.readouterr().out
    assert _files_in(cache) == [os.path.join(url_to_filename(url), "model.pth")]


def test_404_is_a_clear_error(server, cache):
    url = server.url + "/nothing_here.pth"
    with pytest.raises(DownloadError, match=r"nothing_here\.pth.*HTTP status 404"):
        cached_download(url)
    assert _files_in(cache) == []


def test_interrupted_download_leaves_no_file(server, cache):
    server.files["/model.pth"] = os.urandom(300_000)
    url = server.url + "/truncated/model.pth"
    with pytest.raises(DownloadError, match="interrupted"):
        cached_download(url)
    assert _files_in(cache) == []
    # A later call downloads again rather than trusting a partial file.
    with pytest.raises(DownloadError):
        cached_download(url)
    assert server.hits[("GET", "/truncated/model.pth")] == 2


def test_download_killed_by_ctrl_c_leaves_no_file(server, cache):
    server.files["/model.pth"] = os.urandom(200_000)
    url = server.url + "/slow/model.pth"
    script = f"from asteroid.utils.hub_utils import cached_download; cached_download({url!r})"
    env = dict(os.environ, ASTEROID_CACHE=str(cache), PYTHONPATH=REPO_ROOT)
    # pytest-xdist workers ignore SIGINT, and a child that starts with SIGINT ignored keeps
    # ignoring it: give the child the default disposition, as a shell would.
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    folder = cache / url_to_filename(url)
    deadline = time.time() + 60
    while not any(folder.glob(".download-*")) and time.time() < deadline:
        time.sleep(0.05)
    assert any(folder.glob(".download-*")), "the download never started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"KeyboardInterrupt" in err
    assert _files_in(cache) == []


def test_zenodo_short_names_resolve_through_the_cache(cache, monkeypatch):
    # A short name resolves to its URL, and a cached copy of that URL is used as is.
    name = "mpariente/ConvTasNet_WHAM!_sepclean"
    url = hub_utils.MODELS_URLS_HASHTABLE[name]
    assert url == "https://zenodo.org/record/3862942/files/model.pth?download=1"
    cached = cache / url_to_filename(url) / "model.pth"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"cached")
    assert cached_download(name) == str(cached)


def test_from_pretrained_url_downloads_once(server, cache, tmp_path):
    from asteroid.models import BaseModel

    model, data = _model_bytes(tmp_path)
    server.files["/convtasnet.pth"] = data
    url = server.url + "/convtasnet.pth"
    wav = torch.randn(1, 800)
    expected = model.eval()(wav)
    for _ in range(2):
        loaded = BaseModel.from_pretrained(url).eval()
        torch.testing.assert_close(loaded(wav), expected, rtol=0, atol=0)
    assert server.hits[("GET", "/convtasnet.pth")] == 1


def _run(script, env, *args):
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_hugging_face_hub_id_online_then_offline(server, cache, tmp_path):
    model, data = _model_bytes(tmp_path)
    server.hf_repos["someone/tiny-convtasnet"] = {"pytorch_model.bin": data}
    server.hf_repos["someone/empty-repo"] = {"README.md": b"no model here"}
    wav = torch.randn(1, 800)
    torch.save({"wav": wav, "out": model.eval()(wav).detach()}, tmp_path / "io.pt")
    script = f"""
        import sys
        import torch
        from asteroid.models import BaseModel
        from asteroid.utils.hub_utils import cached_download
        io = torch.load({str(tmp_path / "io.pt")!r})
        for name in ["someone/tiny-convtasnet", "someone/tiny-convtasnet@main",
                     "https://huggingface.co/someone/tiny-convtasnet"]:
            path = cached_download(name)
            assert path.startswith({str(cache)!r}), path
            model = BaseModel.from_pretrained(name).eval()
            assert torch.equal(model(io["wav"]), io["out"])
        print("OK", path)
        if sys.argv[1] == "offline":
            raise SystemExit(0)
        try:
            cached_download("someone/empty-repo")
        except Exception as err:  # the hub client's EntryNotFoundError
            assert "pytorch_model.bin" in str(err), err
            print("MISSING OK")
    """
    env = dict(os.environ, ASTEROID_CACHE=str(cache), PYTHONPATH=REPO_ROOT, HF_ENDPOINT=server.url)
    env.pop("HF_HUB_OFFLINE", None)
    online = _run(script, env, "online")
    assert online.returncode == 0, online.stderr
    assert "OK" in online.stdout
    assert "MISSING OK" in online.stdout
    assert server.hits[("GET", "/someone/tiny-convtasnet/resolve/main/pytorch_model.bin")] == 1

    # The hub is gone: the cached copy is used.
    server.shutdown()
    server.server_close()
    offline = _run(script, env, "offline")
    assert offline.returncode == 0, offline.stderr
    # And with the hub client's offline switch.
    offline = _run(script, dict(env, HF_HUB_OFFLINE="1"), "offline")
    assert offline.returncode == 0, offline.stderr


def test_model_list_from_a_hub(server):
    import json

    records = [{"modelId": "someone/ConvTasNet_x", "tags": ["asteroid"]}, {"modelId": "b/DPRNN"}]
    server.files["/api/models"] = json.dumps(records).encode()
    endpoint = server.url + "/"
    assert hub_utils.model_list(endpoint=endpoint, name_only=True) == [
        "someone/ConvTasNet_x",
        "b/DPRNN",
    ]
    assert hub_utils.model_list(endpoint=endpoint) == records
    hub_utils.model_list(endpoint=endpoint)  # cached: no new request
    assert server.hits[("GET", "/api/models")] == 2
