"""Every recipe, run for real: ``bash run.sh`` from its data preparation to its evaluation.

Each case builds a tiny corpus in the recipe's raw layout (see conftest.py), runs the recipe's
stages with a tiny model and one epoch as a subprocess, then checks the experiment folder:
the published model file loads with ``from_pretrained``, ``final_metrics.json`` holds every
metric of the experiment's conf.yml with finite values, and the example WAV files exist at
the model's sample rate.
"""

import glob
import os
import time

import pytest
import torch
import yaml

from .conftest import finite, read_json, run_recipe, wav_rate

EPOCH = ["--epochs", "1", "--num_workers", "0", "--progress", "0"]
TINY_TASNET = "--n_filters 16 --bn_chan 8 --hid_chan 16 --skip_chan 8 --n_blocks 2 --n_repeats 1"
TINY_CHIMERA = (
    "--n_filters 64 --kernel_size 64 --stride 32 --n_layers 1 --hidden_size 8 --embedding_dim 4"
)
TINY_DPRNN = (
    "--n_filters 16 --kernel_size 16 --stride 8 --in_chan 16 --out_chan 16 --bn_chan 8 "
    "--hid_size 8 --chunk_size 20 --hop_size 10 --n_repeats 1"
)


def opts(*words):
    return " ".join(words)


# Each case: the recipe folder, its corpus (conftest.CORPORA) and the run.sh options of the tiny
# run ({corpus} stands for the corpus folder): the first data stage that needs no download,
# a model of a few thousand parameters, one epoch, and a short metrics list where the
# published one has slow metrics.
CASES = {
    "librimix/ConvTasNet": dict(
        corpus="librimix",
        args=[
            "--stage",
            "1",
            "--librimix_dir",
            "{corpus}",
            "--sample_rate",
            "16000",
            "--mode",
            "max",
            "--train_args",
            opts(TINY_TASNET, "--batch_size 2 --segment 1", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "librimix/DPRNNTasNet": dict(
        corpus="librimix",
        args=[
            "--stage",
            "1",
            "--librimix_dir",
            "{corpus}",
            "--train_args",
            opts(
                "--n_filters 16 --kernel_size 16 --stride 8 --in_chan 16 --out_chan 16",
                "--bn_chan 8 --hid_size 8 --chunk_size 20 --hop_size 10 --n_repeats 1",
                "--batch_size 2 --segment 1 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "librimix/DPTNet": dict(
        corpus="librimix",
        args=[
            "--stage",
            "1",
            "--librimix_dir",
            "{corpus}",
            "--train_args",
            opts(
                "--n_filters 16 --in_chan 16 --out_chan 16 --ff_hid 16 --chunk_size 20",
                "--hop_size 10 --n_repeats 1 --batch_size 2 --segment 1 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "librimix/DCCRNet": dict(
        corpus="librimix",
        args=[
            "--stage",
            "1",
            "--librimix_dir",
            "{corpus}",
            "--train_args",
            opts(
                "--architecture mini --stft_n_filters 64 --stft_kernel_size 64",
                "--stft_stride 32 --batch_size 2 --segment 1 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "librimix/DCUNet": dict(
        corpus="librimix",
        args=[
            "--stage",
            "1",
            "--librimix_dir",
            "{corpus}",
            "--train_args",
            opts(
                "--architecture DCUNet-10 --stft_n_filters 64 --stft_kernel_size 64",
                "--stft_stride 32 --batch_size 2 --segment 1 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "librimix/SuDORMRFNet": dict(
        corpus="librimix",
        args=[
            "--stage",
            "1",
            "--librimix_dir",
            "{corpus}",
            "--train_args",
            opts(
                "--n_filters 16 --in_chan 16 --bn_chan 8 --num_blocks 2 --upsampling_depth 2",
                "--batch_size 2 --segment 1 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "librimix/SuDORMRFImprovedNet": dict(
        corpus="librimix",
        args=[
            "--stage",
            "1",
            "--librimix_dir",
            "{corpus}",
            "--train_args",
            opts(
                "--n_filters 16 --in_chan 16 --bn_chan 8 --num_blocks 2 --upsampling_depth 2",
                "--batch_size 2 --segment 1 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "wham/ConvTasNet": dict(
        corpus="wham",
        args=[
            "--stage",
            "2",
            "--wham_wav_dir",
            "{corpus}/wham",
            "--train_args",
            opts(TINY_TASNET, "--batch_size 2 --segment 1", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "wham/DPRNN": dict(
        corpus="wham",
        args=[
            "--stage",
            "2",
            "--wham_wav_dir",
            "{corpus}/wham",
            "--task",
            "sep_noisy",
            "--train_args",
            opts(TINY_DPRNN, "--batch_size 2 --segment 1 --metrics si_sdr", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "wham/DPTNet": dict(
        corpus="wham",
        args=[
            "--stage",
            "2",
            "--wham_wav_dir",
            "{corpus}/wham",
            "--train_args",
            opts(
                "--n_filters 16 --in_chan 16 --out_chan 16 --ff_hid 16 --chunk_size 20",
                "--hop_size 10 --n_repeats 1 --batch_size 2 --segment 1 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "wham/FilterbankDesign": dict(
        corpus="wham",
        args=[
            "--stage",
            "2",
            "--wham_wav_dir",
            "{corpus}/wham",
            "--train_args",
            opts(
                TINY_TASNET,
                "--fb_name param_sinc --kernel_size 33 --batch_size 2 --segment 1",
                "--metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "wham/MixIT": dict(
        corpus="wham",
        args=[
            "--stage",
            "2",
            "--wham_wav_dir",
            "{corpus}/wham",
            "--train_args",
            opts(TINY_DPRNN, "--batch_size 2 --segment 1 --metrics si_sdr", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "wham/DynamicMixing": dict(
        corpus="wham",
        args=[
            "--stage",
            "2",
            "--wham_wav_dir",
            "{corpus}/wham",
            "--train_args",
            opts(TINY_DPRNN, "--batch_size 2 --segment 0.5 --metrics si_sdr", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "wham/TwoStep": dict(
        corpus="wham",
        args=[
            "--stage",
            "2",
            "--wham_wav_dir",
            "{corpus}/wham",
            "--train_args",
            opts(
                "--n_filters 16 --n_blocks 1 --n_repeats 2 --bn_chan 8 --hid_chan 16",
                "--f_epochs 1 --s_epochs 1 --f_batch_size 2 --s_batch_size 2",
                "--f_num_workers 0 --s_num_workers 0 --segment 1 --metrics si_sdr --progress 0",
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "whamr/TasNet": dict(
        corpus="whamr",
        args=[
            "--stage",
            "2",
            "--wham_wav_dir",
            "{corpus}/whamr",
            "--train_args",
            opts(
                "--n_filters 16 --kernel_size 16 --stride 8 --n_layers 1 --hid_size 8",
                "--batch_size 2 --segment 1 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "wsj0-mix/DeepClustering": dict(
        corpus="wsj0mix",
        args=[
            "--stage",
            "2",
            "--wsj0mix_wav_dir",
            "{corpus}",
            "--n_src",
            "3",
            "--loss_alpha",
            "0.5",
            "--lr",
            "0.001",
            "--train_args",
            opts(TINY_CHIMERA, "--batch_size 2 --segment 1", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "kinect-wsj/DeepClustering": dict(
        corpus="kinect",
        args=[
            "--stage",
            "2",
            "--kinect_wsj_path",
            "{corpus}/2speakers_reverb_kinect",
            "--mode",
            "min",
            "--batch_size",
            "2",
            "--train_args",
            opts(TINY_CHIMERA, "--segment 1 --metrics si_sdr", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "LibriVAD": dict(
        corpus="librivad",
        args=[
            "--stage",
            "1",
            "--librivad_dir",
            "{corpus}",
            "--segment",
            "1",
            "--train_args",
            opts(TINY_TASNET, "--batch_size 2", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "dampvsep/ConvTasNet": dict(
        corpus="dampvsep",
        args=[
            "--stage",
            "0",
            "--dampvsep_root",
            "{corpus}",
            "--segment",
            "1",
            "--samples_per_track",
            "1",
            "--n_blocks",
            "2",
            "--n_repeats",
            "1",
            "--batch_size",
            "2",
            "--train_args",
            opts("--n_filters 16 --bn_chan 8 --hid_chan 16 --skip_chan 8 --metrics si_sdr", *EPOCH),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "dns_challenge/baseline": dict(
        corpus="dns",
        args=[
            "--stage",
            "3",
            "--storage_dir",
            "{corpus}/train",
            "--test_dir",
            "{corpus}/test",
            "--denoise_dir",
            "{corpus}/test/noisy",
            "--train_args",
            opts(
                "--n_filters 64 --kernel_size 64 --stride 32 --hidden_size 8 --n_layers 1",
                "--batch_size 2 --segment 1 --val_prop 0.34 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "musdb18/X-UMX": dict(
        corpus="musdb",
        args=[
            "--stage",
            "1",
            "--musdb18_dir",
            "{corpus}",
            "--seq_dur",
            "1.0",
            "--samples_per_track",
            "2",
            "--batch_size",
            "2",
            "--epochs",
            "1",
            "--valid_tracks",
            "Synthetic Artist 02 - Song 02",
            "--train_args",
            opts(
                "--in_chan 512 --window_length 512 --nhop 256 --hidden_size 8",
                "--num_workers 0 --progress 0",
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "TAC": dict(
        corpus="tac",
        args=[
            "--stage",
            "2",
            "--storage_dir",
            "{corpus}",
            "--segment",
            "1",
            "--train_args",
            opts(
                "--enc_dim 8 --feature_dim 8 --hidden_dim 8 --n_layers 1 --chunk_size 20",
                "--hop_size 10 --batch_size 2",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "demask": dict(
        corpus="librispeech",
        args=[
            "--stage",
            "1",
            "--librispeech_dir",
            "{corpus}/LibriSpeech",
            "--rir_dir",
            "{corpus}/rir_data",
            "--train_args",
            opts(
                "--n_filters 64 --kernel_size 64 --stride 32 --hidden_dims 16 --length 1",
                "--batch_size 2 --metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "fuss/baseline": dict(
        corpus="fuss",
        args=[
            "--stage",
            "2",
            "--fuss_dir",
            "{corpus}",
            "--train_args",
            opts(TINY_TASNET, "--kernel_size 16 --stride 8 --batch_size 2", *EPOCH),
            "--eval_args",
            "--n_save_ex 2",
        ],
    ),
    "wsj0-mix-var/Multi-Decoder-DPRNN": dict(
        corpus="wsj0mix",
        args=[
            "--stage",
            "2",
            "--wsj0mix_wav_dir",
            "{corpus}",
            "--n_srcs",
            "2 3",
            "--train_args",
            opts(
                "--n_filters 16 --bn_chan 8 --hid_size 8 --chunk_size 20 --hop_size 10",
                "--n_repeats 2 --segment 1 --minlen 0.5",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
    "avspeech/looking-to-listen": dict(
        corpus="avspeech",
        args=[
            "--stage",
            "1",
            "--avspeech_dir",
            "{corpus}",
            "--valid_prop",
            "0.2",
            "--test_prop",
            "0.2",
            "--batch_size",
            "2",
            "--train_args",
            opts(
                "--embed_dim 32 --audio_chan 4 --video_chan 4 --lstm_hidden 8 --fc_hidden 8",
                "--metrics si_sdr",
                *EPOCH,
            ),
            "--eval_args",
            "--n_save_ex 1",
        ],
    ),
}


def check_experiment(exp_dir):
    """The checks every recipe's experiment folder must pass."""
    from asteroid.models.base_models import BaseModel
    from asteroid.scripts.recipe_parts import load_plugins

    with open(os.path.join(exp_dir, "conf.yml")) as fh:
        conf = yaml.safe_load(fh)
    for name in ("best_model.pth", "best_k_models.json", "train.log", "eval.log"):
        assert os.path.isfile(os.path.join(exp_dir, name)), f"{name} missing in {exp_dir}"
    assert glob.glob(os.path.join(exp_dir, "checkpoints", "*.ckpt"))

    cwd = os.getcwd()
    os.chdir(os.path.dirname(os.path.dirname(exp_dir)))  # plugins are relative to the recipe
    try:
        load_plugins(conf["main_args"].get("plugin"))
    finally:
        os.chdir(cwd)
    model = BaseModel.from_pretrained(os.path.join(exp_dir, "publish_dir", "model.pth"))
    assert type(model).__name__ == conf["main_args"]["model"]
    card = open(os.path.join(exp_dir, "publish_dir", "README.md")).read()
    assert conf["main_args"]["model"] in card

    final = read_json(os.path.join(exp_dir, "eval", "final_metrics.json"))
    metrics = (conf.get("eval") or {}).get("metrics")
    assert metrics, "the recipe's conf.yml lists no eval.metrics"
    for metric in metrics:
        assert metric in final, f"{metric} missing from final_metrics.json: {final}"
    assert all(finite(v) for v in final.values()), final
    assert os.path.isfile(os.path.join(exp_dir, "eval", "all_metrics.csv"))

    wavs = glob.glob(os.path.join(exp_dir, "eval", "examples", "ex_*", "*.wav"))
    assert any(w.endswith("mixture.wav") for w in wavs), "no example written"
    assert any(w.endswith("_estimate.wav") for w in wavs), "no estimate written"
    assert {wav_rate(w) for w in wavs} == {int(model.sample_rate)}
    return conf, final


def _mtimes(folder):
    return {
        os.path.join(root, name): os.path.getmtime(os.path.join(root, name))
        for root, _, names in os.walk(folder)
        for name in names
    }


@pytest.mark.parametrize("recipe", sorted(CASES))
def test_recipe_runs_end_to_end(recipe, corpus, egs_copy):
    case = CASES[recipe]
    folder = corpus(case["corpus"])
    args = [a.replace("{corpus}", str(folder)) for a in case["args"]]
    recipe_dir = egs_copy / recipe
    proc = run_recipe(recipe_dir, *args)
    exp_dirs = glob.glob(str(recipe_dir / "exp" / "train_*"))
    assert len(exp_dirs) == 1, proc.stdout[-3000:]
    exp_dir = exp_dirs[0]
    check_experiment(exp_dir)
    assert "No GPU available: training on CPU." in proc.stdout
    assert glob.glob(str(recipe_dir / "logs" / "train_*.log"))
    assert glob.glob(str(recipe_dir / "logs" / "eval_*.log"))

    # Running it again redoes nothing and overwrites nothing.
    before = {**_mtimes(exp_dir), **_mtimes(recipe_dir / "data")}
    again = run_recipe(recipe_dir, *args)
    assert "training skipped" in again.stdout and "evaluation skipped" in again.stdout
    after = {**_mtimes(exp_dir), **_mtimes(recipe_dir / "data")}
    assert after == before


def _corpus_option(args):
    """The run.sh option that names the corpus (the first one given ``{corpus}``)."""
    index = next(i for i, a in enumerate(args) if "{corpus}" in a)
    return args[index - 1]


@pytest.mark.parametrize("recipe", sorted(CASES))
def test_missing_corpus_fails_at_once_naming_the_path(recipe, egs_copy, tmp_path):
    args = CASES[recipe]["args"]
    missing = str(tmp_path / "no_such_corpus")
    args = [a.replace("{corpus}", missing) for a in args]
    start = time.monotonic()
    proc = run_recipe(egs_copy / recipe, *args, check=False, timeout=60)
    assert proc.returncode != 0
    assert missing in proc.stdout, proc.stdout
    assert _corpus_option(CASES[recipe]["args"]) in proc.stdout  # the option is named too
    assert time.monotonic() - start < 30
    assert not glob.glob(str(egs_copy / recipe / "exp" / "*" / "*.pth"))


def test_two_device_ids_train_with_two_cpu_processes(corpus, egs_copy):
    case = CASES["librimix/ConvTasNet"]
    args = [a.replace("{corpus}", str(corpus(case["corpus"]))) for a in case["args"]]
    recipe_dir = egs_copy / "librimix" / "ConvTasNet"
    # A per-step schedule: its horizon must count the steps of one of the two processes.
    with open(recipe_dir / "conf.yml", "a") as fh:
        fh.write("scheduler:\n  name: cosine\n")
    proc = run_recipe(recipe_dir, *args, "--stop_stage", "2", "--id", "0,1")
    assert "No GPU available: training on CPU with 2 processes (DDP, gloo)." in proc.stdout
    assert glob.glob(str(recipe_dir / "exp" / "train_*" / "best_model.pth"))
    (last,) = glob.glob(str(recipe_dir / "exp" / "train_*" / "checkpoints" / "last.ckpt"))
    ckpt = torch.load(last, map_location="cpu", weights_only=True)
    assert ckpt["global_step"] > 0
    assert ckpt["lr_schedulers"][0]["total_steps"] == ckpt["global_step"]
    assert ckpt["optimizer_states"][0]["param_groups"][0]["lr"] == 0.0  # the cosine's end


def test_sms_wsj_cacgmm_separates_without_training(corpus, egs_copy):
    """The one recipe without a trained model: cACGMM masks and MVDR beamforming."""
    recipe_dir = egs_copy / "sms_wsj" / "CaCGMM"
    args = ["--stage", "2", "--sms_wsj_dir", corpus("sms_wsj")]
    args += ["--eval_args", "--iterations 10 --n_save_ex 1"]
    run_recipe(recipe_dir, *args)
    exp_dir = recipe_dir / "exp" / "cacgmm_mvdr_souden"
    with open(exp_dir / "conf.yml") as fh:
        metrics = yaml.safe_load(fh)["eval"]["metrics"]
    for dset in ("cv_dev93", "test_eval92"):
        final = read_json(exp_dir / f"eval_{dset}" / "final_metrics.json")
        assert set(metrics) <= set(final) and all(finite(v) for v in final.values()), final
        wavs = glob.glob(str(exp_dir / f"eval_{dset}" / "examples" / "ex_*" / "*.wav"))
        assert any(w.endswith("s1_estimate.wav") for w in wavs)
        assert {wav_rate(w) for w in wavs} == {8000}
    assert "evaluation is done" in run_recipe(recipe_dir, *args).stdout
