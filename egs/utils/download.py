#!/usr/bin/env python
"""The recipes' one downloader: resumable HTTP(S) downloads, checksums, extraction.

    python ../../utils/download.py URL --out DIR/file.zip [--md5 HEX | --sha256 HEX |
        --md5_list URL] [--extract_to DIR] [--retries N]

- The transfer goes to ``<out>.part``; an interrupted transfer (connection lost,
  body shorter than announced) is resumed with an HTTP ``Range`` request, by the
  retries of this run or by the next run. A server that ignores ``Range``
  restarts the file from the start.
- The file is checked against ``--md5``/``--sha256``, or against its line in a
  published checksum list (``--md5_list``, lines ``<md5>  <file name>``). A file
  whose checksum differs is refused: it is deleted, nothing is written at
  ``--out``, and the exit status is 1 with a message giving both checksums.
- A complete ``--out`` (right checksum when one is given) is not downloaded again;
  an archive already extracted into ``--extract_to`` (a marker file records it)
  is not extracted again.
- A progress bar shows the transfer (and the extraction).
"""

import argparse
import hashlib
import os
import sys
import tarfile
import time
import zipfile

import requests
from tqdm import tqdm

CHUNK = 1 << 16


class DownloadError(Exception):
    """A download that cannot complete (HTTP error, checksum mismatch, ...)."""


def file_digest(path, algorithm):
    """Hex digest of a file (``algorithm``: ``"md5"`` or ``"sha256"``)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_from_list(list_url, file_name, timeout=30):
    """The MD5 of ``file_name`` in a published ``md5sum``-style list (URL or local file)."""
    if os.path.isfile(list_url):
        with open(list_url) as fh:
            text = fh.read()
    else:
        response = requests.get(list_url, timeout=timeout)
        if response.status_code != 200:
            raise DownloadError(
                f"Cannot read the checksum list {list_url}: HTTP {response.status_code}."
            )
        text = response.text
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and os.path.basename(parts[1].lstrip("*")) == file_name:
            return parts[0].lower()
    raise DownloadError(f"The checksum list {list_url} has no line for {file_name}.")


def _expected(args):
    """``(algorithm, hex digest)`` the file must match, or ``(None, None)``."""
    if args.md5:
        return "md5", args.md5.lower()
    if args.sha256:
        return "sha256", args.sha256.lower()
    if args.md5_list:
        return "md5", checksum_from_list(args.md5_list, os.path.basename(args.out))
    return None, None


def _transfer(url, part, timeout):
    """One HTTP request appending to ``part``; returns True when the file is complete."""
    offset = os.path.getsize(part) if os.path.exists(part) else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    with requests.get(url, headers=headers, stream=True, timeout=timeout) as response:
        if response.status_code == 416 and offset:
            return True  # the part file already holds the whole resource
        if response.status_code not in (200, 206):
            raise DownloadError(f"{url}: HTTP {response.status_code} {response.reason}.")
        if offset and response.status_code == 200:
            print(f"The server ignored the resume request: downloading {url} from the start.")
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        mode = "ab" if offset else "wb"
        with (
            open(part, mode) as fh,
            tqdm(
                total=total,
                initial=offset,
                unit="B",
                unit_scale=True,
                desc=os.path.basename(part)[: -len(".part")],
                mininterval=1.0,
            ) as bar,
        ):
            try:
                for block in response.iter_content(CHUNK):
                    fh.write(block)
                    bar.update(len(block))
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
                return False
    size = os.path.getsize(part)
    return total is None or size >= total


def download(args):
    """Download ``args.url`` to ``args.out`` (see the module description); returns the path."""
    algorithm, expected = _expected(args)
    out = args.out
    if os.path.isfile(out):
        if expected is None or file_digest(out, algorithm) == expected:
            print(f"{out} is already downloaded.")
            return out
        print(f"{out} does not match its {algorithm} checksum: downloading it again.")
        os.remove(out)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    part = out + ".part"
    if os.path.exists(part):
        print(f"Resuming {url_name(args.url)} from byte {os.path.getsize(part)}.")
    for attempt in range(args.retries + 1):
        try:
            complete = _transfer(args.url, part, args.timeout)
        except requests.exceptions.RequestException as err:
            complete = False
            print(f"Transfer of {args.url} interrupted: {err}")
        if complete:
            break
        if attempt < args.retries:
            print(f"Transfer of {args.url} incomplete; resuming (retry {attempt + 1}).")
            time.sleep(args.wait)
    else:
        raise DownloadError(
            f"Transfer of {args.url} incomplete after {args.retries + 1} attempt(s); "
            f"{part} is kept: run again to resume."
        )
    if expected is not None:
        found = file_digest(part, algorithm)
        if found != expected:
            os.remove(part)
            raise DownloadError(
                f"Checksum mismatch for {args.url}: expected {algorithm} {expected}, "
                f"found {found}. The file was deleted."
            )
        print(f"{algorithm} checksum verified: {found}")
    os.replace(part, out)
    print(f"Downloaded {out}")
    return out


def url_name(url):
    return url.rstrip("/").rsplit("/", 1)[-1]


def extract(archive, dest):
    """Extract a ``.zip``, ``.tar``, ``.tar.gz``/``.tgz`` or ``.tar.bz2`` archive into ``dest``."""
    marker = os.path.join(dest, f".extracted_{os.path.basename(archive)}")
    if os.path.isfile(marker):
        print(f"{archive} is already extracted in {dest}.")
        return
    os.makedirs(dest, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for member in tqdm(zf.infolist(), desc=f"Extracting {os.path.basename(archive)}"):
                zf.extract(member, dest)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            for member in tqdm(tf.getmembers(), desc=f"Extracting {os.path.basename(archive)}"):
                tf.extract(member, dest, filter="data")
    else:
        raise DownloadError(f"{archive} is neither a zip nor a tar archive.")
    with open(marker, "w") as fh:
        fh.write(archive + "\n")
    print(f"Extracted {archive} into {dest}")


def make_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the file's URL")
    parser.add_argument("--out", required=True, help="where to write the file")
    checks = parser.add_mutually_exclusive_group()
    checks.add_argument("--md5", help="the file's published MD5")
    checks.add_argument("--sha256", help="the file's published SHA-256")
    checks.add_argument("--md5_list", help="URL (or path) of a published md5sum list")
    parser.add_argument("--extract_to", help="extract the archive into this folder")
    parser.add_argument("--retries", type=int, default=5, help="resumes within this run")
    parser.add_argument("--wait", type=float, default=2.0, help="seconds between retries")
    parser.add_argument("--timeout", type=float, default=60.0, help="socket timeout, seconds")
    return parser


def main(argv=None):
    args = make_parser().parse_args(argv)
    try:
        path = download(args)
        if args.extract_to:
            extract(path, args.extract_to)
    except DownloadError as err:
        print(f"download: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
