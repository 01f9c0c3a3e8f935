"""Evaluation metrics: get_metrics, MetricTracker and the fast batched BSS-eval."""
