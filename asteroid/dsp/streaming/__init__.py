"""Streaming separation: causal models run chunk by chunk, with the same output as offline.

:class:`StreamingSeparator` wraps a causal encoder-masker-decoder model and keeps
the state its receptive field needs between chunks (input samples of the frame
under way, causal convolution histories, cumulative-norm sums, RNN states, the
decoder's overlap-add tail), so that the chunks it returns, put end to end, are
the model's offline output. :func:`stream_file` runs it over an audio file read
in blocks, as ``asteroid-infer --stream`` does.

What streams:

=====================  ==================================================================
model                  condition
=====================  ==================================================================
``ConvTasNet``         ``causal=True`` (norm ``cLN`` or ``cgLN``)
``LSTMTasNet``         ``bidirectional=False``, ``mask_act`` not ``softmax`` (it runs over frames)
``DeMask``             ``norm_type`` ``cLN``, ``cgLN`` or ``bN``
``DPRNNTasNet``        ``bidirectional=False``, ``norm_type`` ``cLN`` or ``bN`` (adds
                       ``chunk_size - hop_size`` frames of latency)
=====================  ==================================================================

Anything else raises a ``ValueError`` naming what cannot stream: a global norm
(``gLN``, ``fgLN``), a bidirectional RNN, a convolution that looks ahead, a
filterbank that centres its frames (``TorchSTFTFB``), an overridden model step.

Example:
    >>> from asteroid.models import ConvTasNet
    >>> from asteroid.dsp.streaming import StreamingSeparator
    >>> model = ConvTasNet(n_src=2, causal=True, norm_type="cgLN").eval()
    >>> streamer = StreamingSeparator(model)
    >>> for chunk in chunks:                 # e.g. 10 ms blocks from a sound card
    ...     estimates = streamer.step(chunk)  # (n_src, samples ready)
    >>> last = streamer.flush()
"""

from .files import stream_file
from .layers import (
    NotStreamableError,
    StatefulModule,
    StreamingCausalConv1d,
    StreamingCumLN,
    StreamingMulCatRNN,
    StreamingRNN,
    make_stateful,
)
from .maskers import (
    DualPathMasker,
    FrameMasker,
    StreamingMasker,
    get_streaming_masker,
    register_streaming_masker,
)
from .separator import StreamingSeparator, StreamStats, register_streaming_model

__all__ = [
    "StreamingSeparator",
    "StreamStats",
    "NotStreamableError",
    "stream_file",
    "register_streaming_model",
    "register_streaming_masker",
    "get_streaming_masker",
    "StreamingMasker",
    "FrameMasker",
    "DualPathMasker",
    "StatefulModule",
    "StreamingCausalConv1d",
    "StreamingCumLN",
    "StreamingRNN",
    "StreamingMulCatRNN",
    "make_stateful",
]
