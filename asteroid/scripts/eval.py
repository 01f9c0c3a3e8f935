"""The evaluation script of every recipe: ``python -m asteroid.scripts.eval``.

Loads ``exp_dir/best_model.pth`` (and the recipe plugins named in
``exp_dir/conf.yml``), separates every item of the test set (whole utterances),
puts the estimates in the references' order (PIT on SI-SDR) and writes into
``exp_dir/<out_dir>/`` (``eval/`` by default):

- ``all_metrics.csv``: one row per utterance, each metric and its ``input_`` value;
- ``final_metrics.json``: the mean of each metric and of its improvement (``_imp``);
- ``examples/ex_<i>/``: ``mixture.wav``, ``s<k>.wav`` and ``s<k>_estimate.wav``
  (estimates scaled to the mixture's peak) and ``metrics.json``, for
  ``--n_save_ex`` random utterances;

then ``exp_dir/publish_dir/`` with the model file and its model card. The metrics
are ``--metrics``, else the ``eval.metrics`` list of the experiment's conf.yml.
Recipes whose evaluation is not a separation one (voice activity, music) register
an evaluator (:data:`~asteroid.scripts.recipe_parts.EVALUATORS`) under their
system's name.
"""

import argparse
import json
import os
import sys

import numpy as np
import yaml

from .recipe_parts import get_evaluator, get_separator, load_plugins, make_dataset

__all__ = ["main", "evaluate", "make_parser", "write_example", "choose_examples", "pit_reorder"]

DEFAULT_METRICS = ["si_sdr", "sdr", "sir", "sar", "stoi"]


def make_parser():
    parser = argparse.ArgumentParser(
        prog="python -m asteroid.scripts.eval",
        description="Evaluate a trained recipe model on its test set.",
    )
    parser.add_argument(
        "--exp_dir", required=True, help="the experiment folder written by training"
    )
    parser.add_argument("--test_dir", required=True, help="the test split's metadata")
    parser.add_argument(
        "--task", default=None, help="task to evaluate (default: the training task)"
    )
    parser.add_argument("--out_dir", default="eval", help="sub-folder of exp_dir to write into")
    parser.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        help=f"metrics (default: conf.yml's eval.metrics or {DEFAULT_METRICS})",
    )
    parser.add_argument("--n_save_ex", type=int, default=10, help="examples to save (-1: all)")
    parser.add_argument("--use_gpu", type=int, default=0, help="1 to run the model on the GPU")
    parser.add_argument("--seed", type=int, default=0, help="seed of the choice of examples")
    parser.add_argument(
        "--force", action="store_true", help="evaluate again even if final_metrics.json exists"
    )
    return parser


def write_example(
    ex_dir, sample_rate, mixture, references=None, estimates=None, metrics=None, names=None
):
    """Write one example: ``mixture.wav``, ``<name>.wav``, ``<name>_estimate.wav``, ``metrics.json``.

    Estimates are scaled to the mixture's peak (scale-invariant models have no level).

    Args:
        ex_dir (str): the example's folder (created).
        sample_rate (int): sample rate of the WAV files.
        mixture (np.ndarray): :math:`(T,)` or :math:`(C, T)`.
        references (np.ndarray, optional): :math:`(S, T)` or :math:`(S, C, T)`.
        estimates (np.ndarray, optional): same shape as ``references``.
        metrics (dict, optional): written to ``metrics.json``.
        names (list of str, optional): file names of the sources (default ``s1``, ``s2``, ...).
    """
    import soundfile as sf

    def wav(x):
        x = np.asarray(x, dtype=np.float32)
        return x.T if x.ndim == 2 else x

    os.makedirs(ex_dir, exist_ok=True)
    sf.write(os.path.join(ex_dir, "mixture.wav"), wav(mixture), int(sample_rate))
    peak = float(np.abs(mixture).max())
    count = len(references) if references is not None else len(estimates)
    names = names or [f"s{k + 1}" for k in range(count)]
    for k, name in enumerate(names):
        if references is not None:
            sf.write(os.path.join(ex_dir, f"{name}.wav"), wav(references[k]), int(sample_rate))
        if estimates is not None:
            est = np.asarray(estimates[k])
            est = est * peak / max(float(np.abs(est).max()), 1e-8)
            sf.write(os.path.join(ex_dir, f"{name}_estimate.wav"), wav(est), int(sample_rate))
    if metrics is not None:
        with open(os.path.join(ex_dir, "metrics.json"), "w") as fh:
            json.dump(_plain(metrics), fh, indent=0)


def choose_examples(n_items, n_save_ex, seed):
    """Indices of the items saved as examples (``n_save_ex`` of them, all for -1)."""
    rng = np.random.RandomState(seed)
    n_ex = n_items if n_save_ex < 0 else min(n_save_ex, n_items)
    return set(rng.choice(n_items, n_ex, replace=False).tolist())


def pit_reorder(est, refs):
    """``est`` permuted to best match ``refs`` in SI-SDR."""
    import torch

    from asteroid.losses import PITLossWrapper, pairwise_neg_sisdr

    loss_func = PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx")
    _, reordered = loss_func(
        torch.from_numpy(np.ascontiguousarray(est))[None],
        torch.from_numpy(np.ascontiguousarray(refs))[None],
        return_est=True,
    )
    return reordered[0].numpy()


def separation_evaluation(args, conf, model, test_set, out_dir, device, separator, metrics):
    """Metrics of every test item; writes ``all_metrics.csv`` and the examples."""
    from tqdm import tqdm

    from asteroid.metrics import MetricTracker

    sample_rate = int(model.sample_rate)
    save_idx = choose_examples(len(test_set), args.n_save_ex, args.seed)
    tracker = MetricTracker(sample_rate=sample_rate, metrics_list=metrics)
    for idx in tqdm(range(len(test_set)), desc="Evaluating", unit="utt"):
        mix, refs, est, needs_pit = separator(model, test_set[idx], device)
        if needs_pit and refs.shape[0] > 1:
            est = pit_reorder(est, refs)
        utt = tracker(mix=mix, clean=refs, estimate=est, filename=_utterance_name(test_set, idx))
        if idx in save_idx:
            ex_dir = os.path.join(out_dir, "examples", f"ex_{idx}")
            write_example(ex_dir, sample_rate, mix, refs, est, metrics=utt)
    tracker.as_df().to_csv(os.path.join(out_dir, "all_metrics.csv"), index=False)
    return tracker.final_report()


def evaluate(args):
    """Run the evaluation described by ``args`` (a namespace of :func:`make_parser`)."""
    import torch

    from asteroid.models.base_models import BaseModel
    from asteroid.models.model_file import load_model_file
    from asteroid.models.publisher import save_publishable

    conf_path = os.path.join(args.exp_dir, "conf.yml")
    model_path = os.path.join(args.exp_dir, "best_model.pth")
    for path in (conf_path, model_path):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} is missing: train the model first.")
    out_dir = os.path.join(args.exp_dir, args.out_dir)
    final_path = os.path.join(out_dir, "final_metrics.json")
    if os.path.isfile(final_path) and not args.force:
        print(f"{final_path} exists: evaluation is done (pass --force to evaluate again).")
        with open(final_path) as fh:
            return json.load(fh)

    with open(conf_path) as fh:
        conf = yaml.safe_load(fh)
    main_args = conf.pop("main_args", {})
    load_plugins(main_args.get("plugin"))
    if args.task:
        conf["data"]["task"] = args.task
    metrics = args.metrics or (conf.get("eval") or {}).get("metrics") or DEFAULT_METRICS
    system = main_args.get("system", "default")
    test_set = make_dataset(main_args.get("dataset", "LibriMix"), conf, "test", args.test_dir)
    model = BaseModel.from_pretrained(model_path)
    device = "cuda" if args.use_gpu and torch.cuda.is_available() else "cpu"
    if args.use_gpu and device == "cpu":
        print("No GPU available: evaluating on CPU.")
    model = model.to(device).eval()
    os.makedirs(out_dir, exist_ok=True)

    evaluator = get_evaluator(system)
    with torch.no_grad():
        if evaluator is not None:
            final = evaluator(args, conf, model, test_set, out_dir, device)
        else:
            final = separation_evaluation(
                args, conf, model, test_set, out_dir, device, get_separator(system), metrics
            )
    final = _plain(final)
    with open(final_path, "w") as fh:
        json.dump(final, fh, indent=0)
    print(_table(final))

    save_publishable(
        os.path.join(args.exp_dir, "publish_dir"),
        load_model_file(model_path),
        metrics=final,
        train_conf={**conf, "main_args": main_args},
    )
    return final


def _utterance_name(dataset, idx):
    for attr in ("df", "mix"):
        table = getattr(dataset, attr, None)
        if table is not None:
            try:
                row = table.iloc[idx] if hasattr(table, "iloc") else table[idx]
                return str(row["mixture_path"] if "mixture_path" in row else row[0])
            except (KeyError, IndexError, TypeError):
                pass
    return f"utt_{idx}"


def _plain(dic):
    return {
        k: (float(v) if isinstance(v, (np.floating, np.integer, float, int)) else v)
        for k, v in dic.items()
    }


def _table(final):
    keys = sorted(k for k in final if not k.endswith("_imp") and not k.startswith("input_"))
    lines = [f"{'metric':<16}{'value':>10}{'improvement':>14}"]
    for key in keys:
        value = final[key]
        value_txt = f"{value:>10.3f}" if isinstance(value, float) else f"{value!s:>10}"
        imp = final.get(f"{key}_imp")
        imp_txt = f"{imp:>14.3f}" if isinstance(imp, float) else f"{'-':>14}"
        lines.append(f"{key:<16}{value_txt}{imp_txt}")
    return "\n".join(lines)


def main(argv=None):
    args = make_parser().parse_args(argv)
    try:
        evaluate(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"eval: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
