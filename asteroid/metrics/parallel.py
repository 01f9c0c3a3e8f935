"""A small process pool for the serial metric libraries (PESQ, STOI, pb_bss_eval)."""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

__all__ = ["resolve_n_jobs", "WorkerPool", "map_in_pool"]


def resolve_n_jobs(n_jobs, n_tasks):
    """Number of worker processes: ``None`` means every core available to this process.

    Args:
        n_jobs (int or None): requested number of workers.
        n_tasks (int): number of tasks (no more workers than tasks).

    Returns:
        int: at least 1.
    """
    if n_jobs is None:
        try:
            n_jobs = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            n_jobs = os.cpu_count() or 1
    if int(n_jobs) < 1:
        raise ValueError(f"n_jobs must be at least 1, got {n_jobs}.")
    return max(1, min(int(n_jobs), n_tasks))


class WorkerPool:
    """A process pool, or inline execution when one worker is asked for.

    Workers run NumPy and C code only, so they are forked where the platform allows it: this
    is cheap and does not re-import torch in every worker.

    Args:
        n_jobs (int): number of worker processes; 1 runs every task in this process.
    """

    def __init__(self, n_jobs):
        self.executor = None
        if n_jobs > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self.executor = ProcessPoolExecutor(n_jobs, mp_context=context)

    def submit(self, fn, arg):
        """Schedule ``fn(arg)``; returns an object with a ``result()`` method."""
        if self.executor is not None:
            return self.executor.submit(fn, arg)
        return _Done(fn(arg))

    def shutdown(self):
        if self.executor is not None:
            self.executor.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def map_in_pool(fn, items, n_jobs):
    """``[fn(item) for item in items]`` over ``n_jobs`` processes, in order."""
    with WorkerPool(n_jobs) as pool:
        futures = [pool.submit(fn, item) for item in items]
        return [f.result() for f in futures]
