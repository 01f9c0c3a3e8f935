"""A small client of Zenodo's deposit REST API, used to publish pretrained models.

Endpoints used (relative to the base URL, ``https://zenodo.org`` or
``https://sandbox.zenodo.org``, or any server speaking the same API):

- ``POST   /api/deposit/depositions``                      create a deposition (201)
- ``GET    /api/deposit/depositions/<id>``                 read it (200)
- ``PUT    /api/deposit/depositions/<id>``                 set its metadata (200)
- ``GET    /api/deposit/depositions/<id>/files``           list its files (200)
- ``POST   /api/deposit/depositions/<id>/files``           upload a file, multipart (201)
- ``DELETE /api/deposit/depositions/<id>/files/<file_id>`` remove a file (204)
- ``POST   /api/deposit/depositions/<id>/actions/publish`` publish it (202)
- ``DELETE /api/deposit/depositions/<id>``                 discard a draft (204)
"""

import hashlib
import os

__all__ = ["Zenodo", "ZenodoError", "ZENODO_URL", "ZENODO_SANDBOX_URL"]

ZENODO_URL = "https://zenodo.org"
ZENODO_SANDBOX_URL = "https://sandbox.zenodo.org"


class ZenodoError(RuntimeError):
    """A Zenodo API call answered with an unexpected HTTP status."""

    def __init__(self, method, url, status, message):
        self.status = status
        super().__init__(f"Zenodo {method} {url} failed with HTTP {status}: {message}")


def md5_of_file(path, chunk_size=1 << 20):
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Zenodo:
    """Zenodo deposit client.

    Args:
        api_key (str, optional): a personal access token with the ``deposit:write``
            scope; read from the ``ACCESS_TOKEN`` environment variable when absent.
        use_sandbox (bool): talk to ``sandbox.zenodo.org`` instead of ``zenodo.org``.
        base_url (str, optional): any other server with the same API (overrides
            ``use_sandbox``), e.g. a test server on 127.0.0.1.
        timeout (float): seconds before a request is abandoned.

    Raises:
        ValueError: when no token is given nor found in the environment.
    """

    def __init__(self, api_key=None, use_sandbox=True, base_url=None, timeout=60.0):
        api_key = api_key or os.getenv("ACCESS_TOKEN")
        if not api_key:
            raise ValueError(
                "A Zenodo access token is needed: create one with the deposit:write scope in your "
                "Zenodo account settings (Applications > Personal access tokens) and pass it with "
                "--token or the ACCESS_TOKEN environment variable."
            )
        import requests

        self.base_url = (base_url or (ZENODO_SANDBOX_URL if use_sandbox else ZENODO_URL)).rstrip(
            "/"
        )
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def _url(self, path):
        return f"{self.base_url}/api/deposit/depositions{path}"

    def _call(self, method, path, expected, **kwargs):
        url = self._url(path)
        resp = self.session.request(method, url, timeout=self.timeout, **kwargs)
        if resp.status_code not in expected:
            try:
                body = resp.json()
                message = body.get("message", "") if isinstance(body, dict) else str(body)
                errors = body.get("errors") if isinstance(body, dict) else None
                if errors:
                    message = f"{message} {errors}"
            except ValueError:
                message = resp.text[:200]
            raise ZenodoError(method, url, resp.status_code, message.strip() or resp.reason)
        return resp

    def create_new_deposition(self, metadata=None):
        """Create an empty deposition, then set ``metadata`` if given. Returns its JSON."""
        dep = self._call("POST", "", (201,), json={}).json()
        if metadata is not None:
            dep = self.change_metadata_in_deposition(dep["id"], metadata)
        return dep

    def get_deposition(self, dep_id):
        """The deposition's JSON."""
        return self._call("GET", f"/{dep_id}", (200,)).json()

    def change_metadata_in_deposition(self, dep_id, metadata):
        """Replace the deposition's metadata. Returns its JSON."""
        return self._call("PUT", f"/{dep_id}", (200,), json={"metadata": metadata}).json()

    def list_files(self, dep_id):
        """The deposition's files: dicts with ``id``, ``filename``, ``checksum`` (md5 hex)."""
        return self._call("GET", f"/{dep_id}/files", (200,)).json()

    def upload_new_file_to_deposition(self, dep_id, file, name=None):
        """Upload ``file`` (a path) under ``name`` (default: its basename). Returns the file's JSON."""
        name = name or os.path.basename(file)
        with open(file, "rb") as fh:
            return self._call(
                "POST", f"/{dep_id}/files", (200, 201), data={"name": name}, files={"file": fh}
            ).json()

    def remove_file(self, dep_id, file_id):
        self._call("DELETE", f"/{dep_id}/files/{file_id}", (200, 204))

    def publish_deposition(self, dep_id):
        """Publish the deposition (irreversible). Returns its JSON."""
        return self._call("POST", f"/{dep_id}/actions/publish", (200, 202)).json()

    def remove_deposition(self, dep_id):
        """Discard an unpublished deposition."""
        self._call("DELETE", f"/{dep_id}", (200, 201, 204))

    def sync_file(self, dep_id, path, name=None):
        """Make the deposition hold ``path`` under ``name``, uploading only if it differs.

        Returns:
            bool: whether a file was uploaded.
        """
        name = name or os.path.basename(path)
        local_md5 = md5_of_file(path)
        for remote in self.list_files(dep_id):
            if remote.get("filename") != name:
                continue
            if remote.get("checksum", "").replace("md5:", "") == local_md5:
                return False
            self.remove_file(dep_id, remote["id"])
        self.upload_new_file_to_deposition(dep_id, path, name=name)
        return True
