"""What keeping and checking every file's SHA-256 costs, beside what reading the files costs anyway.

Every file the pipeline writes gets a SHA-256 sidecar, and every read checks it first
(:mod:`deepinside.core.files`). This takes the files of a finished run (default
``results/quick``) and times, side by side in one run and one thread, (a) parsing every
file with the pipeline's readers and (b) hashing every file, and prints (b)/(a) and the
hashing seconds against the run's step seconds (``--step-seconds``, from the run's
record in docs/performance.md; the quick preset on 2 cores: 3,434 s of steps).

    python bench/digest_cost.py [results/quick] [--step-seconds 3434]

Each file is hashed twice in a run (once when written, once per job that reads it;
most files are read once or twice), so the pipeline's cost is about 2-3× (b).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from deepinside.core import files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="results/quick")
    parser.add_argument("--step-seconds", type=float, default=3434.0)
    args = parser.parse_args()
    files = [
        p
        for p in sorted(Path(args.folder).rglob("*"))
        if p.is_file() and p.suffix in files.READERS and "checkpoints" not in p.parts
    ]
    if not files:
        raise SystemExit(f"no pipeline files under {args.folder}: run the preset first")
    total = sum(p.stat().st_size for p in files)
    for p in files:  # warm the page cache: both timings then read from memory
        p.read_bytes()
    started = time.perf_counter()
    for p in files:
        files.READERS[p.suffix](p)
    parse = time.perf_counter() - started
    started = time.perf_counter()
    for p in files:
        files.file_sha256(p)
    digest = time.perf_counter() - started
    print(f"{len(files)} files, {total / 1e6:.0f} MB under {args.folder}")
    print(f"parse every file with the pipeline's readers: {parse:6.2f} s")
    print(f"SHA-256 of every file:                        {digest:6.2f} s  ({digest / parse:.2f}× parsing)")
    print(f"against {args.step_seconds:,.0f} s of steps in the run: {100 * digest / args.step_seconds:.2f} % per pass")


if __name__ == "__main__":
    main()
