"""Time one training step of the default Conv-TasNet and DPRNN-TasNet, ours against asteroid 0.7.0.

A step is: forward, permutation-invariant SI-SDR loss (``PITLossWrapper(pairwise_neg_sisdr)``),
backward, Adam update; the batch is 4 mixtures of 2 s at 8 kHz, two sources. Each
implementation runs in its own worker process (this checkout with this Python, the published
0.7.0 with ``--published_python``); the driver alternates them round by round and prints
the median wall-clock and CPU time per step and the ratio published / ours (above 1: ours is
faster). With one thread per worker (the default) the CPU time is the steadier measure on a
machine that other work shares.

Before timing, the published model's initial weights are loaded into ours, so that the
outputs on one batch and the losses of a few Adam steps (the "loss curve") can be compared.
``--system`` also times a step through ``System`` and a Lightning ``Trainer`` (fp32);
``--bf16`` times the step under CPU bf16 autocast, reported separately; ``--profile``
prints the operators that take the time on each side.

Usage::

    python benchmarks/bench_train_step.py                      # the full comparison
    python benchmarks/bench_train_step.py --seconds 0.5 --rounds 2 --models conv_tasnet
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PUBLISHED_PYTHON = "/tmp/ast07/bin/python"
MODELS = ("conv_tasnet", "dprnn_tasnet")


# --------------------------------------------------------------------------- worker side
class Worker:
    """One implementation's model, loss, optimizer and fixed batches, driven by commands."""

    def __init__(self, model_name, batch, n_samples, threads, workdir):
        import torch

        torch.set_num_threads(threads)
        import asteroid
        from asteroid.losses import PITLossWrapper, pairwise_neg_sisdr
        from asteroid.models import ConvTasNet, DPRNNTasNet

        self.torch = torch
        self.where = os.path.dirname(asteroid.__file__)
        cls = {"conv_tasnet": ConvTasNet, "dprnn_tasnet": DPRNNTasNet}[model_name]
        torch.manual_seed(0)
        self.model = cls(n_src=2, sample_rate=8000)
        self.loss = PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx")
        self.workdir = Path(workdir)
        gen = torch.Generator().manual_seed(1)
        sources = torch.randn(batch, 2, n_samples, generator=gen)
        self.batch = (sources.sum(1), sources)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)

    def _step(self, model, optimizer, bf16=False):
        torch = self.torch
        mix, sources = self.batch
        optimizer.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = self.loss(model(mix), sources)
        loss.backward()
        optimizer.step()
        return loss.item()

    def save_weights(self, path):
        self.torch.save(self.model.state_dict(), path)
        return {"n_params": sum(p.numel() for p in self.model.parameters())}

    def load_weights(self, path):
        state = self.torch.load(path, weights_only=True)
        self.model.load_state_dict(state)
        self.optimizer = self.torch.optim.Adam(self.model.parameters(), lr=1e-3)
        return {"n_params": sum(p.numel() for p in self.model.parameters())}

    def outputs(self, path, curve_steps):
        """Save the outputs on the batch and return the losses of ``curve_steps`` Adam steps."""
        import copy

        torch = self.torch
        with torch.no_grad():
            torch.save(self.model(self.batch[0]), path)
        model = copy.deepcopy(self.model)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        return {"curve": [self._step(model, optimizer) for _ in range(curve_steps)]}

    def time(self, steps, bf16=False):
        wall, cpu = [], []
        for _ in range(steps):
            start = (time.perf_counter(), time.process_time())
            self._step(self.model, self.optimizer, bf16=bf16)
            wall.append(time.perf_counter() - start[0])
            cpu.append(time.process_time() - start[1])
        return {"wall": wall, "cpu": cpu}

    def time_system(self, steps):
        """Seconds per step inside a Lightning fit of ``System`` (first step discarded)."""
        import logging

        import pytorch_lightning as pl
        from torch.utils.data import DataLoader, TensorDataset

        from asteroid.engine.system import System

        logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)  # after its import

        wall, cpu, starts = [], [], []

        class Clock(pl.Callback):
            def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
                starts.append((time.perf_counter(), time.process_time()))

            def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
                wall.append(time.perf_counter() - starts[-1][0])
                cpu.append(time.process_time() - starts[-1][1])

        mix, sources = self.batch
        loader = DataLoader(TensorDataset(mix, sources), batch_size=len(mix))
        # 0.7.0's System fails without a validation loader: give one, never used.
        system = System(self.model, self.optimizer, self.loss, loader, loader)
        trainer = pl.Trainer(
            max_steps=steps + 1,
            limit_val_batches=0,
            accelerator="cpu",
            devices=1,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            callbacks=[Clock()],
        )
        trainer.fit(system)
        return {"wall": wall[1:], "cpu": cpu[1:]}

    def profile(self, rows):
        from torch.profiler import ProfilerActivity, profile

        self._step(self.model, self.optimizer)  # warm-up
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            self._step(self.model, self.optimizer)
        table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows)
        return {"table": table}


def worker_main(args):
    import warnings

    warnings.filterwarnings("ignore")
    worker = Worker(args.model, args.batch, args.n_samples, args.threads, args.workdir)
    print(json.dumps({"ready": True, "where": worker.where}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        method = getattr(worker, cmd.pop("cmd"))
        print(json.dumps(method(**cmd)), flush=True)


# --------------------------------------------------------------------------- driver side
class Client:
    """A worker process and the JSON-lines conversation with it."""

    def __init__(self, python, env, args, model, workdir):
        cmd = [python, str(Path(__file__).resolve()), "--worker", "--model", model]
        cmd += ["--batch", str(args.batch), "--n_samples", str(args.n_samples)]
        cmd += ["--threads", str(args.threads), "--workdir", str(workdir)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, cwd=workdir
        )
        self.where = self._read()["where"]

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.proc.args} exited with {self.proc.wait()}")
        return json.loads(line)

    def __call__(self, cmd, **kwargs):
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def _alternate(clients, rounds, cmd, **kwargs):
    """Median wall-clock and CPU seconds per step of each client over ``rounds`` alternating
    calls (the order flips every round)."""
    times = {name: {"wall": [], "cpu": []} for name in clients}
    names = list(clients)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            result = clients[name](cmd, **kwargs)
            for clock in ("wall", "cpu"):
                times[name][clock] += result[clock]
    return {
        name: {clock: statistics.median(v) for clock, v in t.items()} for name, t in times.items()
    }


def compare_model(model, args, workdir):
    import torch

    ours_env = dict(os.environ, PYTHONPATH=str(REPO))
    clients = {"ours": Client(sys.executable, ours_env, args, model, workdir)}
    published = args.published_python and Path(args.published_python).exists()
    if published:
        pub_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        clients["0.7.0"] = Client(args.published_python, pub_env, args, model, workdir)
    report = {"model": model, "where": {k: c.where for k, c in clients.items()}}
    try:
        if published:
            weights = workdir / f"{model}_init.pt"
            report["n_params"] = clients["0.7.0"]("save_weights", path=str(weights))["n_params"]
            clients["ours"]("load_weights", path=str(weights))
            out = {}
            for name, client in clients.items():
                path = workdir / f"{model}_{name}_out.pt"
                out[name] = client("outputs", path=str(path), curve_steps=args.curve_steps)
                out[name]["est"] = torch.load(path, weights_only=True)
            report["max_abs_out_diff"] = float(
                (out["ours"]["est"] - out["0.7.0"]["est"]).abs().max()
            )
            report["curve"] = {name: o["curve"] for name, o in out.items()}
        _alternate(clients, 1, "time", steps=1)  # warm-up
        report["fp32"] = _alternate(clients, args.rounds, "time", steps=args.steps)
        if args.system:
            report["system"] = _alternate(clients, args.rounds, "time_system", steps=args.steps)
        if args.bf16:
            _alternate(clients, 1, "time", steps=1, bf16=True)
            report["bf16"] = _alternate(clients, args.rounds, "time", steps=args.steps, bf16=True)
        if args.profile:
            report["profile"] = {
                n: c("profile", rows=args.profile)["table"] for n, c in clients.items()
            }
    finally:
        for client in clients.values():
            client.close()
    return report


def print_report(report):
    model = report["model"]
    print(f"\n== {model} ({report.get('n_params', '?')} parameters)")
    for name, where in report["where"].items():
        print(f"   {name}: {where}")
    if "max_abs_out_diff" in report:
        curve_ours, curve_pub = report["curve"]["ours"], report["curve"]["0.7.0"]
        curve_diff = max(abs(a - b) for a, b in zip(curve_ours, curve_pub))
        print(f"   outputs: max |ours - 0.7.0| = {report['max_abs_out_diff']:.2e}")
        print(f"   loss curve (ours):  {', '.join(f'{v:.5f}' for v in curve_ours)}")
        print(f"   loss curve (0.7.0): {', '.join(f'{v:.5f}' for v in curve_pub)}")
        print(f"   loss curve: max |ours - 0.7.0| = {curve_diff:.2e}")
    for key, label in (
        ("fp32", "step, fp32"),
        ("system", "System step, fp32"),
        ("bf16", "step, CPU bf16-mixed"),
    ):
        if key not in report:
            continue
        times = report[key]
        for clock in ("wall", "cpu"):
            ours = times["ours"][clock]
            line = f"   {label:<21} {clock:<4}  ours {1e3 * ours:9.1f} ms"
            if "0.7.0" in times:
                pub = times["0.7.0"][clock]
                line += f" | 0.7.0 {1e3 * pub:9.1f} ms | speed-up x{pub / ours:.2f}"
            print(line)
    for name, table in report.get("profile", {}).items():
        print(f"\n   -- profile of one step, {name}\n{table}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--sample_rate", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per measure")
    parser.add_argument("--steps", type=int, default=2, help="timed steps per round")
    parser.add_argument("--curve_steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    parser.add_argument("--published_python", default=PUBLISHED_PYTHON)
    parser.add_argument("--system", action="store_true", help="also time through System")
    parser.add_argument("--bf16", action="store_true", help="also time under CPU bf16 autocast")
    parser.add_argument("--profile", type=int, default=0, metavar="ROWS")
    parser.add_argument("--json", help="also write the results to this file")
    # Worker mode (internal).
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--n_samples", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)

    args.n_samples = int(args.seconds * args.sample_rate)
    print(
        f"One training step: batch {args.batch} x {args.seconds} s at {args.sample_rate} Hz, "
        f"{args.threads} thread(s) per worker, median of {args.rounds} alternating rounds "
        f"x {args.steps} steps."
    )
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            report = compare_model(model, args, Path(tmp))
            print_report(report)
            reports.append(report)
    if args.json:
        for report in reports:
            report.pop("profile", None)
        Path(args.json).write_text(json.dumps(reports, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
