"""Model files are read with ``torch.load(weights_only=True)``: a pickle that would run code is refused."""

import os
import pickle
from collections import OrderedDict

import pytest
import torch
from torch.torch_version import TorchVersion

from asteroid.models import BaseModel
from asteroid.models.model_file import UnsafeModelFileError, load_model_file, save_model_file

COMPAT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "compat", "data")


class _WritesAFile:
    """Unpickling this calls ``exec``, which writes ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (exec, (f"with open({self.path!r}, 'w') as fh: fh.write('pwned')",))


class _RunsAShell:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def _malicious_dict(payload):
    return {
        "model_name": "ConvTasNet",
        "state_dict": OrderedDict(),
        "model_args": {"n_src": 2},
        "infos": {"software_versions": {"torch_version": payload}},
    }


@pytest.mark.parametrize(
    "payload_cls, global_name", [(_WritesAFile, "exec"), (_RunsAShell, "system")]
)
@pytest.mark.parametrize("zip_format", [True, False])
def test_malicious_file_is_refused_and_never_runs(tmp_path, payload_cls, global_name, zip_format):
    target = tmp_path / "pwned.txt"
    path = tmp_path / "evil.pth"
    torch.save(
        _malicious_dict(payload_cls(str(target))),
        path,
        _use_new_zipfile_serialization=zip_format,
    )
    with pytest.raises(UnsafeModelFileError) as err:
        load_model_file(path)
    message = str(err.value)
    assert global_name in message
    assert "arbitrary code" in message
    assert not target.exists()
    # The same through from_pretrained (a ValueError too, as bad input).
    with pytest.raises(ValueError, match=global_name):
        BaseModel.from_pretrained(str(path))
    assert not target.exists()


def test_the_malicious_payload_is_real(tmp_path):
    # Without the weights-only unpickler the payload does write its file: the
    # test above checks a real attack.
    target = tmp_path / "pwned.txt"
    path = tmp_path / "evil.pth"
    torch.save(_malicious_dict(_WritesAFile(str(target))), path)
    torch.load(path, weights_only=False)
    assert target.read_text() == "pwned"


def test_other_globals_are_refused_even_harmless_ones(tmp_path):
    path = tmp_path / "set.pth"
    torch.save({"model_name": "x", "odd": pickle.PickleBuffer}, path)
    with pytest.raises(UnsafeModelFileError, match="PickleBuffer"):
        load_model_file(path)


def test_published_file_loads_with_its_torch_version():
    conf = load_model_file(os.path.join(COMPAT, "ConvTasNet.pth"))
    version = conf["infos"]["software_versions"]["torch_version"]
    # Read through the allow-list, handed back as a plain string.
    assert type(version) is str
    assert version == "2.13.0+cpu"
    assert isinstance(conf["state_dict"], OrderedDict)


def test_save_writes_plain_versions_atomically(tmp_path):
    conf = {
        "model_name": "ConvTasNet",
        "state_dict": OrderedDict(w=torch.ones(3)),
        "model_args": {"n_src": 2},
        "infos": {"software_versions": {"torch_version": TorchVersion("2.1.0")}},
    }
    path = save_model_file(conf, tmp_path / "model.pth")
    assert os.listdir(tmp_path) == ["model.pth"]
    # The stock weights-only unpickler (no allow-list) reads it.
    loaded = torch.load(path, weights_only=True)
    assert type(loaded["infos"]["software_versions"]["torch_version"]) is str
    assert torch.equal(loaded["state_dict"]["w"], torch.ones(3))
    # The caller's dict is not modified.
    assert type(conf["infos"]["software_versions"]["torch_version"]) is TorchVersion


def test_failed_save_leaves_the_old_file(tmp_path):
    path = tmp_path / "model.pth"
    save_model_file({"a": 1}, path)
    with pytest.raises(Exception):
        save_model_file({"a": lambda: 0}, path)  # lambdas cannot be pickled
    assert torch.load(path, weights_only=True) == {"a": 1}
    assert os.listdir(tmp_path) == ["model.pth"]
