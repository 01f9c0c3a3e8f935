"""Where model files come from: local paths, URLs, Zenodo short names, the Hugging Face hub.

:func:`cached_download` turns any of these into the path of a local file.
Downloads land in the cache folder (``$ASTEROID_CACHE``, by default
``~/.cache/torch/asteroid``, read at every call), are written to a temporary
file next to their final place and renamed once complete, so an interrupted
download never leaves a file that a later call would take for a model.

``huggingface_hub`` and ``requests`` are imported by the functions that use
them, so importing this module stays cheap.
"""

import os
import re
import tempfile
from functools import lru_cache
from hashlib import sha256

__all__ = [
    "CACHE_DIR",
    "HF_URL_HOME",
    "HF_WEIGHTS_NAME",
    "MODELS_URLS_HASHTABLE",
    "SR_HASHTABLE",
    "DownloadError",
    "cached_download",
    "get_cache_dir",
    "url_to_filename",
    "model_list",
]

# The cache folder as configured when this module was imported. The functions
# below read ``$ASTEROID_CACHE`` again at every call (see :func:`get_cache_dir`).
CACHE_DIR = os.path.expanduser(os.getenv("ASTEROID_CACHE", "~/.cache/torch/asteroid"))

HF_URL_HOME = "https://huggingface.co/"
# The name of the model file inside a Hugging Face model repository.
HF_WEIGHTS_NAME = "pytorch_model.bin"


def _zenodo(record, filename="model.pth"):
    return f"https://zenodo.org/record/{record}/files/{filename}?download=1"


# The model zoo, as data: short name -> Zenodo URL of the model file.
MODELS_URLS_HASHTABLE = {
    "mpariente/ConvTasNet_WHAM!_sepclean": _zenodo(3862942),
    "mpariente/DPRNNTasNet_WHAM!_sepclean": _zenodo(3873670),
    "mpariente/DPRNNTasNet(ks=16)_WHAM!_sepclean": _zenodo(3903795),
    "Cosentino/ConvTasNet_LibriMix_sep_clean": _zenodo(3873572),
    "Cosentino/ConvTasNet_LibriMix_sep_noisy": _zenodo(3874420),
    "brijmohan/ConvTasNet_Libri1Mix_enhsingle": _zenodo(3970768),
    "groadabike/ConvTasNet_DAMP-VSEP_enhboth": _zenodo(3994193),
    "popcornell/DeMask_Surgical_mask_speech_enhancement_v1": _zenodo(3997047),
    "popcornell/DPRNNTasNet_WHAM_enhancesingle": _zenodo(3998647),
    "tmirzaev-dotcom/ConvTasNet_Libri3Mix_sepnoisy": _zenodo(4020529),
    "mhu-coder/ConvTasNet_Libri1Mix_enhsingle": _zenodo(4301955),
    "r-sawata/XUMX_MUSDB18_music_separation": _zenodo(4704231, "pretrained_xumx.pth"),
    "r-sawata/XUMXL_MUSDB18_music_separation": _zenodo(7128659, "pretrained_xumxl.pth"),
}


def _sample_rate_of(name):
    # DeMask was trained at 16 kHz and the X-UMX models on MUSDB18 at 44.1 kHz;
    # every other model of the zoo works at 8 kHz.
    if "DeMask" in name:
        return 16000.0
    if "XUMX" in name:
        return 44100.0
    return 8000.0


# Sample rate of the zoo's models, used when an old model file does not store one.
SR_HASHTABLE = {name: _sample_rate_of(name) for name in MODELS_URLS_HASHTABLE}

# ``user/repo`` or ``user/repo@revision`` (the characters the hub allows in names).
_HF_REPO_ID = re.compile(r"^[\w.\-]+/[\w.\-]+(@[\w.\-/]+)?$")


class DownloadError(OSError):
    """A model file could not be downloaded (HTTP error, broken connection)."""


def get_cache_dir():
    """The cache folder, created if needed: ``$ASTEROID_CACHE`` or ``~/.cache/torch/asteroid``.

    The environment variable is read at every call, so it can be changed at run time.
    """
    cache_dir = os.path.expanduser(os.getenv("ASTEROID_CACHE", "~/.cache/torch/asteroid"))
    os.makedirs(cache_dir, exist_ok=True)
    return cache_dir


def url_to_filename(url):
    """A file name that stands for ``url``: the hex SHA-256 of its UTF-8 bytes."""
    return sha256(url.encode("utf-8")).hexdigest()


def cached_download(filename_or_url):
    """The local path of a model file, downloading it into the cache if needed.

    ``filename_or_url`` is resolved in this order:

    1. an existing local file: returned as is;
    2. an existing local folder laid out as a Hugging Face model repository:
       its ``pytorch_model.bin``;
    3. a leading ``https://huggingface.co/`` is stripped (the rest is a repo id);
    4. an ``http://`` or ``https://`` URL: downloaded once to
       ``<cache>/<sha256(url)>/model.pth``, later calls reuse that file;
    5. a short name of :data:`MODELS_URLS_HASHTABLE` (models hosted on Zenodo):
       its URL, cached as above;
    6. a Hugging Face hub repo id ``user/repo`` (optionally ``user/repo@revision``):
       its ``pytorch_model.bin``, through ``huggingface_hub.hf_hub_download``
       with the cache folder as ``cache_dir`` (works offline once cached).

    Args:
        filename_or_url (str or os.PathLike): what to resolve.

    Returns:
        str: path of a local file.

    Raises:
        FileNotFoundError: for a folder without ``pytorch_model.bin``, or a
            string that is none of the above.
        DownloadError: when an HTTP download fails (the message names the URL
            and the HTTP status); no partial file is left in the cache.
    """
    name = os.fspath(filename_or_url)
    if not isinstance(name, str):
        raise TypeError(f"cached_download takes a str or a path, got {type(name).__name__}.")
    if os.path.isfile(name):
        return name
    if os.path.isdir(name):
        weights = os.path.join(name, HF_WEIGHTS_NAME)
        if os.path.isfile(weights):
            return weights
        raise FileNotFoundError(
            f"The folder {name!r} holds no {HF_WEIGHTS_NAME}: a local model repository "
            f"must contain its model file under that name."
        )
    if name.startswith(HF_URL_HOME):
        name = name[len(HF_URL_HOME) :]

    if name.startswith(("http://", "https://")):
        url = name
    elif name in MODELS_URLS_HASHTABLE:
        url = MODELS_URLS_HASHTABLE[name]
    elif _HF_REPO_ID.match(name):
        return _hf_hub_download(name)
    else:
        raise FileNotFoundError(
            f"{name!r} is neither an existing file or folder, an http(s) URL, a known model "
            f"name ({', '.join(MODELS_URLS_HASHTABLE)}) nor a Hugging Face repo id "
            f"('user/repo[@revision]')."
        )

    cached_dir = os.path.join(get_cache_dir(), url_to_filename(url))
    cached_path = os.path.join(cached_dir, "model.pth")
    if os.path.isfile(cached_path):
        print(f"Using cached model `{name}`")
        return cached_path
    os.makedirs(cached_dir, exist_ok=True)
    try:
        _download_atomically(url, cached_path)
    finally:
        # Leave no empty folder behind a failed download.
        if not os.listdir(cached_dir):
            os.rmdir(cached_dir)
    return cached_path


def _hf_hub_download(repo_spec):
    """``pytorch_model.bin`` of the hub repository ``user/repo[@revision]``."""
    import huggingface_hub

    from .. import __version__ as asteroid_version

    repo_id, _, revision = repo_spec.partition("@")
    return huggingface_hub.hf_hub_download(
        repo_id=repo_id,
        filename=HF_WEIGHTS_NAME,
        cache_dir=get_cache_dir(),
        revision=revision or None,
        library_name="asteroid",
        library_version=asteroid_version,
    )


def _download_atomically(url, path, chunk_size=1 << 20, timeout=60):
    """Download ``url`` to ``path``: a temporary file in the same folder, renamed once complete.

    Raises:
        DownloadError: on an HTTP error status, a broken connection or a body
            shorter than its announced ``Content-Length``.
    """
    import requests

    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                response = requests.get(url, stream=True, timeout=timeout)
            except requests.RequestException as err:
                raise DownloadError(f"Could not download {url}: {err}") from err
            with response:
                if response.status_code != 200:
                    raise DownloadError(
                        f"Could not download {url}: HTTP status {response.status_code} "
                        f"({response.reason})."
                    )
                expected = response.headers.get("Content-Length")
                received = 0
                try:
                    for chunk in response.iter_content(chunk_size=chunk_size):
                        fh.write(chunk)
                        received += len(chunk)
                except requests.RequestException as err:
                    raise DownloadError(
                        f"Download of {url} was interrupted after {received} bytes: {err}"
                    ) from err
                if expected is not None and received != int(expected):
                    raise DownloadError(
                        f"Download of {url} was interrupted: got {received} of {expected} bytes."
                    )
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise
    print(f"Downloaded {url} to {path}")


@lru_cache()
def model_list(endpoint=HF_URL_HOME, name_only=False):
    """The public models of the Hugging Face hub tagged ``asteroid``.

    Args:
        endpoint (str): the hub's address, ending with ``/``.
        name_only (bool): return only the model ids.

    Returns:
        list: the hub's model records (dicts), or their ids with ``name_only``.
    """
    import requests

    response = requests.get(f"{endpoint}api/models?full=true&filter=asteroid", timeout=60)
    response.raise_for_status()
    models = response.json()
    if name_only:
        return [m["modelId"] for m in models]
    return models
