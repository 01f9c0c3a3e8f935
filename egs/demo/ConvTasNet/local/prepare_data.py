"""Stage 0 of the demo recipe: a LibriMix-layout corpus of synthesized two-speaker speech.

Writes the corpus under ``--storage_dir`` and the metadata CSVs of each split
under ``--local_dir/<split>/`` (what the LibriMix dataset class reads). The
train, dev and test splits have disjoint voices and sentences. A finished
corpus (marked by ``<storage_dir>/.done``) is not generated again.
"""
import argparse
import json
import os
import sys
import time

from asteroid.data.synthetic import make_librimix_corpus


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage_dir", required=True)
    parser.add_argument("--local_dir", required=True)
    parser.add_argument("--n_train", type=int, default=2000)
    parser.add_argument("--n_valid", type=int, default=200)
    parser.add_argument("--n_test", type=int, default=200)
    parser.add_argument("--sample_rate", type=int, default=8000)
    parser.add_argument("--min_duration", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    done = os.path.join(args.storage_dir, ".done")
    if os.path.isfile(done):
        with open(done) as fh:
            previous = json.load(fh)
        wanted = {k: getattr(args, k) for k in ("n_train", "n_valid", "n_test", "sample_rate", "seed")}
        if {k: previous.get(k) for k in wanted} != wanted:
            print(
                f"error: {args.storage_dir} holds a corpus made with {previous}, not {wanted}; "
                "remove it or choose another --storage_dir",
                file=sys.stderr,
            )
            return 1
        print(f"Corpus already in {args.storage_dir}: not generated again.")
        return 0
    start = time.time()
    out = make_librimix_corpus(
        args.storage_dir,
        args.n_train,
        args.n_valid,
        args.n_test,
        sample_rate=args.sample_rate,
        n_src=2,
        mode="min",
        seed=args.seed,
        min_duration=args.min_duration,
        split_names=("train", "dev", "test"),
        local_dir=args.local_dir,
    )
    with open(done, "w") as fh:
        json.dump({**vars(args), "seconds": round(time.time() - start, 1)}, fh)
    print(f"Corpus written to {out['root']} in {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
