"""asteroid-upload against real local servers speaking Zenodo's and the hub's APIs."""

import os
import subprocess
import sys

import pytest
import torch
import yaml

from asteroid.models.hub_upload import push_to_hf_hub, upload_publishable
from asteroid.models.model_file import load_model_file, save_model_file
from asteroid.models.zenodo import ZenodoError

from . import hf_server, zenodo_server

LICENSES = [
    {
        "title": "LibriSpeech ASR corpus",
        "title_link": "http://www.openslr.org/12",
        "author": "Vassil Panayotov",
        "author_link": "https://github.com/vdp",
        "license": "CC BY 4.0",
        "license_link": "https://creativecommons.org/licenses/by/4.0/",
        "non_commercial": False,
    }
]


@pytest.fixture
def publish_dir(tmp_path):
    folder = tmp_path / "publish_dir"
    folder.mkdir()
    model = {
        "model_name": "ConvTasNet",
        "state_dict": {"encoder.filterbank._filters": torch.randn(8, 1, 4)},
        "model_args": {"n_src": 2, "sample_rate": 8000.0},
        "infos": {
            "dataset": "LibriMix",
            "task": "sep_clean",
            "licenses": LICENSES,
            "recipe_name": "librimix/ConvTasNet",
            "training_config": {"optim": {"lr": 0.001}},
            "final_metrics": {"si_sdr": 12.5, "si_sdr_imp": 12.4, "pesq": 2.9},
            "software_versions": {"torch_version": "2.13.0"},
        },
    }
    save_model_file(model, folder / "model.pth")
    (folder / "README.md").write_text("# ConvTasNet model card\n")
    return folder


@pytest.fixture
def zenodo():
    server, state, url = zenodo_server.start_server()
    yield state, url
    server.shutdown()


def test_upload_and_publish(publish_dir, zenodo):
    state, url = zenodo
    zen, dep = upload_publishable(
        str(publish_dir),
        uploader="Ada Lovelace",
        affiliation="Analytical Engines",
        git_username="ada",
        token=zenodo_server.TOKEN,
        force_publish=True,
        base_url=url,
    )
    assert dep["submitted"] is True
    (stored,) = state.depositions.values()
    meta = stored["metadata"]
    assert meta["title"] == "ada/ConvTasNet_LibriMix_sepclean"
    assert meta["creators"] == [{"name": "Ada Lovelace", "affiliation": "Analytical Engines"}]
    assert meta["license"] == "CC-BY-SA-3.0" and meta["upload_type"] == "software"
    assert "ConvTasNet" in meta["keywords"] and "LibriMix" in meta["keywords"]
    assert "si_sdr_imp" in meta["description"] and "pesq" not in meta["description"]
    assert "LibriSpeech ASR corpus" in meta["description"]
    # The uploaded file is the published model file, byte for byte.
    (uploaded,) = stored["files"]
    assert uploaded["filename"] == "model.pth"
    assert uploaded["content"] == (publish_dir / "published_model.pth").read_bytes()
    published = load_model_file(publish_dir / "published_model.pth")
    assert published["infos"]["uploader"] == "Ada Lovelace"
    assert published["infos"]["upload_name"] == "ada/ConvTasNet_LibriMix_sepclean"
    assert torch.equal(
        published["state_dict"]["encoder.filterbank._filters"],
        load_model_file(publish_dir / "model.pth")["state_dict"]["encoder.filterbank._filters"],
    )


def test_failed_call_reports_status_and_retry_reuses_deposition(publish_dir, zenodo):
    state, url = zenodo
    state.fail_next[("POST", "files")] = 500
    with pytest.raises(ZenodoError, match="HTTP 500"):
        upload_publishable(
            str(publish_dir),
            uploader="Ada",
            token=zenodo_server.TOKEN,
            unit_test=True,
            base_url=url,
        )
    assert len(state.depositions) == 1
    _, dep = upload_publishable(
        str(publish_dir), uploader="Ada", token=zenodo_server.TOKEN, unit_test=True, base_url=url
    )
    assert len(state.depositions) == 1, "a retried upload must not create a second deposition"
    assert len(state.depositions[dep["id"]]["files"]) == 1
    # Same content again: nothing re-uploaded.
    n_posts = sum(1 for r in state.requests if r[:1] == ("POST",) and r[2] == "files")
    upload_publishable(
        str(publish_dir), uploader="Ada", token=zenodo_server.TOKEN, unit_test=True, base_url=url
    )
    assert sum(1 for r in state.requests if r[:1] == ("POST",) and r[2] == "files") == n_posts


def test_missing_uploader_token_and_model(publish_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("ACCESS_TOKEN", raising=False)
    with pytest.raises(ValueError, match="uploader"):
        upload_publishable(str(publish_dir))
    with pytest.raises(ValueError, match="access token"):
        upload_publishable(str(publish_dir), uploader="Ada")
    with pytest.raises(FileNotFoundError, match="No model file"):
        upload_publishable(str(tmp_path), uploader="Ada", token="x")


def _cli(*args, cwd=None, env=None):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from asteroid.scripts.asteroid_cli import upload; sys.exit(upload())",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
    )


def test_cli_upload_subprocess(publish_dir, zenodo, tmp_path):
    state, url = zenodo
    info = tmp_path / "uploader_info.yml"
    info.write_text(
        yaml.safe_dump(
            {"uploader": "Grace Hopper", "affiliation": "Navy", "token": zenodo_server.TOKEN}
        )
    )
    proc = _cli(
        str(publish_dir),
        "--zenodo_url",
        url,
        "--force_publish",
        "--git_username",
        "grace",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    (dep,) = state.depositions.values()
    assert dep["submitted"] and dep["metadata"]["creators"][0]["name"] == "Grace Hopper"
    # A failing server: one line on stderr naming the status, non-zero exit.
    state.fail_next[("PUT", "deposition")] = 503
    os.remove(publish_dir / "zenodo_deposition.json")
    proc = _cli(
        str(publish_dir),
        "--zenodo_url",
        url,
        "--token",
        zenodo_server.TOKEN,
        "--uploader",
        "G",
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "HTTP 503" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_upload_errors(tmp_path):
    proc = _cli(str(tmp_path / "nope"), "--uploader", "x", cwd=tmp_path)
    assert proc.returncode == 1 and "no such directory" in proc.stderr
    proc = _cli(str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 1 and "--uploader is required" in proc.stderr


def test_push_to_local_hub_and_download_back(publish_dir, tmp_path):
    server, state, endpoint = hf_server.start_server()
    try:
        url = push_to_hf_hub(
            str(publish_dir), "ada/convtasnet", uploader="Ada", token="hf_x", endpoint=endpoint
        )
        assert url.startswith(endpoint)
        files = state.repos["ada/convtasnet"]["files"]
        assert set(files) == {"pytorch_model.bin", "README.md"}
        assert files["pytorch_model.bin"] == (publish_dir / "published_model.pth").read_bytes()
        from huggingface_hub import hf_hub_download

        path = hf_hub_download(
            "ada/convtasnet",
            "pytorch_model.bin",
            cache_dir=str(tmp_path / "hf"),
            endpoint=endpoint,
            token="hf_x",
        )
        assert load_model_file(path)["infos"]["uploader"] == "Ada"
    finally:
        server.shutdown()
