"""Kill-and-resume: a run killed with SIGKILL mid-epoch ends where an uninterrupted run ends."""

import os
import signal
import subprocess
import time

import torch


def _wait_for(path, proc, timeout=120):
    start = time.monotonic()
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"training exited with {proc.returncode}:\n{out}\n{err}")
        if time.monotonic() - start > timeout:
            proc.kill()
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.2)


def test_sigkill_mid_epoch_then_resume_matches_uninterrupted_run(
    tmp_path, run_tiny, tiny_run, tiny_cmd, script_env
):
    # Three epochs of 6 steps; last.ckpt every 4 steps and at each epoch's end.
    # The uninterrupted run goes in this process (it saves a start-up).
    full, killed = tmp_path / "full", tmp_path / "killed"
    assert tiny_run.main(["--exp_dir", str(full), "--seed", "3"]) == 0

    # Stop moving after step 10; the last checkpoint is then step 8, in the
    # middle of epoch 1 (2 of its 6 batches done).
    proc = subprocess.Popen(
        tiny_cmd("--exp_dir", killed, "--seed", 3, "--pause_at_step", 10),
        env=script_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(killed / "paused", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "final.pt").exists()

    last = torch.load(killed / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["global_step"] == 8 and last["epoch"] == 1
    progress = last["loops"]["fit_loop"]["epoch_loop.batch_progress"]["current"]
    assert progress["processed"] == 2  # mid-epoch
    loader_state = last["loops"]["fit_loop"]["state_dict"]["combined_loader"][0]
    assert (loader_state["epoch"], loader_state["batches_served"]) == (1, 2)
    assert last["lr_schedulers"][0]["step_num"] == 8
    assert last["training_config"]["training"]["save_last_every_n_steps"] == 4

    run_tiny("--exp_dir", killed, "--seed", 3, "--resume")

    expected = torch.load(full / "final.pt", weights_only=True)
    resumed = torch.load(killed / "final.pt", weights_only=True)
    assert expected.keys() == resumed.keys()
    for name in expected:
        torch.testing.assert_close(resumed[name], expected[name], rtol=0, atol=1e-6)
    # The same validation losses, hence the same best checkpoints.
    best_full = (full / "best_k_models.json").read_text().replace(str(full), "")
    best_killed = (killed / "best_k_models.json").read_text().replace(str(killed), "")
    assert best_full == best_killed
