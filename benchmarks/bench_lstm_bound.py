"""How fast could a DPRNN-TasNet training step be on this CPU, with the same arithmetic?

The step of the default DPRNN-TasNet (batch 4 x 2 s at 8 kHz) spends most of its time in
its twelve bidirectional LSTMs (oneDNN's RNN kernels, forward and backward). This script
bounds what any fp32 LSTM implementation could gain:

1. it records the shape of every LSTM call of one forward pass (forward hooks);
2. it times those LSTM calls, forward and backward, as PyTorch runs them;
3. it counts their matrix-product FLOPs (forward: ``2 * 4H * (I + H)`` per frame and
   direction; backward: twice that) and measures this CPU's best matrix-product rate at
   the per-frame shape of the recurrence (``batch x H`` by ``H x 4H``), which bounds what
   a perfect LSTM kernel would reach, with free element-wise gate arithmetic;
4. it times the whole training step of this checkout and prints the step time if the
   LSTMs ran at that bound, and the resulting best ratio against a given time of the
   published step (``--published_ms``, from ``bench_train_step.py``), or against this
   checkout's own step.

Usage::

    python benchmarks/bench_lstm_bound.py --threads 1
    python benchmarks/bench_lstm_bound.py --threads 1 --published_ms 6516
"""

import argparse
import statistics
import time


def _median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--published_ms", type=float, default=None)
    args = parser.parse_args(argv)

    import torch
    from torch import nn

    from asteroid.losses import PITLossWrapper, pairwise_neg_sisdr
    from asteroid.models import DPRNNTasNet

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = DPRNNTasNet(n_src=2, sample_rate=8000)
    sources = torch.randn(args.batch, 2, int(args.seconds * 8000))
    mixture = sources.sum(1)

    calls = []

    def record(module, inputs, output):
        calls.append((module, tuple(inputs[0].shape)))

    hooks = [m.register_forward_hook(record) for m in model.modules() if isinstance(m, nn.LSTM)]
    with torch.no_grad():
        model(mixture)
    for h in hooks:
        h.remove()

    flops = 0.0
    rec_shapes = set()
    for lstm, (n_seq, n_frames, n_in) in calls:
        hidden, dirs = lstm.hidden_size, 2 if lstm.bidirectional else 1
        flops += 3 * 2 * dirs * n_seq * n_frames * 4 * hidden * (n_in + hidden)
        rec_shapes.add((n_seq, hidden, 4 * hidden))

    inputs = [torch.randn(shape, requires_grad=True) for _, shape in calls]

    def lstm_pass():
        for (lstm, _), x in zip(calls, inputs):
            out = lstm(x)[0]
            out.backward(torch.ones_like(out))

    t_lstm = _median_time(lstm_pass, args.repeats)

    rate = 0.0
    for m, k, n in rec_shapes:
        a, b, c = torch.randn(m, k), torch.randn(k, n), torch.empty(m, n)

        def products():
            for _ in range(200):
                torch.mm(a, b, out=c)

        t = _median_time(products, args.repeats) / 200
        rate = max(rate, 2 * m * k * n / t)
    t_lstm_ideal = flops / rate

    loss_func = PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss_func(model(mixture), sources).backward()
        optimizer.step()

    t_step = _median_time(step, args.repeats)
    t_rest = max(t_step - t_lstm, 0.0)
    t_bound = t_rest + t_lstm_ideal
    reference = args.published_ms / 1000 if args.published_ms else t_step
    print(f"threads {args.threads}, batch {args.batch} x {args.seconds} s")
    print(
        f"LSTM calls per forward: {len(calls)}; matrix-product work, forward + backward: "
        f"{flops / 1e9:.1f} GFLOP"
    )
    print(
        f"LSTMs as PyTorch runs them:      {t_lstm * 1000:8.1f} ms "
        f"({flops / t_lstm / 1e9:.1f} GFLOP/s)"
    )
    print(f"best matrix-product rate here:   {rate / 1e9:8.1f} GFLOP/s at {sorted(rec_shapes)}")
    print(f"LSTMs at that rate:              {t_lstm_ideal * 1000:8.1f} ms")
    print(
        f"training step, this checkout:    {t_step * 1000:8.1f} ms "
        f"(of which not LSTM: {t_rest * 1000:.1f} ms)"
    )
    print(f"step with ideal LSTMs:           {t_bound * 1000:8.1f} ms")
    name = "published step" if args.published_ms else "this step"
    print(f"best possible ratio, {name} / ideal step: x{reference / t_bound:.2f}")


if __name__ == "__main__":
    main()
