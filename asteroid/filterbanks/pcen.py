"""Per-channel energy normalisation (PCEN) of magnitude spectrograms, offline and streaming."""

from typing import Optional, Tuple, TypedDict, Union

import torch
from torch import nn

__all__ = ["ExponentialMovingAverage", "TrainableParameters", "PCEN", "StatefulPCEN"]


class ExponentialMovingAverage(nn.Module):
    """First-order recursive smoother along the last (time) axis.

    :math:`M[l] = s \\, E[l] + (1 - s) \\, M[l - 1]`, with :math:`s` clamped to :math:`[0, 1]`.

    Args:
        smooth (float): smoothing coefficient :math:`s` (initial value).
        per_channel (bool): one coefficient per channel instead of one in all.
        n_channels (int): number of channels (axis 1 of the input).
        trainable (bool): whether :math:`s` is learned.

    Shape:
        - mag_spec: :math:`(B, C, F, L)`
        - initial_state: :math:`(B, C, F, 1)` or ``None`` (the first frame)
        - outputs: :math:`(B, C, F, L)` and the last state :math:`(B, C, F, 1)`
    """

    def __init__(
        self,
        smooth: float = 0.04,
        per_channel: bool = False,
        n_channels: int = 1,
        trainable: bool = False,
    ):
        super().__init__()
        size = n_channels if per_channel else 1
        self.set_weights(torch.full((size,), fill_value=float(smooth)), trainable=trainable)

    def set_weights(self, data: torch.Tensor, trainable: bool):
        """Replaces the smoothing coefficients by ``data``."""
        self.weights = nn.Parameter(data, requires_grad=trainable)
        self.trainable = trainable

    def forward(
        self, mag_spec: torch.Tensor, initial_state: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        if initial_state is None:
            initial_state = mag_spec[..., :1]
        # Channels last, so that the (C,) coefficients broadcast.
        coeff = torch.clamp(self.weights, 0.0, 1.0)
        state = initial_state.transpose(1, -1)  # B, 1, F, C
        frames = mag_spec.transpose(1, -1)  # B, L, F, C
        out = []
        for frame in torch.split(frames, 1, dim=1):
            state = coeff * frame + (1.0 - coeff) * state
            out.append(state)
        smoothed = torch.cat(out, dim=1).transpose(1, -1)  # B, C, F, L
        return smoothed, state.transpose(1, -1)


class TrainableParameters(TypedDict):
    """Which PCEN parameters are learned."""

    alpha: bool
    delta: bool
    root: bool
    smooth: bool


class _PCEN(nn.Module):
    """Shared body of :class:`PCEN` and :class:`StatefulPCEN`."""

    def __init__(
        self,
        alpha: float = 0.96,
        delta: float = 2.0,
        root: float = 2.0,
        floor: float = 1e-6,
        smooth: float = 0.04,
        n_channels: int = 1,
        trainable: Union[bool, TrainableParameters] = False,
        per_channel_smoothing: bool = False,
    ):
        super().__init__()
        if isinstance(trainable, bool):
            trainable = TrainableParameters(
                alpha=trainable, delta=trainable, root=trainable, smooth=trainable
            )
        unknown = set(trainable) - {"alpha", "delta", "root", "smooth"}
        if unknown:
            raise ValueError(
                f"Unknown keys in trainable: {sorted(unknown)}; expected alpha, delta, root, smooth."
            )
        trainable = TrainableParameters(
            **{key: bool(trainable.get(key, False)) for key in ("alpha", "delta", "root", "smooth")}
        )
        self._init_args = dict(
            alpha=alpha,
            delta=delta,
            root=root,
            floor=floor,
            smooth=smooth,
            n_channels=n_channels,
            trainable=dict(trainable),
            per_channel_smoothing=per_channel_smoothing,
        )
        self.trainable = trainable
        self.n_channels = n_channels
        self.alpha = self._channel_param(alpha, trainable["alpha"])
        self.delta = self._channel_param(delta, trainable["delta"])
        self.root = self._channel_param(root, trainable["root"])
        self.floor = floor
        self.ema = ExponentialMovingAverage(
            smooth=smooth,
            per_channel=per_channel_smoothing,
            n_channels=n_channels,
            trainable=trainable["smooth"],
        )

    def _channel_param(self, value, trainable):
        return nn.Parameter(
            torch.full((self.n_channels,), fill_value=float(value)), requires_grad=trainable
        )

    def _pcen(
        self, mag_spec: torch.Tensor, initial_state: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        three_d = mag_spec.dim() == 3
        if three_d:
            mag_spec = mag_spec.unsqueeze(1)
        if mag_spec.dim() != 4:
            raise ValueError(
                f"Expected a (batch, channels, freq, time) or (batch, freq, time) magnitude "
                f"spectrogram, got shape {list(mag_spec.shape)}."
            )
        alpha = torch.clamp(self.alpha, max=1.0)
        one_over_root = 1.0 / torch.clamp(self.root, min=1.0)
        smoothed, state = self.ema(mag_spec, initial_state)
        # Channels last, so that the (C,) parameters broadcast.
        energy = mag_spec.transpose(1, -1)
        smoothed = smoothed.transpose(1, -1)
        gain = (self.floor + smoothed).pow(alpha)
        out = (energy / gain + self.delta).pow(one_over_root) - self.delta.pow(one_over_root)
        out = out.transpose(1, -1)
        if three_d:
            out = out.squeeze(1)
        return out, state

    def get_config(self):
        """The constructor arguments (initial values)."""
        return dict(self._init_args, trainable=dict(self._init_args["trainable"]))


class PCEN(_PCEN):
    r"""Per-channel energy normalisation of a magnitude spectrogram.

    :math:`\mathrm{PCEN}(E) = \left(\frac{E}{(\epsilon + M)^{\alpha}} + \delta\right)^{1/r}
    - \delta^{1/r}`, with :math:`M` the exponential moving average of :math:`E` over time
    (:class:`ExponentialMovingAverage`, coefficient :math:`s`). :math:`\alpha` is clamped to at
    most 1 and :math:`r` to at least 1. Parameters are per channel (axis 1 of the input).

    Args:
        alpha (float): gain normalisation strength :math:`\alpha`.
        delta (float): bias :math:`\delta` added before the compression.
        root (float): compression root :math:`r`.
        floor (float): :math:`\epsilon`, keeps the division finite.
        smooth (float): smoothing coefficient :math:`s`.
        n_channels (int): number of channels :math:`C`.
        trainable (bool or dict): learn all parameters, or the ones named ``True`` in a dict
            with keys ``alpha``, ``delta``, ``root``, ``smooth``.
        per_channel_smoothing (bool): one smoothing coefficient per channel.

    Shape:
        - mag_spec: :math:`(B, C, F, L)` or :math:`(B, F, L)` (one channel)
        - output: same as the input

    References:
        Y. Wang, P. Getreuer, T. Hughes, R. F. Lyon, R. A. Saurous, "Trainable frontend for
        robust and far-field keyword spotting", ICASSP 2017.
    """

    def forward(self, mag_spec: torch.Tensor) -> torch.Tensor:
        return self._pcen(mag_spec, None)[0]


class StatefulPCEN(_PCEN):
    """PCEN for streaming: returns the smoother state to feed to the next call.

    Processing a spectrogram in consecutive chunks, each call given the state returned by the
    previous one, gives the same output as one :class:`PCEN` call on the whole spectrogram.
    Same arguments as :class:`PCEN`.

    Shape:
        - mag_spec: :math:`(B, C, F, L)` or :math:`(B, F, L)`
        - initial_state: :math:`(B, C, F, 1)` or ``None`` (starts from the first frame)
        - outputs: same as ``mag_spec``, and the state :math:`(B, C, F, 1)`
    """

    @classmethod
    def from_pcen(cls, pcen):
        """A StatefulPCEN with the configuration and the current parameter values of ``pcen``."""
        stateful = cls(**pcen.get_config())
        stateful.load_state_dict(pcen.state_dict())
        return stateful

    def forward(
        self, mag_spec: torch.Tensor, initial_state: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        return self._pcen(mag_spec, initial_state)
