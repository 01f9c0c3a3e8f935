"""Noise, music-like stems and room impulse responses, all drawn from a seeded generator."""

import numpy as np
from scipy.fft import next_fast_len
from scipy.signal import fftconvolve

__all__ = [
    "colored_noise",
    "ambient_noise",
    "instrument_stem",
    "synthetic_rir",
    "split_rir",
    "reverberate",
]


def _rng(seed_or_rng):
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    return np.random.default_rng(seed_or_rng)


def colored_noise(num_samples, color="pink", rng=None, channels=None):
    """Gaussian noise with a :math:`1/f^\\alpha` power spectrum, unit RMS.

    Args:
        num_samples (int): Length.
        color (str): ``"white"`` (:math:`\\alpha=0`), ``"pink"`` (1) or ``"brown"`` (2).
        rng (np.random.Generator or int, optional): Generator or seed.
        channels (int, optional): Number of independent channels (``None``: mono).

    Returns:
        np.ndarray: float32, ``(num_samples,)`` or ``(channels, num_samples)``.
    """
    alphas = {"white": 0.0, "pink": 1.0, "brown": 2.0}
    if color not in alphas:
        raise ValueError(f"Unknown noise color {color!r}, expected one of {list(alphas)}.")
    rng = _rng(rng)
    n_fft = next_fast_len(max(num_samples, 1), real=True)  # Prime lengths make slow FFTs.
    shape = (1 if channels is None else channels, n_fft)
    spec = np.fft.rfft(rng.standard_normal(shape), axis=-1)
    freqs = np.arange(spec.shape[-1], dtype=np.float64)
    freqs[0] = 1.0
    spec = spec / freqs ** (alphas[color] / 2)
    noise = np.fft.irfft(spec, n=n_fft, axis=-1)[:, :num_samples]
    noise /= np.sqrt(np.mean(noise**2, axis=-1, keepdims=True)) + 1e-12
    noise = noise.astype(np.float32)
    return noise[0] if channels is None else noise


def ambient_noise(num_samples, sample_rate, rng=None, channels=None):
    """Ambient-like noise (WHAM!/CHiME-like): pink noise, a hum and slow level changes.

    Returns:
        np.ndarray: float32, unit RMS, ``(num_samples,)`` or ``(channels, num_samples)``.
    """
    rng = _rng(rng)
    noise = colored_noise(num_samples, "pink", rng, channels)
    t = np.arange(num_samples) / sample_rate
    hum_freq = rng.choice([50.0, 60.0])
    hum = sum(
        np.sin(2 * np.pi * k * hum_freq * t + rng.uniform(0, 2 * np.pi)) / k for k in (1, 2, 3)
    )
    envelope = 1.0 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t + rng.uniform(0, 6.28))
    out = (noise + 0.3 * hum) * envelope
    out = out / (np.sqrt(np.mean(out**2, axis=-1, keepdims=True)) + 1e-12)
    return out.astype(np.float32)


def instrument_stem(kind, num_samples, sample_rate, rng=None, channels=2):
    """A music-like stem: ``"bass"`` (low notes), ``"drums"`` (decaying noise hits) or
    ``"other"`` (chords), at a tempo drawn from ``rng``.

    Returns:
        np.ndarray: float32 ``(channels, num_samples)``, peak 0.5.
    """
    rng = _rng(rng)
    t = np.arange(num_samples) / sample_rate
    beat = 60.0 / rng.uniform(90, 140)
    n_beats = int(np.ceil(t[-1] / beat)) + 1 if num_samples else 0
    out = np.zeros(num_samples)
    for b in range(n_beats):
        start = int(b * beat * sample_rate)
        seg = slice(start, min(num_samples, start + int(beat * sample_rate)))
        tt = t[seg] - t[start] if start < num_samples else t[:0]
        if kind == "bass":
            freq = 55.0 * 2 ** (rng.integers(0, 12) / 12)
            out[seg] += np.sin(2 * np.pi * freq * tt) * np.exp(-3 * tt)
        elif kind == "drums":
            out[seg] += rng.standard_normal(tt.size) * np.exp(-25 * tt)
        elif kind == "other":
            root = 220.0 * 2 ** (rng.integers(0, 12) / 12)
            for step in (0, 4, 7):
                out[seg] += np.sin(2 * np.pi * root * 2 ** (step / 12) * tt) * np.exp(-1.5 * tt) / 3
        else:
            raise ValueError(f"Unknown stem kind {kind!r}, expected 'bass', 'drums' or 'other'.")
    gains = rng.uniform(0.6, 1.0, size=(channels, 1))  # A little stereo panning.
    out = gains * out[None]
    peak = np.max(np.abs(out)) if out.size else 0.0
    return (0.5 * out / peak if peak > 0 else out).astype(np.float32)


def synthetic_rir(sample_rate, rt60=0.3, rng=None, n_channels=1, max_delay_ms=1.0):
    """Room impulse responses: direct path, sparse early reflections, exponential tail.

    The tail is Gaussian noise under an envelope that decays by 60 dB in ``rt60`` seconds.
    Channels share the room (same reflection pattern) but have small delays of up to
    ``max_delay_ms`` and independent tails, like a compact microphone array.

    Args:
        sample_rate (int): Rate of the responses.
        rt60 (float): Reverberation time in seconds.
        rng (np.random.Generator or int, optional): Generator or seed.
        n_channels (int): Number of microphones.
        max_delay_ms (float): Largest inter-channel delay.

    Returns:
        np.ndarray: float32 ``(n_channels, length)``, direct path of amplitude 1.
    """
    rng = _rng(rng)
    length = int(rt60 * sample_rate) + 1
    base_delay = int(0.002 * sample_rate)
    reflections = [
        (int(rng.uniform(0.002, 0.05) * sample_rate), rng.uniform(0.2, 0.6) * rng.choice([-1, 1]))
        for _ in range(6)
    ]
    t = np.arange(length) / sample_rate
    decay = np.exp(-6.9 * t / rt60)
    out = np.zeros((n_channels, length))
    for c in range(n_channels):
        d = base_delay + int(rng.uniform(0, max_delay_ms / 1000) * sample_rate)
        out[c, d] = 1.0
        for delay, amp in reflections:
            if d + delay < length:
                out[c, d + delay] += amp
        tail = rng.standard_normal(length) * decay * 0.1
        tail[: d + int(0.005 * sample_rate)] = 0.0
        out[c] += tail
    return out.astype(np.float32)


def split_rir(rir, sample_rate, early_ms=50.0):
    """Split responses into the early part (up to ``early_ms`` after the direct path) and
    the tail, so that ``early + tail == rir``.

    Returns:
        tuple: ``(early, tail)``, same shape as ``rir``.
    """
    rir = np.atleast_2d(rir)
    early, tail = np.zeros_like(rir), np.zeros_like(rir)
    for c, h in enumerate(rir):
        cut = int(np.argmax(np.abs(h))) + int(early_ms / 1000 * sample_rate)
        early[c, :cut], tail[c, cut:] = h[:cut], h[cut:]
    return early, tail


def reverberate(signal, rir):
    """Convolve a mono ``signal`` with each channel of ``rir``, keeping its length.

    Returns:
        np.ndarray: float32 ``(channels, len(signal))``.
    """
    rir = np.atleast_2d(rir)
    return fftconvolve(signal[None], rir, axes=-1)[:, : len(signal)].astype(np.float32)
