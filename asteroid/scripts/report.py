"""A self-contained HTML report of a separation experiment.

``write_report`` reads an experiment folder (the training log, the per-utterance
metrics, the final metrics and a few example separations) and writes one HTML
file with everything embedded: PNG figures and WAV audio as base64 data URIs,
so that the file can be mailed or opened anywhere.

Layout read from ``exp_dir``:

- ``train_metrics.csv`` (or ``lightning_logs/version_*/metrics.csv``): the CSV
  log of training, with loss columns (``loss``/``train_loss``/``val_loss``...);
- ``all_metrics.csv``: one row per test utterance (``si_sdr``, ``input_si_sdr``, ...);
- ``final_metrics.json``: means and improvements;
- ``examples/ex_<i>/``: ``mixture.wav``, ``s<k>.wav`` and ``s<k>_estimate.wav``.
"""

import base64
import csv
import glob
import html
import io
import json
import math
import os

import numpy as np

from asteroid.utils.file_utils import atomic_path

__all__ = ["write_report", "PUBLISHED_CONVTASNET_WSJ0_2MIX"]

# Published Conv-TasNet numbers on wsj0-2mix (8 kHz, min), test set: (paper, asteroid recipe).
PUBLISHED_CONVTASNET_WSJ0_2MIX = {"si_sdr_imp": (15.3, 16.2), "sdr_imp": (15.6, 16.5)}

_METRIC_NAMES = {
    "si_sdr": "SI-SDR (dB)",
    "sdr": "SDR (dB)",
    "sir": "SIR (dB)",
    "sar": "SAR (dB)",
    "stoi": "STOI",
    "pesq": "PESQ",
}


def _read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _float(value):
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _find_training_log(exp_dir):
    direct = os.path.join(exp_dir, "train_metrics.csv")
    if os.path.isfile(direct):
        return direct
    found = sorted(
        glob.glob(os.path.join(exp_dir, "**", "metrics.csv"), recursive=True), key=os.path.getmtime
    )
    return found[-1] if found else None


def _loss_curves(rows):
    """``{"step": {col: (x, y)}, "epoch": {col: (x, y)}}`` from a Lightning CSV log.

    Per-step columns (``*_step`` or any loss logged with a step but no epoch
    mean) go against the step; epoch means (``*_epoch``) and validation losses
    against the epoch.
    """
    curves = {"step": {}, "epoch": {}}
    if not rows:
        return curves
    for col in rows[0]:
        if "loss" not in col:
            continue
        by_epoch = col.endswith("_epoch") or col.startswith("val")
        axis = "epoch" if by_epoch else "step"
        points = {}
        for row in rows:
            y = _float(row.get(col))
            x = _float(row.get(axis))
            if y is not None and x is not None:
                points[x] = y
        if points:
            xs = sorted(points)
            curves[axis][col] = (np.array(xs), np.array([points[x] for x in xs]))
    return curves


def _fig_to_data_uri(fig):
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _wav_data_uri(path):
    with open(path, "rb") as fh:
        return "data:audio/wav;base64," + base64.b64encode(fh.read()).decode("ascii")


def _plot_losses(curves):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, axis in zip(axes, ("step", "epoch")):
        for name, (x, y) in sorted(curves[axis].items()):
            ax.plot(x, y, marker="o" if len(x) < 30 else None, label=name)
        ax.set_xlabel(axis)
        ax.set_ylabel("loss (negative SI-SDR, dB)")
        ax.grid(alpha=0.3)
        if curves[axis]:
            ax.legend()
    axes[0].set_title("Training loss per step")
    axes[1].set_title("Training and validation loss per epoch")
    return _fig_to_data_uri(fig)


def _plot_histogram(values, label):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="#4c72b0", edgecolor="white")
    ax.axvline(np.mean(values), color="k", linestyle="--", label=f"mean {np.mean(values):.2f} dB")
    ax.set_xlabel(label)
    ax.set_ylabel("utterances")
    ax.legend()
    ax.set_title(f"Per-utterance {label} on the test set ({len(values)} utterances)")
    return _fig_to_data_uri(fig)


def _plot_spectrogram(path, title):
    import matplotlib.pyplot as plt
    import soundfile as sf
    from scipy.signal import stft

    wav, sr = sf.read(path, dtype="float32", always_2d=True)
    f, t, spec = stft(wav[:, 0], fs=sr, nperseg=256, noverlap=192)
    fig, ax = plt.subplots(figsize=(5, 2.4))
    ax.pcolormesh(
        t, f, 20 * np.log10(np.abs(spec) + 1e-6), shading="auto", vmin=-100, vmax=-10, cmap="magma"
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("Hz")
    ax.set_title(title)
    return _fig_to_data_uri(fig)


def _column_mean(rows, key):
    values = [_float(r.get(key)) for r in rows]
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def _metrics_table(final, per_utt, published):
    rows = []
    for key, label in _METRIC_NAMES.items():
        if key not in final:
            continue
        imp = final.get(f"{key}_imp")
        inp = final.get(f"input_{key}", _column_mean(per_utt, f"input_{key}"))
        pub = published.get(f"{key}_imp") if published else None
        pub_txt = f"{pub[0]:.1f} (paper) / {pub[1]:.1f} (asteroid)" if pub else "&ndash;"
        rows.append(
            f"<tr><td>{label}</td><td>{_fmt(inp)}</td><td>{_fmt(final[key])}</td>"
            f"<td>{_fmt(imp)}</td><td>{pub_txt}</td></tr>"
        )
    return (
        "<table><tr><th>metric</th><th>input (mixture)</th><th>estimate</th><th>improvement</th>"
        "<th>published Conv-TasNet improvement on wsj0-2mix (a different corpus)</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _fmt(value):
    return "&ndash;" if value is None else f"{value:.3f}" if abs(value) < 10 else f"{value:.2f}"


def write_report(exp_dir, out_path=None, title="Separation report", published=None, eval_dir=None):
    """Write ``report.html`` for an experiment folder; returns its path.

    Args:
        exp_dir (str): the experiment folder (see the module docstring for what it reads).
        out_path (str, optional): where to write (default ``exp_dir/report.html``);
            written atomically.
        title (str): the page title.
        published (dict, optional): ``{metric_imp: (paper, asteroid)}`` reference numbers
            shown beside ours; default: Conv-TasNet on wsj0-2mix.
        eval_dir (str, optional): folder holding the evaluation outputs, if not ``exp_dir``.

    Raises:
        FileNotFoundError: if the evaluation outputs are missing.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    eval_dir = eval_dir or exp_dir
    published = PUBLISHED_CONVTASNET_WSJ0_2MIX if published is None else published
    out_path = out_path or os.path.join(exp_dir, "report.html")
    final_path = os.path.join(eval_dir, "final_metrics.json")
    all_path = os.path.join(eval_dir, "all_metrics.csv")
    for path in (final_path, all_path):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} is missing: run the evaluation first.")
    with open(final_path) as fh:
        final = json.load(fh)
    per_utt = _read_csv(all_path)

    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Experiment: <code>{html.escape(os.path.abspath(exp_dir))}</code></p>",
    ]
    sections.append("<h2>Metrics on the test set</h2>" + _metrics_table(final, per_utt, published))

    log = _find_training_log(exp_dir)
    curves = _loss_curves(_read_csv(log) if log else [])
    if curves["step"] or curves["epoch"]:
        sections.append(f'<h2>Loss curves</h2><img alt="loss curves" src="{_plot_losses(curves)}">')
    else:
        sections.append("<h2>Loss curves</h2><p>No training log found.</p>")

    si_sdri = [
        _float(r.get("si_sdr")) - _float(r.get("input_si_sdr"))
        for r in per_utt
        if _float(r.get("si_sdr")) is not None and _float(r.get("input_si_sdr")) is not None
    ]
    if si_sdri:
        sections.append(
            f'<h2>SI-SDR improvement per utterance</h2><img alt="SI-SDRi histogram" '
            f'src="{_plot_histogram(si_sdri, "SI-SDR improvement (dB)")}">'
        )

    examples = sorted(glob.glob(os.path.join(eval_dir, "examples", "ex_*")))
    if examples:
        ex = examples[0]
        cells = []
        wavs = [os.path.join(ex, "mixture.wav")]
        wavs += sorted(
            p for p in glob.glob(os.path.join(ex, "s*.wav")) if not p.endswith("_estimate.wav")
        )
        wavs += sorted(glob.glob(os.path.join(ex, "s*_estimate.wav")))
        for wav in wavs:
            if not os.path.isfile(wav):
                continue
            name = os.path.splitext(os.path.basename(wav))[0]
            cells.append(
                f'<div class="ex"><img alt="spectrogram {name}" src="{_plot_spectrogram(wav, name)}">'
                f'<br><audio controls src="{_wav_data_uri(wav)}"></audio><br>{html.escape(name)}</div>'
            )
        sections.append(
            f"<h2>Example: {html.escape(os.path.basename(ex))}</h2><div>{''.join(cells)}</div>"
        )
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}.ex{display:inline-block;margin:6px;"
        "text-align:center}"
    )
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(sections)}</body></html>"
    )
    folder = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(folder, exist_ok=True)
    with atomic_path(out_path, suffix=".html") as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(page)
    return out_path


def main(argv=None):
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m asteroid.scripts.report",
        description="Write a self-contained HTML report of an evaluated experiment.",
    )
    parser.add_argument("--exp_dir", required=True, help="the experiment folder")
    parser.add_argument(
        "--eval_dir", default=None, help="evaluation outputs (default: exp_dir/eval)"
    )
    parser.add_argument("--out", default=None, help="output file (default: exp_dir/report.html)")
    parser.add_argument("--title", default="Separation report", help="page title")
    args = parser.parse_args(argv)
    eval_dir = args.eval_dir or os.path.join(args.exp_dir, "eval")
    try:
        path = write_report(args.exp_dir, out_path=args.out, title=args.title, eval_dir=eval_dir)
    except FileNotFoundError as err:
        print(f"report: error: {err}", file=sys.stderr)
        return 1
    print(f"Report written to {os.path.abspath(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
