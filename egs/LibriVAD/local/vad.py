"""Voice activity detection evaluation for the shared scripts (``--system vad``).

The model's frame probabilities are thresholded and smoothed (:class:`asteroid.binarize.
Binarize`: decisions last at least ``stability`` seconds), then compared sample by sample to
the labels: accuracy, precision, recall and F1 score per file (``all_metrics.csv``) and their
means (``final_metrics.json``). Examples hold the audio and the estimated activity as WAV
files (0 or 1 per sample).
"""

import os

import pandas as pd
from tqdm import tqdm

from asteroid.binarize import Binarize
from asteroid.metrics import F1Tracker
from asteroid.scripts.eval import choose_examples, write_example
from asteroid.scripts.recipe_parts import default_step, register_evaluator, register_system

METRICS = ("accuracy", "precision", "recall", "f1_score")


def evaluate_vad(args, conf, model, test_set, out_dir, device):
    vad_conf = conf.get("vad") or {}
    sample_rate = int(model.sample_rate)
    binarize = Binarize(
        threshold=vad_conf.get("threshold", 0.5),
        stability=vad_conf.get("stability", 0.05),
        sample_rate=sample_rate,
    )
    tracker = F1Tracker()
    save_idx = choose_examples(len(test_set), args.n_save_ex, args.seed)
    rows = []
    for idx in tqdm(range(len(test_set)), desc="Evaluating", unit="file"):
        audio, labels = test_set[idx]
        probs = model(audio[None].to(device)).cpu()  # 1, 1, T
        decisions = binarize(probs)
        scores = tracker(decisions.bool(), labels[None].bool())
        rows.append({**scores, "mixture_path": test_set.md[idx]["mixture_path"]})
        if idx in save_idx:
            ex_dir = os.path.join(out_dir, "examples", f"ex_{idx}")
            write_example(
                ex_dir,
                sample_rate,
                audio.numpy(),
                references=labels.numpy(),
                estimates=None,
                metrics=scores,
                names=["vad"],
            )
            write_example(
                ex_dir, sample_rate, audio.numpy(), estimates=decisions[0].numpy(), names=["vad"]
            )
    df = pd.DataFrame(rows)
    df.to_csv(os.path.join(out_dir, "all_metrics.csv"), index=False)
    return {m: float(df[m].mean()) for m in METRICS}


register_system("vad", default_step)
register_evaluator("vad", evaluate_vad)
