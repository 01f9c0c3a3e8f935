"""Speech from text with eSpeak NG, loaded through ``ctypes`` from the ``espeakng_loader`` wheel.

eSpeak NG keeps global state (one voice, one set of parameters, one callback), so every call goes
through a module-level lock, and the library is reloaded before each utterance so that the output
depends on the arguments only. Each process loads its own copy.

Example:
    >>> from asteroid.data.synthetic import synthesize_speech
    >>> wav = synthesize_speech("the quick brown fox", voice="en+m3", pitch=40, sample_rate=8000)
    >>> wav.dtype, wav.ndim
    (dtype('float32'), 1)
"""

import _ctypes
import ctypes
import os
import threading
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

__all__ = ["synthesize_speech", "ESPEAK_SAMPLE_RATE"]

#: Native output rate of eSpeak NG's voices, in Hz.
ESPEAK_SAMPLE_RATE = 22050

# Constants of eSpeak NG's C API (speak_lib.h).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_ESPEAK_VOLUME = 2
_ESPEAK_PITCH = 3
_ESPEAK_RANGE = 4
_EE_OK = 0

# int callback(short *wav, int numsamples, espeak_EVENT *events)
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

_LOCK = threading.Lock()
_STATE = {"lib": None, "callback": None, "chunks": None, "copy": None}


def _collect(wav, numsamples, events):
    # Called by eSpeak from inside espeak_Synth (synchronous mode), with the lock held.
    if wav and numsamples > 0:
        _STATE["chunks"].append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
    return 0


def _declare(lib):
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Terminate.argtypes = []
    lib.espeak_Terminate.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
    lib.espeak_ng_SetRandSeed.restype = None


def _loader():
    try:
        import espeakng_loader
    except ImportError as err:  # pragma: no cover - the wheel is a declared dependency
        raise ImportError(
            "Speech synthesis needs the `espeakng-loader` wheel (pip install espeakng-loader)."
        ) from err
    return espeakng_loader


def _private_copy(src):
    """Path of a private in-memory copy of the library (Linux), made once per process tree.

    Unloading the library resets it only if nobody else holds it: a private copy keeps any
    other user of eSpeak NG in this process (who would share the wheel's file) unaffected.
    The copy is a ``memfd`` file, opened through ``/proc/self/fd``: nothing is written to
    disk, forked children inherit it, and it disappears with the process. Elsewhere the
    wheel's file itself is used.
    """
    if _STATE["copy"] is None:
        if not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"):
            _STATE["copy"] = src
        else:
            fd = os.memfd_create("asteroid-espeak-ng")
            with open(src, "rb") as lib_file:
                data = memoryview(lib_file.read())
            while data:
                data = data[os.write(fd, data) :]
            _STATE["copy"] = f"/proc/self/fd/{fd}"
    return _STATE["copy"]


def _fresh_library():
    """Return a freshly loaded and initialised library (call with ``_LOCK`` held).

    eSpeak NG's wave generator keeps static state from one utterance to the next (pitch flutter
    index, glottal phase), so the same text would come out a few samples different depending
    on what was said before. Unloading the library and loading it again resets every static
    variable; it costs about a millisecond, and makes synthesis a pure function of its
    arguments, identical across threads, forked and spawned processes.
    """
    loader = _loader()
    old = _STATE["lib"]
    if old is not None:
        _STATE["lib"] = None
        old.espeak_Terminate()
        _ctypes.dlclose(old._handle)
    try:
        lib = ctypes.CDLL(_private_copy(loader.get_library_path()))
    except OSError:  # The private copy could not be mapped: use the wheel's file.
        lib = ctypes.CDLL(loader.get_library_path())
    _declare(lib)
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, loader.get_data_path().encode(), 0)
    if rate != ESPEAK_SAMPLE_RATE:
        raise RuntimeError(
            f"eSpeak NG initialisation failed or runs at an unexpected rate ({rate} Hz, "
            f"expected {ESPEAK_SAMPLE_RATE} Hz)."
        )
    if _STATE["callback"] is None:
        _STATE["callback"] = _SYNTH_CALLBACK(_collect)
    lib.espeak_SetSynthCallback(_STATE["callback"])
    _STATE["lib"] = lib
    return lib


def _check_variant(voice):
    # eSpeak silently falls back to the plain voice for an unknown "+variant": refuse it instead.
    if "+" not in voice:
        return
    variant = voice.split("+", 1)[1]
    if not os.path.isfile(os.path.join(_loader().get_data_path(), "voices", "!v", variant)):
        raise ValueError(f"Unknown eSpeak NG voice variant {variant!r} in voice {voice!r}.")


def _raw_speech(text, voice, pitch, rate):
    """Synthesize ``text`` and return int16 samples at 22050 Hz."""
    _check_variant(voice)
    with _LOCK:
        lib = _fresh_library()
        if lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise ValueError(
                f"Unknown eSpeak NG voice {voice!r}; use a language code such as 'en' with an "
                f"optional variant ('en+m3', 'en+f2', ...)."
            )
        for param, value in (
            (_ESPEAK_RATE, rate),
            (_ESPEAK_PITCH, pitch),
            (_ESPEAK_VOLUME, 100),
            (_ESPEAK_RANGE, 50),
        ):
            lib.espeak_SetParameter(param, int(value), 0)
        # Noise sources (breathy variants) draw from eSpeak's own generator: seed it too.
        lib.espeak_ng_SetRandSeed(0)
        _STATE["chunks"] = []
        data = text.encode("utf-8") + b"\0"
        err = lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        chunks, _STATE["chunks"] = _STATE["chunks"], None
    if err != _EE_OK:
        raise RuntimeError(f"eSpeak NG failed to synthesize {text!r} (error code {err}).")
    if not chunks:
        return np.zeros(0, dtype=np.int16)
    return np.concatenate(chunks)


def synthesize_speech(text, voice="en", pitch=50, rate=175, sample_rate=8000, seed=None):
    """Synthesize speech from text with eSpeak NG.

    Args:
        text (str): What to say (UTF-8, any language the voice handles).
        voice (str): eSpeak NG voice name: a language code with an optional variant
            (``"en"``, ``"en+m3"``, ``"en-us+f2"``, ...). See :data:`asteroid.data.synthetic.SPEAKERS`.
        pitch (int): Base pitch, 0 to 100 (eSpeak's scale; 50 is the voice's default).
        rate (int): Speaking rate in words per minute (80 to 450).
        sample_rate (int): Output sample rate in Hz. eSpeak renders at 22050 Hz; other rates are
            obtained with a polyphase resampler (:func:`scipy.signal.resample_poly`).
        seed (int, optional): When given, a small random gain (0.8 to 1.0 of the normalized
            peak) and a tiny dither are drawn from this seed, so that the same sentence said
            twice is not bit-identical. ``None`` gives a deterministic signal.

    Returns:
        np.ndarray: float32 mono waveform, peak-normalized to 0.5 (times the seeded gain).

    Shape:
        - Output: :math:`(T,)` with :math:`T` about ``len(words) * 60 / rate * sample_rate``.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"`text` must be a non-empty string, got {text!r}.")
    if not 0 <= int(pitch) <= 100:
        raise ValueError(f"`pitch` must be in [0, 100], got {pitch}.")
    if not 80 <= int(rate) <= 450:
        raise ValueError(f"`rate` must be in [80, 450] words per minute, got {rate}.")
    if int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ValueError(f"`sample_rate` must be a positive integer, got {sample_rate}.")
    raw = _raw_speech(text, voice, pitch, rate).astype(np.float32) / 32768.0
    if int(sample_rate) != ESPEAK_SAMPLE_RATE and raw.size:
        ratio = Fraction(int(sample_rate), ESPEAK_SAMPLE_RATE)
        raw = resample_poly(raw, ratio.numerator, ratio.denominator).astype(np.float32)
    peak = float(np.max(np.abs(raw))) if raw.size else 0.0
    if peak == 0.0:
        raise RuntimeError(f"eSpeak NG produced silence for {text!r} with voice {voice!r}.")
    wav = raw * (0.5 / peak)
    if seed is not None:
        rng = np.random.default_rng(seed)
        wav = wav * rng.uniform(0.8, 1.0) + rng.normal(0.0, 1e-5, size=wav.shape)
    return wav.astype(np.float32)
