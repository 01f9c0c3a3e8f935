"""PReLU and depth-wise convolution, faster on CPU.

On CPU, two of Conv-TasNet's layers run far below what the arithmetic needs with
PyTorch's kernels: the backward of ``nn.PReLU`` (its kernel, like ``torch.where``,
goes through a boolean mask element by element) and the dilated depth-wise
convolution (oneDNN has no vectorised path for it, forward or backward). The modules
here compute the same function with the same parameters, as a few vectorised passes:
a depth-wise convolution with kernel size :math:`K` is :math:`K` multiply-adds of
shifted views, and its gradients are :math:`K` products and sums. They subclass the
``nn`` modules, so ``state_dict`` names, ``isinstance`` checks and TorchScript are
unchanged. On other devices, under autocast, and when scripted, traced, compiled or
exported, they are the plain ``nn`` modules.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["PReLU", "DepthwiseConv1d"]


def _graph_capture() -> bool:
    # torch.compile / torch.export tracing (the queries exist from torch 2.1 / 2.7).
    compiler = getattr(torch, "compiler", None)
    for name in ("is_compiling", "is_exporting"):
        query = getattr(compiler, name, None)
        if query is not None and query():
            return True
    return False


def _cpu_autocast() -> bool:
    try:
        return torch.is_autocast_enabled("cpu")
    except TypeError:  # torch < 2.4
        return torch.is_autocast_cpu_enabled()


def _cpu_path(x: torch.Tensor, weight: torch.Tensor) -> bool:
    if torch.jit.is_scripting() or torch.jit.is_tracing() or _graph_capture():
        return False
    return (
        x.device.type == "cpu"
        and weight.device.type == "cpu"
        and x.dtype == weight.dtype
        and not _cpu_autocast()
    )


def _step(x):
    # 1.0 where x > 0, else 0.0, without a boolean tensor (slow on CPU).
    return torch.sign(x).clamp_(min=0)


def _sum_but_channels(x):
    # Sum over every dim but dim 1, as two contiguous reductions.
    return x.reshape(x.shape[0], x.shape[1], -1).sum(2).sum(0)


class _PReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return F.prelu(x, weight)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        # Per-channel slopes act on dim 1 (as F.prelu); a single slope on everything.
        shape = [1] * x.dim()
        if weight.numel() > 1:
            shape[1] = weight.numel()
        slope = weight.view(shape)
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            # d/dx = 1 for x > 0, the slope otherwise (F.prelu's convention at 0).
            grad_x = grad * _step(x).mul_(1 - slope).add_(slope)
        if ctx.needs_input_grad[1]:
            negative = x.clamp(max=0)
            if weight.numel() == 1:
                grad_w = torch.dot(grad.reshape(-1), negative.reshape(-1)).view_as(weight)
            else:
                grad_w = _sum_but_channels(grad * negative)
        return grad_x, grad_w


class PReLU(nn.PReLU):
    """``nn.PReLU`` whose backward on CPU avoids PyTorch's slow slope reduction.

    Same arguments, parameter and output as ``nn.PReLU``.

    Shape:
        - x: :math:`(batch, channels, *)`
        - output: same as ``x``
    """

    def forward(self, x):
        if torch.jit.is_scripting():
            return F.prelu(x, self.weight)
        needs_grad = torch.is_grad_enabled() and (x.requires_grad or self.weight.requires_grad)
        if needs_grad and _cpu_path(x, self.weight):
            return self._forward_custom(x)
        return F.prelu(x, self.weight)

    @torch.jit.unused
    def _forward_custom(self, x):
        return _PReLUFunction.apply(x, self.weight)


def _shifted(x, k: int, dilation: int, length: int):
    return x[..., k * dilation : k * dilation + length]


def _depthwise_forward(x_padded, weight, bias, dilation: int, length: int):
    # y[t] = b + sum_k w_k x_padded[t + k d]
    taps = weight[:, 0, :, None]  # channels, kernel, 1
    if bias is None:
        out = _shifted(x_padded, 0, dilation, length) * taps[:, 0]
    else:
        out = torch.addcmul(bias[:, None], _shifted(x_padded, 0, dilation, length), taps[:, 0])
    for k in range(1, weight.shape[-1]):
        out.addcmul_(_shifted(x_padded, k, dilation, length), taps[:, k])
    return out


class _DepthwiseConv1dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, padding: int, dilation: int):
        n_out = x.shape[-1] + 2 * padding - dilation * (weight.shape[-1] - 1)
        if n_out <= 0:
            raise ValueError(
                f"Input of {x.shape[-1]} frames is too short for a depth-wise convolution of "
                f"kernel {weight.shape[-1]}, dilation {dilation} and padding {padding}."
            )
        # The input itself is saved (not its padded copy): a backward built from it stays
        # differentiable (second-order gradients).
        ctx.save_for_backward(x, weight)
        ctx.padding = padding
        ctx.dilation = dilation
        ctx.has_bias = bias is not None
        x_padded = F.pad(x, (padding, padding)) if padding else x
        return _depthwise_forward(x_padded, weight, bias, dilation, n_out)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        pad, dil, n_in = ctx.padding, ctx.dilation, x.shape[-1]
        kernel_size = weight.shape[-1]
        n_out = grad.shape[-1]
        grad = grad.contiguous()
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            # dx[t] = sum_k w_k g[t + p - k d]: the flipped kernel over g padded by
            # d (K - 1) - p on each side (a negative pad crops).
            span = dil * (kernel_size - 1)
            grad_padded = F.pad(grad, (span - pad, span - pad))
            flipped = weight.flip(-1)
            grad_x = _depthwise_forward(grad_padded, flipped, None, dil, n_in)
        if ctx.needs_input_grad[1]:
            x_padded = F.pad(x, (pad, pad)) if pad else x
            taps = [
                _sum_but_channels(grad * _shifted(x_padded, k, dil, n_out))
                for k in range(kernel_size)
            ]
            grad_w = torch.stack(taps, dim=-1).unsqueeze(1)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = _sum_but_channels(grad)
        return grad_x, grad_w, grad_b, None, None


class DepthwiseConv1d(nn.Conv1d):
    """Depth-wise ``nn.Conv1d`` (``groups == in_channels == out_channels``, stride 1, zero
    padding) computed on CPU as shifted multiply-adds, with a matching backward.

    Args:
        channels (int): input and output channels.
        kernel_size (int): kernel size.
        padding (int): zero padding on both sides.
        dilation (int): dilation.
        bias (bool): learn a bias.

    Shape:
        - x: :math:`(batch, channels, frames)`
        - output: :math:`(batch, channels, frames + 2 padding - dilation (kernel\\_size - 1))`
    """

    def __init__(self, channels, kernel_size, padding=0, dilation=1, bias=True):
        super().__init__(
            channels,
            channels,
            kernel_size,
            padding=padding,
            dilation=dilation,
            groups=channels,
            bias=bias,
        )

    def forward(self, x):
        if torch.jit.is_scripting():
            return self._conv_forward(x, self.weight, self.bias)
        if x.dim() == 3 and x.shape[1] == self.in_channels and _cpu_path(x, self.weight):
            return self._forward_custom(x)
        return self._conv_forward(x, self.weight, self.bias)

    @torch.jit.unused
    def _forward_custom(self, x):
        return _DepthwiseConv1dFunction.apply(
            x, self.weight, self.bias, self.padding[0], self.dilation[0]
        )
