"""Console entry points: ``asteroid-infer``, ``asteroid-upload``, ``asteroid-register-sr``.

Each ``main``-style function takes ``argv`` (a list, ``None`` for ``sys.argv``)
and returns an exit status. Errors are reported on one line on stderr, never as
a traceback.
"""

import argparse
import glob
import os
import sys
import time

__all__ = ["infer", "upload", "register_sample_rate", "SUPPORTED_EXTENSIONS", "collect_files"]

SUPPORTED_EXTENSIONS = [".wav", ".flac", ".ogg"]

# Window names accepted by --ola-window-type besides scipy's own; the published
# default "hanning" is no longer a scipy window name.
_WINDOW_ALIASES = {"hanning": "hann"}

# Chunk length of `asteroid-infer --stream` when --chunk-ms is not given.
_DEFAULT_CHUNK_MS = 20.0


class CLIError(Exception):
    """An error to report on one line, with exit status 1."""


def _fail(prog, message):
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 1


def collect_files(specs):
    """Expand files, directories (searched recursively) and glob patterns.

    Returns:
        list of str: the audio files, in order, without duplicates.

    Raises:
        CLIError: for a path that does not exist or a pattern that matches nothing.
    """
    found = []
    for spec in specs:
        if os.path.isdir(spec):
            matches = sorted(
                os.path.join(root, name)
                for root, _, names in os.walk(spec)
                for name in names
                if os.path.splitext(name)[1].lower() in SUPPORTED_EXTENSIONS
            )
            if not matches:
                raise CLIError(f"no {'/'.join(SUPPORTED_EXTENSIONS)} file in directory {spec}")
        elif os.path.isfile(spec):
            matches = [spec]
        elif glob.has_magic(spec):
            matches = sorted(p for p in glob.glob(spec, recursive=True) if os.path.isfile(p))
            if not matches:
                raise CLIError(f"no file matches {spec}")
        else:
            raise CLIError(f"no such file or directory: {spec}")
        for path in matches:
            if path not in found:
                found.append(path)
    return found


def _infer_parser():
    parser = argparse.ArgumentParser(
        prog="asteroid-infer",
        description="Separate audio files with a pretrained model. For each input "
        "<name>.wav, writes <name>_est1.wav, <name>_est2.wav, ... (one per source).",
    )
    parser.add_argument(
        "url_or_path",
        help="the model: a model file (.pth), an http(s) URL, a Hugging Face hub id "
        "(user/repo[@revision]) or the short name of a published model",
    )
    parser.add_argument(
        "--files",
        nargs="+",
        required=True,
        help="audio files, directories (searched recursively for .wav/.flac/.ogg) or glob patterns",
    )
    parser.add_argument(
        "-o",
        "--output-dir",
        default=None,
        help="write the estimates here (default: next to each input)",
    )
    parser.add_argument(
        "-f",
        "--force-overwrite",
        action="store_true",
        help="replace estimate files that exist already",
    )
    parser.add_argument(
        "-r",
        "--resample",
        action="store_true",
        help="resample files whose rate differs from the model's (otherwise such files are an error)",
    )
    parser.add_argument(
        "-w",
        "--ola-window",
        type=int,
        default=None,
        help="process long files by overlap-add over windows of this many samples (>= 10); "
        "default: the whole file at once",
    )
    parser.add_argument(
        "--ola-hop",
        type=int,
        default=None,
        help="overlap-add hop in samples (default: half the window)",
    )
    parser.add_argument(
        "--ola-window-type",
        default="hann",
        help="overlap-add window, any scipy.signal.get_window name (default: hann)",
    )
    parser.add_argument(
        "--ola-no-reorder",
        action="store_true",
        help="do not reorder the sources of consecutive windows to match each other",
    )
    parser.add_argument(
        "-d",
        "--device",
        default=None,
        help="torch device: cpu or cuda (default: cuda when available, else cpu)",
    )
    parser.add_argument(
        "--stream",
        action="store_true",
        help="separate each file as a stream, chunk by chunk, with a causal model (the output "
        "equals the offline model's, without the global rescaling that offline inference "
        "applies); prints the latency and the realtime factor",
    )
    parser.add_argument(
        "--chunk-ms",
        type=float,
        default=None,
        help=f"with --stream: chunk length in milliseconds (default: {_DEFAULT_CHUNK_MS:g})",
    )
    return parser


def _load_model(url_or_path):
    from asteroid.models.base_models import BaseModel

    try:
        return BaseModel.from_pretrained(url_or_path)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as err:
        raise CLIError(f"cannot load model {url_or_path!r}: {err}") from err


def infer(argv=None):
    """``asteroid-infer``: separate files with a pretrained model. Returns the exit status."""
    prog = "asteroid-infer"
    args = _infer_parser().parse_args(argv)
    try:
        import torch
        from tqdm import tqdm

        from asteroid.separate import file_separate

        if args.ola_window is not None and args.ola_window < 10:
            raise CLIError(f"--ola-window must be at least 10 samples, got {args.ola_window}")
        if args.ola_hop is not None and args.ola_window is None:
            raise CLIError("--ola-hop needs --ola-window")
        if args.ola_hop is not None and not 0 < args.ola_hop <= args.ola_window:
            raise CLIError(f"--ola-hop must be in [1, {args.ola_window}], got {args.ola_hop}")
        _check_stream_args(args)
        device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise CLIError("--device cuda was asked for but no CUDA device is available")
        files = collect_files(args.files)
        model = _load_model(args.url_or_path)
        if args.ola_window is not None:
            from asteroid.dsp.overlap_add import LambdaOverlapAdd

            window = _WINDOW_ALIASES.get(args.ola_window_type, args.ola_window_type)
            try:
                model = LambdaOverlapAdd(
                    model,
                    n_src=None,
                    window_size=args.ola_window,
                    hop_size=args.ola_hop,
                    window=window,
                    reorder_chunks=not args.ola_no_reorder,
                )
            except ValueError as err:
                raise CLIError(f"bad overlap-add settings: {err}") from err
        model = model.to(device).eval()
        if args.stream:
            streamer = _make_streamer(model)
    except CLIError as err:
        return _fail(prog, err)

    if args.stream:
        return _stream_files(prog, args, streamer, files)
    written, failures = 0, []
    start = time.perf_counter()
    for path in tqdm(files, desc="Separating", unit="file", disable=len(files) < 2):
        try:
            outputs = file_separate(
                model,
                path,
                output_dir=args.output_dir,
                force_overwrite=args.force_overwrite,
                resample=args.resample,
            )
            written += len(outputs)
        except (OSError, ValueError, RuntimeError) as err:
            failures.append(f"{path}: {err}")
    elapsed = time.perf_counter() - start
    for failure in failures:
        print(f"{prog}: error: {failure}", file=sys.stderr)
    print(
        f"Separated {len(files) - len(failures)} of {len(files)} file(s) into {written} "
        f"estimate file(s) in {elapsed:.1f} s" + (f"; {len(failures)} failed." if failures else ".")
    )
    return 1 if failures else 0


def _check_stream_args(args):
    if args.chunk_ms is not None and not args.stream:
        raise CLIError("--chunk-ms needs --stream")
    if not args.stream:
        return
    if args.chunk_ms is not None and not args.chunk_ms > 0:
        raise CLIError(f"--chunk-ms must be positive, got {args.chunk_ms:g}")
    if args.ola_window is not None:
        raise CLIError("--stream and --ola-window exclude each other: a stream has no windows")
    if args.resample:
        raise CLIError(
            "--stream cannot resample: a stream must be at the model's sample rate "
            "(resample the files first)"
        )


def _make_streamer(model):
    from asteroid.dsp.streaming import StreamingSeparator

    try:
        return StreamingSeparator(model)
    except ValueError as err:  # NotStreamableError names what cannot stream
        raise CLIError(str(err)) from err


def _stream_files(prog, args, streamer, files):
    """``asteroid-infer --stream``: separate each file chunk by chunk, report latency and speed."""
    from asteroid.dsp.streaming import stream_file

    sample_rate = streamer.sample_rate
    chunk_ms = _DEFAULT_CHUNK_MS if args.chunk_ms is None else args.chunk_ms
    chunk = max(1, int(round(chunk_ms * sample_rate / 1000.0)))
    print(
        f"Streaming in chunks of {chunk} samples ({1000.0 * chunk / sample_rate:g} ms at "
        f"{sample_rate:g} Hz); algorithmic latency {streamer.latency_ms:.2f} ms "
        f"({streamer.latency_samples} samples) on the model's hop of {streamer.hop_samples} "
        f"samples, at most {1000.0 * streamer.max_latency_samples / sample_rate:.2f} ms "
        f"({streamer.max_latency_samples} samples) for other chunk lengths."
    )
    written, failures = 0, []
    start = time.perf_counter()
    for path in files:
        try:
            outputs, stats = stream_file(
                streamer,
                path,
                chunk,
                output_dir=args.output_dir,
                force_overwrite=args.force_overwrite,
            )
        except (OSError, ValueError, RuntimeError) as err:
            failures.append(f"{path}: {err}")
            continue
        written += len(outputs)
        print(
            f"{path}: {len(outputs)} estimate file(s); {stats.chunks} chunks, compute "
            f"{1000.0 * stats.mean_chunk_s:.3f} ms per chunk (max {1000.0 * stats.max_chunk_s:.3f}"
            f" ms), realtime factor {stats.realtime_factor:.3f}"
        )
    elapsed = time.perf_counter() - start
    for failure in failures:
        print(f"{prog}: error: {failure}", file=sys.stderr)
    print(
        f"Separated {len(files) - len(failures)} of {len(files)} file(s) into {written} "
        f"estimate file(s) in {elapsed:.1f} s" + (f"; {len(failures)} failed." if failures else ".")
    )
    return 1 if failures else 0


def _register_sr_parser():
    parser = argparse.ArgumentParser(
        prog="asteroid-register-sr",
        description="Record the sample rate in a model file written without one (the file is "
        "rewritten atomically).",
    )
    parser.add_argument("filename", help="the model file (.pth)")
    parser.add_argument("sample_rate", type=float, help="the model's sample rate in Hz")
    return parser


def register_sample_rate(argv=None):
    """``asteroid-register-sr``: set ``model_args["sample_rate"]`` of a model file."""
    prog = "asteroid-register-sr"
    args = _register_sr_parser().parse_args(argv)
    from asteroid.models.model_file import load_model_file, save_model_file

    if args.sample_rate <= 0:
        return _fail(prog, f"the sample rate must be positive, got {args.sample_rate:g}")
    try:
        conf = load_model_file(args.filename)
        if "model_args" not in conf:
            raise ValueError(f"{args.filename} is not a model file: it has no 'model_args'")
        conf["model_args"]["sample_rate"] = args.sample_rate
        save_model_file(conf, args.filename)
    except (OSError, ValueError, RuntimeError) as err:
        return _fail(prog, err)
    print(f"Registered sample_rate={args.sample_rate:g} in {args.filename}")
    return 0


def _upload_parser():
    parser = argparse.ArgumentParser(
        prog="asteroid-upload",
        description="Publish a recipe's publish_dir/ (model.pth and its model card) to Zenodo, "
        "or with --hub to a Hugging Face hub repository. Options not given are read from "
        "uploader_info.yml (in the current directory or the one given by --info-file).",
    )
    parser.add_argument("publish_dir", help="the folder written by the recipe's publishing stage")
    parser.add_argument("--uploader", default=None, help="your name, shown as the model's creator")
    parser.add_argument("--affiliation", default=None, help="your affiliation")
    parser.add_argument(
        "--git_username", default=None, help="name used in the upload's title (default: git config)"
    )
    parser.add_argument(
        "--token", default=None, help="Zenodo (or hub) access token (default: $ACCESS_TOKEN)"
    )
    parser.add_argument(
        "--force_publish", action="store_true", help="publish without asking for confirmation"
    )
    parser.add_argument("--use_sandbox", action="store_true", help="use sandbox.zenodo.org")
    parser.add_argument(
        "--zenodo_url",
        default=None,
        help="base URL of a server with Zenodo's API (default: zenodo.org or the sandbox)",
    )
    parser.add_argument(
        "--hub",
        default=None,
        metavar="USER/REPO",
        help="push to this Hugging Face hub repository instead of Zenodo",
    )
    parser.add_argument(
        "--hub_endpoint",
        default=None,
        help="hub server URL (default: $HF_ENDPOINT or huggingface.co)",
    )
    parser.add_argument(
        "--info-file",
        default="uploader_info.yml",
        help="YAML file with uploader, affiliation, git_username, token (default: uploader_info.yml)",
    )
    return parser


def _fill_from_info_file(args):
    if not os.path.isfile(args.info_file):
        return
    import yaml

    with open(args.info_file) as fh:
        info = yaml.safe_load(fh) or {}
    if not isinstance(info, dict):
        raise CLIError(
            f"{args.info_file} must hold a mapping of uploader/affiliation/git_username/token"
        )
    for key in ("uploader", "affiliation", "git_username", "token"):
        if getattr(args, key) is None and info.get(key) is not None:
            setattr(args, key, str(info[key]))


def upload(argv=None):
    """``asteroid-upload``: publish a ``publish_dir`` to Zenodo or the hub. Returns the exit status."""
    prog = "asteroid-upload"
    args = _upload_parser().parse_args(argv)
    try:
        _fill_from_info_file(args)
        if not os.path.isdir(args.publish_dir):
            raise CLIError(f"no such directory: {args.publish_dir}")
        if args.uploader is None:
            raise CLIError(
                "--uploader is required (or an uploader_info.yml with the keys uploader, "
                "affiliation, git_username and token)"
            )
        from asteroid.models.hub_upload import push_to_hf_hub, upload_publishable

        if args.hub:
            url = push_to_hf_hub(
                args.publish_dir,
                args.hub,
                uploader=args.uploader,
                affiliation=args.affiliation,
                git_username=args.git_username,
                token=args.token,
                endpoint=args.hub_endpoint,
            )
            print(f"Pushed {args.publish_dir} to {url}")
            return 0
        upload_publishable(
            args.publish_dir,
            uploader=args.uploader,
            affiliation=args.affiliation,
            git_username=args.git_username,
            token=args.token,
            force_publish=args.force_publish,
            use_sandbox=args.use_sandbox,
            base_url=args.zenodo_url,
        )
    except CLIError as err:
        return _fail(prog, err)
    except (OSError, ValueError, RuntimeError) as err:
        # ZenodoError is a RuntimeError; hub client errors derive from OSError/ValueError.
        return _fail(prog, str(err).splitlines()[0] if str(err) else type(err).__name__)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(infer())
