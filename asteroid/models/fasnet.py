"""FaSNet with Transform-Average-Concatenate (Luo et al. 2020): multi-microphone filter-and-sum."""

import torch
import torch.nn.functional as F
from torch import nn

from ..dsp.spatial import xcorr
from ..masknn import norms
from ..masknn.recurrent import DPRNNBlock
from ..masknn.tac import TAC
from .base_models import BaseModel

__all__ = ["FasNetTAC"]


class FasNetTAC(BaseModel):
    r"""Filter-and-sum network with transform-average-concatenate across microphones.

    Each microphone's signal is cut into short windows with context; a DPRNN
    estimates, for every window, microphone and source, a filter that is applied
    to the window with its context; the filtered windows are overlap-added and
    averaged over the (valid) microphones. TAC modules share information across
    microphones after every DPRNN block, so the model works with any number of
    microphones.

    Args:
        n_src (int): number of sources to estimate.
        enc_dim (int): number of encoder filters.
        feature_dim (int): features in the DPRNN blocks (after the bottleneck).
        hidden_dim (int): hidden size of the DPRNN's RNNs.
        n_layers (int): number of DPRNN (+ TAC) blocks.
        window_ms (int): length of the beamforming windows, in ms (even).
        stride (float, optional): hop between beamforming windows, in ms; ``None``
            for half a window.
        context_ms (int): context on each side of a window, in ms (the filters are
            ``2 * context + 1`` samples long).
        sample_rate (float): sample rate of the model, in Hz.
        tac_hidden_dim (int): hidden size of the TAC modules.
        norm_type (str): norm of the encoder, the DPRNN and TAC.
        chunk_size (int): frames per DPRNN chunk.
        hop_size (int): hop between DPRNN chunks.
        bidirectional (bool): bidirectional inter-chunk RNNs.
        rnn_type (str): ``"RNN"``, ``"LSTM"`` or ``"GRU"``.
        dropout (float): dropout in the DPRNN blocks.
        use_tac (bool): use TAC between microphones (else microphones are
            processed independently).

    Shape:
        - input: :math:`(B, M, T)` (:math:`M` microphones)
        - output: :math:`(B, S, T)`

    References:
        Yi Luo, Zhuo Chen, Nima Mesgarani and Takuya Yoshioka, "End-to-end
        microphone permutation and number invariant multi-channel speech
        separation", ICASSP 2020. https://arxiv.org/abs/1910.14104
    """

    def __init__(
        self,
        n_src,
        enc_dim=64,
        feature_dim=64,
        hidden_dim=128,
        n_layers=4,
        window_ms=4,
        stride=None,
        context_ms=16,
        sample_rate=16000,
        tac_hidden_dim=384,
        norm_type="gLN",
        chunk_size=50,
        hop_size=25,
        bidirectional=True,
        rnn_type="LSTM",
        dropout=0.0,
        use_tac=True,
    ):
        super().__init__(sample_rate=sample_rate, in_channels=None)
        if window_ms % 2 != 0:
            raise ValueError(f"window_ms must be even, got {window_ms}.")
        self.n_src = n_src
        self.enc_dim = enc_dim
        self.feature_dim = feature_dim
        self.hidden_dim = hidden_dim
        self.n_layers = n_layers
        self.window_ms = window_ms
        self.stride_ms = stride
        self.context_ms = context_ms
        self.tac_hidden_dim = tac_hidden_dim
        self.norm_type = norm_type
        self.chunk_size = chunk_size
        self.hop_size = hop_size
        self.bidirectional = bidirectional
        self.rnn_type = rnn_type
        self.dropout = dropout
        self.use_tac = use_tac

        # Lengths in samples.
        self.window = int(sample_rate * window_ms / 1000)
        self.context = int(sample_rate * context_ms / 1000)
        self.stride = self.window // 2 if not stride else int(round(sample_rate * stride / 1000))
        if not 1 <= self.stride <= self.window:
            raise ValueError(
                f"The beamforming hop must be between 1 sample and the window "
                f"({self.window} samples), got stride={stride} ms = {self.stride} samples."
            )
        self.filter_dim = 2 * self.context + 1

        # Encoder of each window with its context, and its norm.
        self.encoder = nn.Conv1d(1, enc_dim, 2 * self.context + self.window, bias=False)
        self.enc_LN = norms.get(norm_type)(enc_dim)
        # Encoded features and cross-correlations with the reference mic -> DPRNN features.
        self.bottleneck = nn.Conv1d(self.filter_dim + enc_dim, feature_dim, 1, bias=False)
        # DPRNN blocks, each followed by TAC across microphones.
        self.DPRNN_TAC = nn.ModuleList()
        for _ in range(n_layers):
            block = nn.ModuleList(
                [
                    DPRNNBlock(
                        feature_dim,
                        hidden_dim,
                        norm_type,
                        bidirectional,
                        rnn_type,
                        dropout=dropout,
                    )
                ]
            )
            if use_tac:
                block.append(TAC(feature_dim, tac_hidden_dim, norm_type=norm_type))
            self.DPRNN_TAC.append(block)
        # Output: features per source, then gated filters of 2 * context + 1 taps.
        self.conv_2D = nn.Sequential(nn.PReLU(), nn.Conv2d(feature_dim, n_src * feature_dim, 1))
        self.tanh = nn.Sequential(nn.Conv1d(feature_dim, self.filter_dim, 1), nn.Tanh())
        self.gate = nn.Sequential(nn.Conv1d(feature_dim, self.filter_dim, 1), nn.Sigmoid())

    @staticmethod
    def windowing_with_context(x, window, context, stride=None):
        """Cut every microphone's signal into windows, with and without context.

        Args:
            x (torch.Tensor): signals, :math:`(B, M, T)`.
            window (int): window length, in samples.
            context (int): context on each side, in samples.
            stride (int, optional): hop between windows; ``None`` for ``window // 2``.

        Returns:
            tuple: the windows :math:`(B, M, L, window)` and the windows with their
            context :math:`(B, M, L, window + 2 context)`.
        """
        stride = window // 2 if stride is None else stride
        batch, n_mics, _ = x.shape
        unfolded = F.unfold(
            x.unsqueeze(-1),
            kernel_size=(window + 2 * context, 1),
            padding=(context + window, 0),
            stride=(stride, 1),
        )  # B, M * (window + 2 context), L
        n_frames = unfolded.shape[-1]
        unfolded = unfolded.reshape(batch, n_mics, window + 2 * context, n_frames)
        return (
            unfolded[:, :, context : context + window].transpose(2, -1),
            unfolded.transpose(2, -1),
        )

    def forward(self, x, valid_mics=None):
        """Separate multi-microphone mixtures.

        Args:
            x (torch.Tensor): mixtures, :math:`(B, M, T)`.
            valid_mics (torch.Tensor, optional): number of real microphones of each
                mixture, :math:`(B,)` (the others are padding and are ignored in
                the averages); ``None`` when all are real.

        Returns:
            torch.Tensor: estimates, :math:`(B, S, T)`.

        Raises:
            ValueError: for an input that is not 3-D.
        """
        # B: batch, M: mics, S: sources, L: windows, W: window, C: 2 context + 1 taps,
        # N: encoder filters, D: DPRNN features, K: chunk, P: chunks, T: samples
        if x.dim() != 3:
            raise ValueError(
                f"FasNetTAC expects (batch, mics, time) input, got shape {tuple(x.shape)}."
            )
        batch, n_mics, n_samples = x.shape
        if valid_mics is None:
            valid_mics = torch.full((batch,), n_mics, dtype=torch.long, device=x.device)
        windows, with_context = self.windowing_with_context(
            x, self.window, self.context, self.stride
        )  # B, M, L, W and B, M, L, W + 2 context
        n_frames, span = with_context.shape[2], with_context.shape[3]

        # Encoder features of each window with context.
        enc = self.encoder(with_context.reshape(batch * n_mics * n_frames, 1, span))
        enc = enc.reshape(batch * n_mics, n_frames, self.enc_dim).transpose(1, 2)  # BM, N, L
        enc = self.enc_LN(enc.contiguous()).reshape(batch, n_mics, self.enc_dim, n_frames)

        # Normalised cross-correlation of each mic's context with the first mic's window.
        ref = windows[:, 0].reshape(batch * n_frames, 1, self.window)
        contexts = with_context.transpose(1, 2).reshape(batch * n_frames, n_mics, span)
        cos_sim = xcorr(contexts, ref)  # BL, M, C
        cos_sim = cos_sim.reshape(batch, n_frames, n_mics, self.filter_dim).permute(0, 2, 3, 1)

        features = torch.cat([enc, cos_sim.contiguous()], 2)  # B, M, N + C, L
        features = self.bottleneck(features.reshape(batch * n_mics, -1, n_frames))  # BM, D, L

        # Dual-path processing on chunks of frames, TAC across mics after each block.
        chunks = F.unfold(
            features.unsqueeze(-1),
            kernel_size=(self.chunk_size, 1),
            padding=(self.chunk_size, 0),
            stride=(self.hop_size, 1),
        )
        n_chunks = chunks.shape[-1]
        chunks = chunks.reshape(batch * n_mics, self.feature_dim, self.chunk_size, n_chunks)
        for block in self.DPRNN_TAC:
            chunks = block[0](chunks)  # BM, D, K, P
            if self.use_tac:
                chunks = chunks.reshape(batch, n_mics, self.feature_dim, self.chunk_size, n_chunks)
                chunks = block[1](chunks, valid_mics)
                chunks = chunks.reshape(batch * n_mics, self.feature_dim, self.chunk_size, n_chunks)
        chunks = self.conv_2D(chunks)  # BM, S * D, K, P
        chunks = chunks.reshape(
            batch * n_mics * self.n_src, self.feature_dim * self.chunk_size, n_chunks
        )
        folded = F.fold(
            chunks,
            (n_frames, 1),
            kernel_size=(self.chunk_size, 1),
            padding=(self.chunk_size, 0),
            stride=(self.hop_size, 1),
        )
        folded = folded.squeeze(-1) / (self.chunk_size / self.hop_size)  # BMS, D, L
        filters = self.tanh(folded) * self.gate(folded)  # BMS, C, L
        filters = filters.view(batch, n_mics, self.n_src, self.filter_dim, n_frames)

        # Filter each window's context with its filter (a grouped convolution).
        contexts = with_context.unsqueeze(2).repeat(1, 1, self.n_src, 1, 1)  # B, M, S, L, span
        filtered = F.conv1d(
            contexts.reshape(1, -1, span),
            filters.transpose(3, 4).contiguous().reshape(-1, 1, self.filter_dim),
            groups=batch * n_mics * self.n_src * n_frames,
        )  # 1, BMSL, W
        filtered = filtered.reshape(batch * n_mics * self.n_src, n_frames, self.window)

        # Overlap-add the filtered windows.
        signals = F.fold(
            filtered.transpose(1, 2),
            (n_samples, 1),
            kernel_size=(self.window, 1),
            padding=(self.window, 0),
            stride=(self.stride, 1),
        ).reshape(batch, n_mics, self.n_src, n_samples)

        # Average over the valid microphones (over all of them if none is marked valid).
        if int(valid_mics.max()) == 0:
            return signals.mean(1)
        mic_mask = torch.arange(n_mics, device=x.device)[None, :] < valid_mics[:, None].to(x.device)
        mic_mask = mic_mask.to(signals.dtype)[:, :, None, None]  # B, M, 1, 1
        return (signals * mic_mask).sum(1) / mic_mask.sum(1)

    @classmethod
    def upgrade_model_args(cls, model_args, file_version):
        """asteroid < 0.8 wrote ``stride`` in samples; the constructor reads milliseconds."""
        if file_version is not None and file_version < (0, 8) and model_args.get("stride"):
            sample_rate = model_args.get("sample_rate", 16000)
            model_args["stride"] = model_args["stride"] * 1000 / sample_rate
        return model_args

    def get_model_args(self):
        """The constructor's arguments (``stride`` in ms, as given)."""
        return {
            "n_src": self.n_src,
            "enc_dim": self.enc_dim,
            "feature_dim": self.feature_dim,
            "hidden_dim": self.hidden_dim,
            "n_layers": self.n_layers,
            "window_ms": self.window_ms,
            "stride": self.stride_ms,
            "context_ms": self.context_ms,
            "sample_rate": self.sample_rate,
            "tac_hidden_dim": self.tac_hidden_dim,
            "norm_type": self.norm_type,
            "chunk_size": self.chunk_size,
            "hop_size": self.hop_size,
            "bidirectional": self.bidirectional,
            "rnn_type": self.rnn_type,
            "dropout": self.dropout,
            "use_tac": self.use_tac,
        }
