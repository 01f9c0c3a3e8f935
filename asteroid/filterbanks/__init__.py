"""Filterbanks: learnable and fixed analysis/synthesis filterbanks, Encoder and Decoder.

A filterbank (:class:`Filterbank` subclass) holds the filters; an :class:`Encoder` runs the
analysis (strided convolution) and a :class:`Decoder` the synthesis (transposed convolution).
:func:`make_enc_dec` builds a matching pair from a name of the registry (:func:`get`).
"""

from .analytic_free_fb import AnalyticFreeFB
from .enc_dec import Decoder, Encoder, Filterbank
from .free_fb import FreeFB
from .griffin_lim import griffin_lim, misi
from .melgram_fb import MelGramFB, MelScale
from .multiphase_gammatone_fb import MultiphaseGammatoneFB
from .param_sinc_fb import ParamSincFB
from .pcen import PCEN, StatefulPCEN
from .stft_fb import STFTFB, perfect_synthesis_window
from .torch_stft_fb import TorchSTFTFB

__all__ = [
    "Filterbank",
    "Encoder",
    "Decoder",
    "FreeFB",
    "STFTFB",
    "TorchSTFTFB",
    "AnalyticFreeFB",
    "ParamSincFB",
    "MultiphaseGammatoneFB",
    "MelGramFB",
    "MelScale",
    "PCEN",
    "StatefulPCEN",
    "perfect_synthesis_window",
    "griffin_lim",
    "misi",
    "make_enc_dec",
    "get",
    "register_filterbank",
]

# Name -> filterbank class. Class names and the published lower-case names resolve; lookups
# are case-sensitive, as in the published package.
_FILTERBANKS = {}


def _add(name, cls):
    if name in _FILTERBANKS or name.lower() in _FILTERBANKS:
        raise ValueError(f"A filterbank named {name!r} is already registered; choose another name.")
    _FILTERBANKS[name] = cls


for _cls in (
    FreeFB,
    AnalyticFreeFB,
    ParamSincFB,
    STFTFB,
    TorchSTFTFB,
    MultiphaseGammatoneFB,
    MelGramFB,
):
    _add(_cls.__name__, _cls)
for _alias, _cls in (
    ("free", FreeFB),
    ("analytic_free", AnalyticFreeFB),
    ("param_sinc", ParamSincFB),
    ("stft", STFTFB),
    ("torch_stft", TorchSTFTFB),
    ("multiphase_gammatone", MultiphaseGammatoneFB),
    ("mpgtf", MultiphaseGammatoneFB),
    ("melgram", MelGramFB),
):
    _add(_alias, _cls)
del _alias, _cls


def register_filterbank(custom_fb):
    """Adds a filterbank class to the registry, under its class name, for :func:`get`.

    Args:
        custom_fb (type): a :class:`Filterbank` subclass.

    Raises:
        TypeError: if ``custom_fb`` is not a Filterbank subclass.
        ValueError: if its name, or its lower-cased name, is already taken.
    """
    if not (isinstance(custom_fb, type) and issubclass(custom_fb, Filterbank)):
        raise TypeError(f"Expected a Filterbank subclass, got {custom_fb!r}.")
    _add(custom_fb.__name__, custom_fb)


def get(identifier):
    """The filterbank class named ``identifier``.

    Args:
        identifier (str, type or None): a registered name (``"free"``, ``"FreeFB"``,
            ``"stft"``, ...), a class or other callable (returned as is), or ``None``.

    Returns:
        The filterbank class, or ``None`` for ``None``.

    Raises:
        ValueError: for an unknown name or an identifier of another type; the message lists the
            known names.
    """
    if identifier is None:
        return None
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _FILTERBANKS:
        return _FILTERBANKS[identifier]
    raise ValueError(
        f"Could not interpret filterbank identifier {identifier!r}. Known filterbanks: "
        f"{', '.join(sorted(_FILTERBANKS))}."
    )


def make_enc_dec(
    fb_name,
    n_filters,
    kernel_size,
    stride=None,
    sample_rate=8000.0,
    who_is_pinv=None,
    padding=0,
    output_padding=0,
    **kwargs,
):
    """An Encoder and a Decoder of the same filterbank family.

    Args:
        fb_name (str or type): filterbank name or class, resolved with :func:`get`.
        n_filters (int): number of filters.
        kernel_size (int): length of the filters.
        stride (int, optional): hop size; ``None`` means ``kernel_size // 2``.
        sample_rate (float): sample rate of the expected audio, in Hz.
        who_is_pinv (str, optional): ``None``: two independent filterbanks (separate
            weights). ``"dec"``/``"decoder"``: one filterbank, the Decoder uses its
            pseudo-inverse. ``"enc"``/``"encoder"``: one filterbank, the Encoder uses its
            pseudo-inverse (and gets no padding).
        padding (int): zero-padding of both the Encoder and the Decoder.
        output_padding (int): ``output_padding`` of the Decoder.
        **kwargs: further arguments of the filterbank class (``window``, ``n_mels``, ...).

    Returns:
        tuple: ``(Encoder, Decoder)``.

    Raises:
        ValueError: for an unknown filterbank name or ``who_is_pinv`` value.
    """
    fb_class = get(fb_name)
    if who_is_pinv not in (None, "enc", "encoder", "dec", "decoder"):
        raise ValueError(
            f"who_is_pinv must be None, 'enc'/'encoder' or 'dec'/'decoder', got {who_is_pinv!r}."
        )

    def new_fb():
        return fb_class(n_filters, kernel_size, stride=stride, sample_rate=sample_rate, **kwargs)

    if who_is_pinv in ("dec", "decoder"):
        fb = new_fb()
        return Encoder(fb, padding=padding), Decoder.pinv_of(fb)
    if who_is_pinv in ("enc", "encoder"):
        fb = new_fb()
        return Encoder.pinv_of(fb), Decoder(fb, padding=padding, output_padding=output_padding)
    encoder = Encoder(new_fb(), padding=padding)
    decoder = Decoder(new_fb(), padding=padding, output_padding=output_padding)
    return encoder, decoder


# Lower-case names of the published package, kept as module attributes.
free = FreeFB
analytic_free = AnalyticFreeFB
param_sinc = ParamSincFB
stft = STFTFB
torch_stft = TorchSTFTFB
multiphase_gammatone = mpgtf = MultiphaseGammatoneFB
