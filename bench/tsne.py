"""3-D t-SNE: openTSNE (Barnes–Hut) vs scikit-learn, time and quality side by side.

Both embed the same MNIST images (pixels, grey levels in [0, 1]) in three dimensions
with perplexity 30, PCA initialisation and the same seed, on the same number of
threads. Quality is the 10-NN accuracy in the embedding (5-fold cross-validation), the
number mototake2015's figure M1 reports.

    python bench/tsne.py [--points 1000 5000] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

from deepinside.data import mnist
from deepinside.measures.embedding import knn_accuracy, tsne_3d


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    x, y = mnist.embedded_subset()
    x, y = mnist.subsample(x, y, max(args.points), seed=0)
    print(f"3-D t-SNE of MNIST pixels, perplexity 30, {args.threads} threads")
    print(f"{'points':>7} {'method':>9} {'seconds':>8} {'10-NN acc':>10}")
    for n in args.points:
        data, labels = mnist.to_unit_interval(x[:n]), y[:n]
        times = {}
        for method in ("opentsne", "sklearn"):
            started = time.perf_counter()
            embedding = tsne_3d(data, seed=0, n_jobs=args.threads, method=method)
            times[method] = time.perf_counter() - started
            print(f"{n:>7} {method:>9} {times[method]:8.1f} {knn_accuracy(embedding, labels):10.3f}", flush=True)
        print(f"{n:>7} {'ratio':>9} {times['sklearn'] / times['opentsne']:7.2f}x  (sklearn time / openTSNE time)")


if __name__ == "__main__":
    main()
