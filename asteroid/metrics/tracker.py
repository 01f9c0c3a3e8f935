"""Accumulate per-utterance metrics over a test set, summarise, save and reload them."""

import json
import os

import numpy as np
import torch
from torch import nn

from .evaluate import get_metrics, get_metrics_many
from .utterance import ALL_METRICS, normalize_metrics_list

__all__ = ["MetricTracker", "F1Tracker", "ALL_METRICS_FILE", "FINAL_METRICS_FILE"]

ALL_METRICS_FILE = "all_metrics.csv"
FINAL_METRICS_FILE = "final_metrics.json"


class MetricTracker:
    """Collects the metrics of each utterance and reports means and improvements.

    Args:
        sample_rate (int): sample rate of the audio, Hz.
        metrics_list (sequence of str): metrics to compute (see :data:`ALL_METRICS`).
        average (bool): store per-utterance means rather than per-source arrays.
        compute_permutation (bool): see :func:`~asteroid.metrics.get_metrics`.
        ignore_metrics_errors (bool): record failing metrics as missing (with a warning).
        backend (str): ``"fast"`` or ``"pb_bss_eval"``, see :func:`~asteroid.metrics.get_metrics`.

    Examples:
        >>> tracker = MetricTracker(sample_rate=8000, metrics_list=["si_sdr", "sdr"])
        >>> for mix, clean, est, name in test_set:  # doctest: +SKIP
        ...     tracker(mix=mix, clean=clean, estimate=est, filename=name)
        >>> tracker.save("exp/eval")  # doctest: +SKIP
        >>> MetricTracker.load("exp/eval").final_report()  # doctest: +SKIP
    """

    def __init__(
        self,
        sample_rate,
        metrics_list=tuple(ALL_METRICS),
        average=True,
        compute_permutation=False,
        ignore_metrics_errors=False,
        backend="fast",
    ):
        self.sample_rate = sample_rate
        self.metrics_list = normalize_metrics_list(metrics_list)
        self.average = average
        self.compute_permutation = compute_permutation
        self.ignore_metrics_errors = ignore_metrics_errors
        self.backend = backend
        self.rows = []

    def _options(self):
        return dict(
            sample_rate=self.sample_rate,
            metrics_list=self.metrics_list,
            average=self.average,
            compute_permutation=self.compute_permutation,
            ignore_metrics_errors=self.ignore_metrics_errors,
            backend=self.backend,
        )

    def __call__(self, *, mix, clean, estimate, filename=None, **extra_columns):
        """Compute and store the metrics of one utterance.

        Args:
            mix (np.ndarray): mixture :math:`(T,)` or :math:`(C, T)`.
            clean (np.ndarray): references :math:`(S, T)`.
            estimate (np.ndarray): estimates :math:`(S, T)`.
            filename (str, optional): named in warnings and errors.
            **extra_columns: other values stored in the row (file path, speaker, ...).

        Returns:
            dict: the metrics of the utterance (without the extra columns).
        """
        utt_metrics = get_metrics(mix, clean, estimate, filename=filename, **self._options())
        self.rows.append({**utt_metrics, **extra_columns})
        return utt_metrics

    def evaluate_many(
        self, *, mixes, cleans, estimates, filenames=None, n_jobs=None, device=None, **extra_columns
    ):
        """Compute and store the metrics of many utterances in parallel.

        Args:
            mixes (sequence of np.ndarray): mixtures.
            cleans (sequence of np.ndarray): references.
            estimates (sequence of np.ndarray): estimates.
            filenames (sequence of str, optional): one per utterance.
            n_jobs (int, optional): worker processes (``None``: every core).
            device (str or torch.device, optional): where the batched BSS-eval runs.
            **extra_columns: sequences with one value per utterance.

        Returns:
            list of dict: the metrics of each utterance.
        """
        results = get_metrics_many(
            mixes,
            cleans,
            estimates,
            filenames=filenames,
            n_jobs=n_jobs,
            device=device,
            **self._options(),
        )
        for name, values in extra_columns.items():
            if len(values) != len(results):
                raise ValueError(
                    f"Extra column {name!r} has {len(values)} values for {len(results)} "
                    f"utterances."
                )
        for i, utt_metrics in enumerate(results):
            self.rows.append({**utt_metrics, **{k: v[i] for k, v in extra_columns.items()}})
        return results

    def as_df(self):
        """All rows as a :class:`pandas.DataFrame`, one row per utterance."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def final_report(self, dump_path=None):
        """Mean of each metric and of its improvement over the mixture.

        Missing values (metrics recorded as ``None``) are left out of the means.

        Args:
            dump_path (str, optional): also write the report there as JSON (``.json`` is
                appended when missing).

        Returns:
            dict: ``{m: mean, m + "_imp": mean(m - input_m)}`` for each metric.
        """
        import pandas as pd

        df = self.as_df()
        report = {}
        for metric in self.metrics_list:
            if metric not in df or "input_" + metric not in df:
                continue
            out = pd.to_numeric(df[metric], errors="coerce")
            inp = pd.to_numeric(df["input_" + metric], errors="coerce")
            report[metric] = _to_float(out.mean())
            report[metric + "_imp"] = _to_float((out - inp).mean())
        if dump_path is not None:
            dump_path = dump_path if dump_path.endswith(".json") else dump_path + ".json"
            with open(dump_path, "w") as fh:
                json.dump(report, fh, indent=0)
        return report

    def save(self, directory):
        """Write ``all_metrics.csv`` (one row per utterance) and ``final_metrics.json``.

        Args:
            directory (str): output folder (created if needed).

        Returns:
            dict: the final report.
        """
        os.makedirs(directory, exist_ok=True)
        self.as_df().to_csv(os.path.join(directory, ALL_METRICS_FILE))
        return self.final_report(os.path.join(directory, FINAL_METRICS_FILE))

    @classmethod
    def load(cls, directory, sample_rate=None, **kwargs):
        """Rebuild a tracker from the ``all_metrics.csv`` of :meth:`save` (or of a recipe).

        Args:
            directory (str): folder holding ``all_metrics.csv`` (or the CSV file itself).
            sample_rate (int, optional): needed only to evaluate more utterances.
            **kwargs: other constructor arguments; ``metrics_list`` defaults to the metrics
                found in the file with their ``input_`` counterpart.

        Returns:
            MetricTracker: a tracker holding the stored rows.
        """
        import pandas as pd

        path = directory
        if os.path.isdir(directory):
            path = os.path.join(directory, ALL_METRICS_FILE)
        df = pd.read_csv(path)
        # DataFrame.to_csv writes the index as an unnamed first column (as the recipes do).
        if len(df.columns) and str(df.columns[0]).startswith("Unnamed"):
            df = df.drop(columns=df.columns[0])
        if "metrics_list" not in kwargs:
            kwargs["metrics_list"] = [
                m for m in ALL_METRICS if m in df.columns and "input_" + m in df.columns
            ]
        tracker = cls(sample_rate, **kwargs)
        rows = df.to_dict(orient="records")
        tracker.rows = [{k: (None if _is_nan(v) else v) for k, v in row.items()} for row in rows]
        return tracker


def _to_float(value):
    value = float(value)
    return None if np.isnan(value) else value


def _is_nan(value):
    return isinstance(value, float) and np.isnan(value)


class F1Tracker(nn.Module):
    r"""Accuracy, precision, recall and F1 score of binary predictions (e.g. VAD frames).

    Args:
        epsilon (float): keeps the ratios finite; the F1 score is clamped to
            :math:`[\epsilon, 1 - \epsilon]`.

    Shape:
        - y_pred: any shape, boolean.
        - y_true: same shape, boolean.
    """

    def __init__(self, epsilon=1e-7):
        super().__init__()
        self.epsilon = epsilon

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor):
        """The four scores over all elements, as a dict of floats."""
        tp = torch.sum(torch.logical_and(y_pred, y_true))
        tn = torch.sum(torch.logical_and(torch.logical_not(y_pred), torch.logical_not(y_true)))
        fp = torch.sum(torch.logical_and(y_pred, torch.logical_not(y_true)))
        fn = torch.sum(torch.logical_and(torch.logical_not(y_pred), y_true))
        accuracy = (tp + tn) / (tp + tn + fp + fn)
        precision = tp / (tp + fp + self.epsilon)
        recall = tp / (tp + fn + self.epsilon)
        f1 = 2 * (precision * recall) / (precision + recall + self.epsilon)
        f1 = f1.clamp(min=self.epsilon, max=1 - self.epsilon)
        return {
            "accuracy": float(accuracy),
            "precision": float(precision),
            "recall": float(recall),
            "f1_score": float(f1),
        }
