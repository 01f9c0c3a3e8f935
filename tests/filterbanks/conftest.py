"""Shared fixtures of the filterbank tests: stored published outputs and real (synthetic) speech."""

import ctypes
import pathlib
import warnings

import numpy as np
import pytest
import torch

DATA = pathlib.Path(__file__).resolve().parent / "data"
# Model files written by the published asteroid 0.7.0, next to the checkout (../shared/compat).
COMPAT = pathlib.Path(__file__).resolve().parents[1] / "compat" / "data"
SPEECH_RATE = 8000


@pytest.fixture(autouse=True)
def _quiet_torchscript_deprecation():
    # torch.jit.script/trace warn that TorchScript is deprecated; the tests still use them.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is deprecated.*", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*is deprecated.*", category=FutureWarning)
        yield


@pytest.fixture(scope="session")
def published():
    """Outputs of asteroid-filterbanks 0.4.0 written by ``make_reference_data.py``."""
    return torch.load(DATA / "published_reference.pt", weights_only=True)


@pytest.fixture(scope="session")
def compat_dir():
    """The folder of the published model files and ``state_dict_keys.txt``."""
    assert COMPAT.is_dir(), f"the published model files are not here ({COMPAT})"
    return COMPAT


@pytest.fixture(scope="session")
def compat_model(compat_dir):
    """Loader of the published model files: ``compat_model("ConvTasNet")`` -> the package dict."""
    from torch.torch_version import TorchVersion

    def load(name):
        # The published files store torch.__version__ as a TorchVersion object.
        with torch.serialization.safe_globals([TorchVersion]):
            return torch.load(compat_dir / f"{name}.pth", weights_only=True)

    return load


def _espeak_fallback(text, sample_rate):
    """eSpeak NG through ctypes, for when asteroid.data.synthetic is not available."""
    import espeakng_loader
    from scipy.signal import resample_poly

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    chunks = []
    callback_type = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
    )

    def collect(wav, n, events):
        if wav and n > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0

    callback = callback_type(collect)
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [callback_type]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int]
    lib.espeak_Synth.argtypes += [ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    native_rate = lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 0)
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetVoiceByName(b"en")
    data = text.encode() + b"\0"
    lib.espeak_Synth(data, len(data), 0, 1, 0, 1, None, None)
    wav = np.concatenate(chunks).astype(np.float32) / 32768.0
    return resample_poly(wav, sample_rate, native_rate).astype(np.float32)


def _speech(text, **voice):
    try:
        from asteroid.data.synthetic import synthesize_speech
    except ImportError:
        return _espeak_fallback(text, SPEECH_RATE)
    return synthesize_speech(text, sample_rate=SPEECH_RATE, **voice)


@pytest.fixture(scope="session")
def speech():
    """About two seconds of synthetic English speech at 8 kHz, float32, peak-normalised."""
    wav = _speech("the quick brown fox jumps over the lazy dog")
    return torch.from_numpy(np.asarray(wav, dtype=np.float32) / np.abs(wav).max())


@pytest.fixture(scope="session")
def speech_pair():
    """Two different utterances (different voices) cut to the same length."""
    a = _speech("a bright morning on the quiet river", voice="en+m3", pitch=35)
    b = _speech("seven small birds sing near the old mill", voice="en+f2", pitch=70)
    n = min(len(a), len(b), 2 * SPEECH_RATE)
    return torch.stack([torch.from_numpy(np.asarray(w[:n], dtype=np.float32)) for w in (a, b)])
