"""Stateful versions of the causal layers, and the walk that puts them in a masker.

A causal layer looks at past frames: a causal convolution at the last
``dilation * (kernel_size - 1)`` frames, a cumulative layer norm at the running
sums of everything seen, a unidirectional RNN at its hidden state. Run on a
stream one block of frames at a time, each of them needs that past kept between
calls. The modules here keep it; :func:`make_stateful` swaps them into a module
tree in place of the layers they stand for and checks that every other layer is
frame-wise (its output at frame :math:`t` depends on frame :math:`t` only), so
that calling the tree on consecutive blocks gives what one call on the whole
sequence gives.

The stateful modules share the weights of the layers they replace; only the
stream's past is theirs. Each has ``reset()`` (forget the past) and
``state_tensors()`` (the tensors that hold it, for inspection).
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from ...masknn import norms
from ...masknn.activations import Swish
from ...masknn.rnn import MulCatRNN, SingleRNN
from ...masknn.tdconvnet import _Chop1d

__all__ = [
    "NotStreamableError",
    "format_reasons",
    "StatefulModule",
    "StreamingCausalConv1d",
    "PointwiseConv1d",
    "StreamingCumLN",
    "StreamingRNN",
    "StreamingMulCatRNN",
    "make_stateful",
    "stateful_modules",
]

# Layers whose output at a frame depends on that frame only (in eval mode).
_POINTWISE = (
    nn.Identity,
    nn.ReLU,
    nn.PReLU,
    nn.LeakyReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.GELU,
    nn.SiLU,
    Swish,
    nn.Dropout,
    norms.ChanLN,
    _BatchNorm,  # eval mode: running statistics, one affine map per channel
)


class NotStreamableError(ValueError):
    """Raised for a model that cannot stream; says why, and where in the model.

    Args:
        subject (str): what cannot stream (e.g. the model's class name).
        reasons (list of tuple): ``(why, where)`` pairs: the reason, and the name
            of the module (or step) it applies to.
    """

    def __init__(self, subject: str, reasons: List[Tuple[str, str]]):
        self.subject = subject
        self.reasons = list(reasons)
        super().__init__(format_reasons(subject, self.reasons))


def format_reasons(subject: str, reasons: List[Tuple[str, str]], max_where: int = 2) -> str:
    """One line: each distinct reason once, with the first places it applies to."""
    places: Dict[str, List[str]] = {}
    for why, where in reasons:
        names = places.setdefault(why, [])
        if where not in names:
            names.append(where)
    parts = []
    for why, names in places.items():
        shown = ", ".join(names[:max_where])
        if len(names) > max_where:
            shown += f", +{len(names) - max_where} more"
        parts.append(f"{why} (in {shown})")
    return f"{subject} cannot stream: " + "; ".join(parts) + "."


class StatefulModule(nn.Module):
    """A layer that keeps the past of a stream between calls."""

    def reset(self):
        """Forget the stream's past (start a new stream)."""
        raise NotImplementedError(f"{type(self).__name__} must implement reset().")

    def state_tensors(self) -> Dict[str, torch.Tensor]:
        """The tensors that hold the stream's past (empty before the first call)."""
        raise NotImplementedError(f"{type(self).__name__} must implement state_tensors().")

    def _check_batch(self, batch: int, state: Optional[torch.Tensor], axis: int = 0):
        if state is not None and state.shape[axis] != batch:
            raise ValueError(
                f"This stream carries state for a batch of {state.shape[axis]}, got a block with "
                f"batch size {batch}; call reset() to start a stream of another batch size."
            )


class StreamingCausalConv1d(StatefulModule):
    """A causal dilated ``nn.Conv1d`` run block by block, keeping its input history.

    Stands for the causal convolution of the temporal convolutional networks: a
    convolution padded by :math:`p = d (k - 1)` frames on both sides whose last
    :math:`p` output frames are dropped. The offline layer sees :math:`p` zeros
    before the first frame; this one starts from a history of :math:`p` zeros and
    keeps the last :math:`p` input frames after each call.

    Args:
        conv (nn.Conv1d): the convolution (stride 1, zero padding :math:`d (k - 1)`);
            its weights are used, not copied.

    Shape:
        - x: :math:`(B, C_{in}, l)`, the next :math:`l` frames of the stream.
        - output: :math:`(B, C_{out}, l)`.
    """

    def __init__(self, conv: nn.Conv1d):
        super().__init__()
        self.conv = conv
        self.context = conv.dilation[0] * (conv.kernel_size[0] - 1)
        self.history: Optional[torch.Tensor] = None
        # Depth-wise (one filter per channel), as in the TCN blocks.
        self._depthwise = conv.groups == conv.in_channels == conv.out_channels

    def _depthwise_conv(self, full: torch.Tensor, n_out: int) -> torch.Tensor:
        # A sum of kernel_size shifted slices: on a few frames, much faster than a dilated
        # convolution over the whole history, which only feeds kernel_size taps per output.
        dilation = self.conv.dilation[0]
        weight = self.conv.weight[:, 0, :]  # C, k
        out = None
        for tap in range(weight.shape[-1]):
            term = full[..., tap * dilation : tap * dilation + n_out] * weight[:, tap, None]
            out = term if out is None else out + term
        if self.conv.bias is not None:
            out = out + self.conv.bias[:, None]
        return out  # B, C, l

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_batch(x.shape[0], self.history)
        if x.shape[-1] == 0:
            return x.new_zeros(x.shape[0], self.conv.out_channels, 0)
        if self.history is None:
            self.history = x.new_zeros(x.shape[0], x.shape[1], self.context)
        full = torch.cat([self.history, x], dim=-1)  # B, C, p + l
        if self._depthwise:
            out = self._depthwise_conv(full, x.shape[-1])
        else:
            out = F.conv1d(
                full,
                self.conv.weight,
                self.conv.bias,
                stride=1,
                padding=0,
                dilation=self.conv.dilation,
                groups=self.conv.groups,
            )  # B, C_out, l
        # A copy, so that the history does not hold on to the whole block.
        self.history = full[..., full.shape[-1] - self.context :].clone()
        return out

    def reset(self):
        self.history = None

    def state_tensors(self):
        return {} if self.history is None else {"history": self.history}

    def extra_repr(self):
        return f"context={self.context}"


class StreamingCumLN(StatefulModule):
    """Cumulative layer norm (``cgLN``) run block by block, carrying its running sums.

    Keeps the sum and the sum of squares of every value seen (in float64, the
    precision the offline ``torch.cumsum`` accumulates in on CPU) and the number
    of frames seen, so that frame :math:`t` of a block is normalised with the
    statistics of frames :math:`0..t` of the whole stream.

    Args:
        norm (asteroid.masknn.norms.CumLN): the norm; its ``gamma`` and ``beta`` are used, not copied.

    Shape:
        - x: :math:`(B, C, l)`
        - output: :math:`(B, C, l)`
    """

    def __init__(self, norm: norms.CumLN):
        super().__init__()
        self.norm = norm
        self.sums: Optional[torch.Tensor] = None  # B, 2, 1: running sum and sum of squares
        self.n_frames = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3:
            raise ValueError(f"CumLN expects a (batch, chan, frames) block, got {list(x.shape)}.")
        self._check_batch(x.shape[0], self.sums)
        chan, n_new = x.shape[1], x.shape[-1]
        if n_new == 0:
            return x
        if self.sums is None:
            self.sums = x.new_zeros(x.shape[0], 2, 1, dtype=torch.float64)
        # Per-frame sum and sum of squares (as offline, in x's dtype), accumulated in float64.
        frame_sums = torch.stack([x.sum(1), x.pow(2).sum(1)], dim=1)  # B, 2, l
        cum_sums = torch.cumsum(frame_sums.double(), dim=-1) + self.sums  # B, 2, l
        self.sums = cum_sums[..., -1:].clone()
        frame_index = torch.arange(
            self.n_frames + 1, self.n_frames + n_new + 1, dtype=torch.float64, device=x.device
        )
        count = (frame_index * chan).to(x.dtype)  # values seen up to each frame
        self.n_frames += n_new
        cum_sums = cum_sums.to(x.dtype) / count  # B, 2, l: E[x] and E[x^2] so far
        cum_mean, cum_pow_mean = cum_sums[:, :1], cum_sums[:, 1:]
        cum_var = cum_pow_mean - cum_mean.pow(2)
        return self.norm.apply_gain_and_bias((x - cum_mean) / (cum_var + norms.EPS).sqrt())

    def reset(self):
        self.sums, self.n_frames = None, 0

    def state_tensors(self):
        return {} if self.sums is None else {"sums": self.sums}


class PointwiseConv1d(nn.Module):
    """A 1x1 ``nn.Conv1d`` that runs blocks of few frames as a matrix product on the features.

    Same result as the convolution (up to float rounding); on a handful of frames the
    product with the features on the last axis is several times faster than the
    convolution, whose matrix product then has only a few columns.

    Args:
        conv (nn.Conv1d): the 1x1 convolution (``groups=1``); its weights are used.
    """

    #: Below this many frames, the matrix product; from it on, the convolution.
    max_frames = 64

    def __init__(self, conv: nn.Conv1d):
        super().__init__()
        self.conv = conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[-1] >= self.max_frames:
            return self.conv(x)
        weight = self.conv.weight[..., 0]  # C_out, C_in
        return F.linear(x.transpose(1, 2), weight, self.conv.bias).transpose(1, 2)


def _hidden_batch(hx) -> int:
    return (hx[0] if isinstance(hx, tuple) else hx).shape[1]


class StreamingRNN(StatefulModule):
    """A unidirectional :class:`~asteroid.masknn.rnn.SingleRNN` that carries its hidden state.

    Args:
        single_rnn (asteroid.masknn.rnn.SingleRNN): the RNN (``bidirectional=False``); its weights are
            used, not copied.

    Shape:
        - x: :math:`(B, l, F)` (batch first), the next :math:`l` steps.
        - output: :math:`(B, l, H)`.
    """

    def __init__(self, single_rnn: SingleRNN):
        super().__init__()
        self.rnn = single_rnn.rnn
        self.hx = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.hx is not None and _hidden_batch(self.hx) != x.shape[0]:
            raise ValueError(
                f"This stream carries RNN state for a batch of {_hidden_batch(self.hx)}, got a "
                f"block with batch size {x.shape[0]}; call reset() to start another stream."
            )
        out, self.hx = self.rnn(x, self.hx)
        return out

    def reset(self):
        self.hx = None

    def state_tensors(self):
        return _hidden_tensors("hx", self.hx)


class StreamingMulCatRNN(StatefulModule):
    """A unidirectional :class:`~asteroid.masknn.rnn.MulCatRNN` carrying both RNNs' states.

    Computes ``cat([rnn1(x) * rnn2(x), x], -1)`` like the offline layer.

    Args:
        mulcat (asteroid.masknn.rnn.MulCatRNN): the layer (``bidirectional=False``); its weights are used.

    Shape:
        - x: :math:`(B, l, F)`
        - output: :math:`(B, l, H + F)`
    """

    def __init__(self, mulcat: MulCatRNN):
        super().__init__()
        self.rnn1, self.rnn2 = mulcat.rnn1, mulcat.rnn2
        self.hx1, self.hx2 = None, None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.hx1 is not None and _hidden_batch(self.hx1) != x.shape[0]:
            raise ValueError(
                f"This stream carries RNN state for a batch of {_hidden_batch(self.hx1)}, got a "
                f"block with batch size {x.shape[0]}; call reset() to start another stream."
            )
        out1, self.hx1 = self.rnn1(x, self.hx1)
        out2, self.hx2 = self.rnn2(x, self.hx2)
        return torch.cat((out1 * out2, x), dim=2)

    def reset(self):
        self.hx1, self.hx2 = None, None

    def state_tensors(self):
        return {**_hidden_tensors("hx1", self.hx1), **_hidden_tensors("hx2", self.hx2)}


def _hidden_tensors(prefix, hx):
    if hx is None:
        return {}
    if isinstance(hx, tuple):  # LSTM: (h, c)
        return {f"{prefix}.h": hx[0], f"{prefix}.c": hx[1]}
    return {prefix: hx}


def _causal_conv(seq: nn.Sequential) -> Optional[nn.Conv1d]:
    """The convolution of a ``Sequential(conv, _Chop1d)`` that is exactly causal, else ``None``."""
    if len(seq) != 2 or not isinstance(seq[0], nn.Conv1d) or not isinstance(seq[1], _Chop1d):
        return None
    conv, chop = seq[0], seq[1]
    context = conv.dilation[0] * (conv.kernel_size[0] - 1)
    if (
        conv.stride[0] == 1
        and conv.padding_mode == "zeros"
        and conv.padding == (context,)
        and chop.chop_size == context
    ):
        return conv
    return None


def _is_pointwise_conv(conv) -> bool:
    """A convolution with a one-frame kernel, stride 1 and no padding (1x1 or k x 1 on frames)."""
    if isinstance(conv, nn.Conv1d):
        return conv.kernel_size == (1,) and conv.stride == (1,) and conv.padding == (0,)
    if isinstance(conv, nn.Conv2d):
        return conv.kernel_size == (1, 1) and conv.stride == (1, 1) and conv.padding == (0, 0)
    return False


@dataclass
class _Walk:
    """What :func:`make_stateful` knows of the tree it walks, and what it found."""

    softmax_frame_dims: Set[int]
    containers: Tuple[type, ...]
    allow_bidirectional: bool
    features_last: bool
    reasons: List[Tuple[str, str]] = field(default_factory=list)


def make_stateful(
    module: nn.Module,
    name: str,
    softmax_frame_dims: Set[int],
    containers: Tuple[type, ...] = (),
    allow_bidirectional: bool = False,
    features_last: bool = False,
) -> Tuple[nn.Module, List[Tuple[str, str]]]:
    """Swap the causal layers of ``module`` for stateful ones; list what cannot stream.

    Walks the module tree: a ``Sequential(Conv1d, _Chop1d)`` causal convolution
    becomes a :class:`StreamingCausalConv1d`, a :class:`~asteroid.masknn.norms.CumLN`
    a :class:`StreamingCumLN`, a unidirectional ``SingleRNN`` / ``MulCatRNN`` a
    :class:`StreamingRNN` / :class:`StreamingMulCatRNN`, and a 1x1 ``nn.Conv1d`` a
    :class:`PointwiseConv1d` (faster on few frames). Frame-wise layers
    (1x1 convolutions, activations, dropout, per-frame norms, batch norm in eval
    mode, and linear layers where features are last) stay. Anything else is
    reported: a global norm, a convolution wider than one frame that is not
    causal, a bidirectional RNN, a softmax over frames, an unknown layer.

    The tree is changed in place: call this on a copy of the model.

    Args:
        module (nn.Module): the tree (changed in place).
        name (str): its name in the model, for the messages.
        softmax_frame_dims (set of int): the dimensions that are frames for the
            softmaxes in this tree; a softmax over one of them cannot stream.
        containers (tuple of type): module types whose own ``forward`` is
            frame-wise given frame-wise children (walked into).
        allow_bidirectional (bool): leave bidirectional RNNs as they are (for RNNs
            that run inside complete chunks only, like DPRNN's intra-chunk RNN).
        features_last (bool): the layers see :math:`(B, l, F)` tensors (RNN
            stacks), so a ``nn.Linear`` is frame-wise; otherwise they see
            :math:`(B, F, l)` and a ``nn.Linear`` would mix frames.

    Returns:
        tuple: the module (replaced when the tree itself is a causal layer) and the
        list of ``(why, where)`` reasons why some of its layers cannot stream
        (empty when all can).
    """
    walk = _Walk(set(softmax_frame_dims), tuple(containers), allow_bidirectional, features_last)
    new = _convert(module, name, walk)
    return new, walk.reasons


def _convert(module, name, walk):
    cls = type(module).__name__
    reasons = walk.reasons
    if isinstance(module, StatefulModule):
        return module
    if isinstance(module, nn.Sequential):
        conv = _causal_conv(module)
        if conv is not None:
            return StreamingCausalConv1d(conv)
    if isinstance(module, (SingleRNN, MulCatRNN)):
        if module.bidirectional:
            if not walk.allow_bidirectional:
                reasons.append((_BIDIRECTIONAL, name))
            return module
        return StreamingRNN(module) if isinstance(module, SingleRNN) else StreamingMulCatRNN(module)
    if isinstance(module, nn.RNNBase):
        reasons.append((f"a bare torch {cls} (wrap it in asteroid's SingleRNN)", name))
        return module
    if isinstance(module, norms.CumLN):
        return StreamingCumLN(module)
    if isinstance(module, (norms.GlobLN, norms.FeatsGlobLN)):
        reasons.append((_GLOBAL_NORM.format(cls=cls), name))
        return module
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        if not _is_pointwise_conv(module):
            reasons.append((_LOOKAHEAD_CONV, name))
            return module
        if isinstance(module, nn.Conv1d) and module.groups == 1:
            return PointwiseConv1d(module)
        return module
    if isinstance(module, nn.Softmax):
        if module.dim in walk.softmax_frame_dims:
            reasons.append((_FRAME_SOFTMAX, name))
        return module
    if isinstance(module, nn.Linear):
        if not walk.features_last:
            reasons.append(("a Linear layer acts on the frame axis", name))
        return module
    if isinstance(module, _POINTWISE):
        return module
    if isinstance(module, (nn.Sequential, nn.ModuleList) + walk.containers):
        for child_name, child in list(module.named_children()):
            new_child = _convert(child, f"{name}.{child_name}", walk)
            if new_child is not child:
                setattr(module, child_name, new_child)
        return module
    reasons.append((f"{cls} is a layer the streaming wrapper does not know to be causal", name))
    return module


# Why a layer cannot stream, as told to the user.
_GLOBAL_NORM = (
    "a global norm ({cls}) uses statistics of the whole signal; use a causal norm, 'cLN' "
    "(per frame) or 'cgLN' (cumulative)"
)
_LOOKAHEAD_CONV = (
    "a convolution looks at future frames; only causal convolutions (e.g. ConvTasNet with "
    "causal=True) can stream"
)
_BIDIRECTIONAL = (
    "a bidirectional RNN reads the signal backwards from its end; build the model with "
    "bidirectional=False"
)
_FRAME_SOFTMAX = "a softmax over frames mixes the whole signal; use another mask activation"


def stateful_modules(module: nn.Module) -> List[Tuple[str, StatefulModule]]:
    """The stateful modules in a tree, with their names."""
    return [(n, m) for n, m in module.named_modules() if isinstance(m, StatefulModule)]
