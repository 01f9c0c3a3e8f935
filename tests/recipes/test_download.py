"""egs/utils/download.py against a real HTTP server on 127.0.0.1.

The server honours ``Range`` requests (206 responses) and can be told to cut its first
transfer midway (headers announce the whole file, the connection closes after half of it),
or to ignore ``Range``. Every request is recorded, so that the tests see what the downloader
asked for.
"""

import hashlib
import http.server
import io
import os
import pathlib
import random
import subprocess
import sys
import tarfile
import threading

import pytest

DOWNLOAD = pathlib.Path(__file__).resolve().parents[2] / "egs" / "utils" / "download.py"
PAYLOAD = bytes(range(256)) * 1200  # 300 kB


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files = files  # path -> bytes
        self.requests = []  # (path, Range header or None)
        self.cut_next = 0  # number of transfers to cut midway
        self.honour_range = True


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        range_header = self.headers.get("Range")
        srv.requests.append((self.path, range_header))
        if self.path not in srv.files:
            self.send_error(404)
            return
        data = srv.files[self.path]
        start = 0
        if range_header and srv.honour_range:
            start = int(range_header.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if srv.cut_next:
            srv.cut_next -= 1
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # the peer sees the connection drop midway
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("corpus/readme.txt")
        content = b"a tiny corpus\n"
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    md5 = hashlib.md5(PAYLOAD).hexdigest()
    srv = Server(
        {
            "/data.bin": PAYLOAD,
            "/corpus.tar.gz": tar_buffer.getvalue(),
            "/md5sum.txt": f"{md5}  data.bin\n{'0' * 32}  other.bin\n".encode(),
        }
    )
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


def download(*args):
    return subprocess.run(
        [sys.executable, str(DOWNLOAD), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_download_completes_and_checks_md5(server, tmp_path):
    out = tmp_path / "data.bin"
    proc = download(
        f"{server.url}/data.bin", "--out", out, "--md5", hashlib.md5(PAYLOAD).hexdigest()
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == PAYLOAD
    assert "md5 checksum verified" in proc.stdout
    assert not (tmp_path / "data.bin.part").exists()


def test_interrupted_download_resumes_on_the_next_run(server, tmp_path):
    out = tmp_path / "data.bin"
    server.cut_next = 1
    first = download(f"{server.url}/data.bin", "--out", out, "--retries", "0")
    assert first.returncode == 1
    assert "incomplete" in first.stderr and "run again to resume" in first.stderr
    part = tmp_path / "data.bin.part"
    kept = part.stat().st_size
    assert 0 < kept < len(PAYLOAD) and not out.exists()
    assert part.read_bytes() == PAYLOAD[:kept]

    second = download(
        f"{server.url}/data.bin", "--out", out, "--sha256", hashlib.sha256(PAYLOAD).hexdigest()
    )
    assert second.returncode == 0, second.stderr
    assert out.read_bytes() == PAYLOAD
    assert server.requests[-1] == ("/data.bin", f"bytes={kept}-")  # only the rest was asked for


def test_interruption_is_resumed_within_one_run(server, tmp_path):
    out = tmp_path / "data.bin"
    server.cut_next = 2
    proc = download(f"{server.url}/data.bin", "--out", out, "--retries", "3", "--wait", "0")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == PAYLOAD
    ranges = [r for path, r in server.requests if path == "/data.bin"]
    assert ranges[0] is None and all(r.startswith("bytes=") for r in ranges[1:])
    assert len(ranges) == 3


def test_checksum_mismatch_is_refused(server, tmp_path):
    out = tmp_path / "data.bin"
    wrong = "0123456789abcdef0123456789abcdef"
    proc = download(f"{server.url}/data.bin", "--out", out, "--md5", wrong)
    assert proc.returncode == 1
    assert "Checksum mismatch" in proc.stderr
    assert wrong in proc.stderr and hashlib.md5(PAYLOAD).hexdigest() in proc.stderr
    assert not out.exists() and not (tmp_path / "data.bin.part").exists()


def test_checksum_from_a_published_list(server, tmp_path):
    out = tmp_path / "data.bin"
    proc = download(
        f"{server.url}/data.bin", "--out", out, "--md5_list", f"{server.url}/md5sum.txt"
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == PAYLOAD


def test_complete_file_is_not_downloaded_again(server, tmp_path):
    out = tmp_path / "data.bin"
    assert download(f"{server.url}/data.bin", "--out", out).returncode == 0
    n_requests = len(server.requests)
    proc = download(
        f"{server.url}/data.bin", "--out", out, "--md5", hashlib.md5(PAYLOAD).hexdigest()
    )
    assert proc.returncode == 0 and "already downloaded" in proc.stdout
    assert len(server.requests) == n_requests


def test_server_without_range_support_restarts_the_file(server, tmp_path):
    out = tmp_path / "data.bin"
    (tmp_path / "data.bin.part").write_bytes(b"stale bytes")
    server.honour_range = False
    proc = download(f"{server.url}/data.bin", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "from the start" in proc.stdout
    assert out.read_bytes() == PAYLOAD


def test_archive_is_extracted_once(server, tmp_path):
    out = tmp_path / "downloads" / "corpus.tar.gz"
    dest = tmp_path / "storage"
    proc = download(f"{server.url}/corpus.tar.gz", "--out", out, "--extract_to", dest)
    assert proc.returncode == 0, proc.stderr
    assert (dest / "corpus" / "readme.txt").read_bytes() == b"a tiny corpus\n"
    again = download(f"{server.url}/corpus.tar.gz", "--out", out, "--extract_to", dest)
    assert "already extracted" in again.stdout


def test_http_error_is_reported(server, tmp_path):
    proc = download(
        f"{server.url}/missing.bin", "--out", tmp_path / "missing.bin", "--retries", "0"
    )
    assert proc.returncode == 1
    assert "404" in proc.stderr
    assert not os.path.exists(tmp_path / "missing.bin")


def _tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_recipe_download_stage_resumes_and_extracts(server, egs_copy, tmp_path):
    """FUSS's stage 0, pointed at the local server, through a cut transfer."""
    noise = random.Random(0).randbytes(300_000)  # incompressible: the archive stays large
    archive = _tar_gz({"ssdata_reverb/train_example_list.txt": b"x\n", "ssdata_reverb/pad": noise})
    server.files["/FUSS_ssdata_reverb.tar.gz"] = archive
    server.cut_next = 1
    storage = tmp_path / "fuss"
    proc = subprocess.run(
        [
            "bash",
            "run.sh",
            "--stage",
            "0",
            "--stop_stage",
            "0",
            "--storage_dir",
            str(storage),
            "--fuss_url",
            server.url,
        ],
        cwd=egs_copy / "fuss" / "baseline",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        storage / "fuss_dev" / "ssdata_reverb" / "train_example_list.txt"
    ).read_bytes() == b"x\n"
    ranges = [r for path, r in server.requests if path == "/FUSS_ssdata_reverb.tar.gz"]
    assert ranges[0] is None and ranges[1].startswith("bytes=")  # resumed


def test_recipe_download_stage_refuses_a_wrong_checksum(server, egs_copy, tmp_path):
    """DeMask's stage 0 checks LibriSpeech against its published MD5: a fake archive is refused."""
    server.files["/train-clean-360.tar.gz"] = _tar_gz({"LibriSpeech/README.TXT": b"fake"})
    storage = tmp_path / "demask"
    proc = subprocess.run(
        [
            "bash",
            "run.sh",
            "--stage",
            "0",
            "--stop_stage",
            "0",
            "--storage_dir",
            str(storage),
            "--librispeech_url",
            server.url,
        ],
        cwd=egs_copy / "demask",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "Checksum mismatch" in proc.stderr and "c0e676e450a7ff2f54aeade5171606fa" in proc.stderr
    assert not (storage / "LibriSpeech").exists()
    assert not list((storage / "downloads").glob("train-clean-360.tar.gz*"))
