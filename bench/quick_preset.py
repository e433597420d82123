"""Wall time of the whole quick preset from a clean copy, and its ten slowest jobs.

    python bench/quick_preset.py [--cores 2]            # runs `snakemake --cores N` in a temp dir
    python bench/quick_preset.py --here                 # the same in this checkout (its results/quick
                                                        # and logs/quick must not exist): keeps the figures
    python bench/quick_preset.py --logs logs/quick      # only reads an existing run's job logs
    python bench/quick_preset.py --compare results/quick/claims.csv   # also: is the new run's claims
                                                        # table identical to that one, to the last digit?
    python bench/quick_preset.py --against old/logs/quick   # also: step by step against an earlier run,
                                                        # with this machine's drift taken out

This machine's speed drifts by 10-20 % between runs, so two runs' wall times do not say
what a code change saved. ``--against`` reads an earlier run's logs (move ``logs/quick``
aside before a clean run) and compares step by step: the jobs whose step code is the
same in both runs (the ``@<hash>`` of the "done" line: a hash of the package modules the
step uses) measure the drift, their new step-seconds over their old; the steps whose
code changed are shown with their own ratio and with it divided by the drift.

Every job's log ends with the adapter's line ``[deepinside] <step> done in <s> s (<c> s of CPU)``
(the step's own time: from its inputs read to its outputs written, so it includes
importing the step's module, torch for most, unless reading the inputs already did).
Python's and the adapter's start-up come before it and are measured separately by
bench/job_overhead.py. Snakemake's ``benchmark:`` files are not used: a
rule marked for the between-workflow cache may not have one.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the adapter's last line (deepinside.pipeline.step.done_line): step, code hash, this attempt's step
# and CPU seconds, and for a job resumed from its checkpoint all attempts' count, step and CPU seconds
DONE = re.compile(
    r"^\[deepinside\] (\S+?)(?:@(\w+))? done in ([0-9.]+) s(?: \(([0-9.]+) s of CPU\))?"
    r"(?:; (\d+) attempts in all: ([0-9.]+) s \(([0-9.]+) s of CPU\))?",
    re.M,
)


def step_times(logs: Path) -> list[tuple[float, str, str]]:
    """(seconds, step, log path) for every finished job under ``logs``, slowest first."""
    return sorted(((seconds, step, log) for log, (step, _, seconds) in jobs(logs).items()), reverse=True)


def jobs(logs: Path) -> dict[str, tuple[str, str, float]]:
    """Log path (relative to ``logs``) → (step, code hash, step seconds) of every finished job."""
    found = {}
    for log in logs.rglob("*.log"):
        for step, version, seconds, *_ in DONE.findall(log.read_text(errors="replace")):
            found[str(log.relative_to(logs))] = (step, version, float(seconds))
    return found


def drift_and_changes(new: dict, old: dict) -> tuple[float | None, list[tuple[str, float, float, bool]]]:
    """The machine's drift (new / old step-seconds of the jobs whose step code is the same in
    both runs) and, per step function, (step, old seconds, new seconds, code changed?).

    A step counts as changed if any of its jobs has another code hash, or the two runs
    have different jobs of it (a job added, removed or renamed).
    """
    same = [log for log in new.keys() & old.keys() if new[log][:2] == old[log][:2]]
    old_same = sum(old[log][2] for log in same)
    drift = sum(new[log][2] for log in same) / old_same if old_same > 0 else None
    rows = []
    for step in sorted({s for s, _, _ in new.values()} | {s for s, _, _ in old.values()}):
        mine = {log: v for log, v in new.items() if v[0] == step}
        theirs = {log: v for log, v in old.items() if v[0] == step}
        changed = mine.keys() != theirs.keys() or any(mine[log][1] != theirs[log][1] for log in mine)
        rows.append((step, sum(v[2] for v in theirs.values()), sum(v[2] for v in mine.values()), changed))
    return drift, sorted(rows, key=lambda row: -max(row[1], row[2]))


def report_against(new: dict, old: dict) -> None:
    drift, rows = drift_and_changes(new, old)
    if drift is None:
        print("against the earlier run: no job with the same step code in both, so no drift estimate")
    else:
        print(
            f"against the earlier run: the machine's drift {drift:.2f}x (new / old step-seconds of the "
            f"jobs whose step code did not change)"
        )
    print(f"  {'old s':>8s} {'new s':>8s} {'new/old':>8s} {'/ drift':>8s}  step (* = its code changed)")
    for step, before, after, changed in rows:
        ratio = after / before if before > 0 else float("nan")
        corrected = ratio / drift if drift else float("nan")
        shown = f"{corrected:8.2f}" if changed else " " * 8
        print(f"  {before:8.0f} {after:8.0f} {ratio:8.2f} {shown}  {'*' if changed else ' '} {step}")


def report(times: list[tuple[float, str, str]], wall: float | None) -> None:
    total = sum(t for t, _, _ in times)
    print(
        f"jobs: {len(times)}, step-seconds: {total:.0f}"
        + (f", wall: {wall:.0f} s ({wall / 60:.1f} min)" if wall else "")
    )
    if wall:
        print(f"steps running at once, on average: {total / wall:.2f} (step-seconds / wall; start-up not counted)")
    print("ten slowest jobs (step time: from inputs read to outputs written, the step module's imports included):")
    for seconds, step, log in times[:10]:
        print(f"  {seconds:8.1f} s  {step:60s} {log}")
    by_step: dict[str, float] = {}
    for seconds, step, _ in times:
        by_step[step] = by_step.get(step, 0.0) + seconds
    print("step-seconds by step function (top 8):")
    for step, seconds in sorted(by_step.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {seconds:8.0f} s  {100 * seconds / total:5.1f} %  {step}")
    print("step-seconds by talk (the talk's rules, figures and claims):")
    for talk, seconds in sorted(by_talk(times).items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:8.0f} s  {100 * seconds / total:5.1f} %  {talk}")


TALK = re.compile(r"^([a-z]+\d{4})(?:_|$)")  # a rule of the talk (saxe2019_…) or its folder (figures/saxe2019/…)


def talk_of(log: str) -> str:
    """The talk a job's log belongs to, from its path; a job of no talk (the data) is "(shared)"."""
    parts = Path(log).parts
    return next((match.group(1) for part in parts if (match := TALK.match(part.removesuffix(".log")))), "(shared)")


def by_talk(times: list[tuple[float, str, str]]) -> dict[str, float]:
    """Step-seconds per talk, from each job's log path (:func:`talk_of`)."""
    out: dict[str, float] = {}
    for seconds, _, log in times:
        out[talk_of(log)] = out.get(talk_of(log), 0.0) + seconds
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--logs", type=Path, help="read this run's job logs instead of running")
    parser.add_argument("--here", action="store_true", help="run in this checkout, from an empty results/quick")
    parser.add_argument(
        "--compare", type=Path, help="a claims.csv to compare the new run's claims with, value by value"
    )
    parser.add_argument(
        "--against", type=Path, help="an earlier run's logs folder (logs/quick) to compare step by step"
    )
    args = parser.parse_args()
    if args.against is not None and not args.against.is_dir():
        sys.exit(f"--against: {args.against} is not a folder of job logs")
    old = jobs(args.against) if args.against else None
    if args.logs:
        report(step_times(args.logs), None)
        if old is not None:
            report_against(jobs(args.logs), old)
        return
    if args.here:
        leftovers = [p for p in (REPO / "results" / "quick", REPO / "logs" / "quick") if p.exists()]
        if leftovers:
            sys.exit(f"--here measures a run from a clean state: remove {', '.join(map(str, leftovers))} first")
        report(*run_snakemake(REPO, args.cores))
        if old is not None:
            report_against(jobs(REPO / "logs" / "quick"), old)
        compare_claims(REPO / "results" / "quick" / "claims.csv", args.compare)
        return
    with tempfile.TemporaryDirectory(prefix="deepinside-bench-") as folder:
        work = Path(folder)
        for name in ("Snakefile", "config.yaml", "workflow", "profiles", "envs"):
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, work / name)
        report(*run_snakemake(work, args.cores))
        if old is not None:
            report_against(jobs(work / "logs" / "quick"), old)
        compare_claims(work / "results" / "quick" / "claims.csv", args.compare)


def compare_claims(new: Path, reference: Path | None) -> None:
    """Print whether two claims tables give the same values and verdicts (provenance aside)."""
    if reference is None:
        return
    import pandas as pd

    keys, values = ["talk", "figure", "claim"], ["measured", "spread", "holds_in", "holds"]
    a, b = pd.read_csv(new)[keys + values], pd.read_csv(reference)[keys + values]
    if a.equals(b):
        print(f"claims identical to {reference} in every value and verdict ({len(a)} rows)")
        return
    merged = a.merge(b, on=keys, how="outer", suffixes=("", "_ref"), indicator=True)
    changed = merged["_merge"] != "both"
    for column in values:  # every compared column, NaN (a one-seed spread) equal to NaN
        mine, theirs = merged[column], merged[f"{column}_ref"]
        changed |= ~((mine == theirs) | (mine.isna() & theirs.isna()))
    differ = merged[changed]
    print(f"claims differ from {reference} in {len(differ)} of {len(merged)} rows:")
    for row in differ.itertuples(index=False):
        print(
            f"  {row.figure} {row.claim[:60]}: {row.measured:.6g} ({row.holds}) vs {row.measured_ref:.6g} ({row.holds_ref})"
        )


def run_snakemake(work: Path, cores: int) -> tuple[list[tuple[float, str, str]], float]:
    """Run the default target in ``work``; the job times from its logs and the wall seconds."""
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    started = time.perf_counter()
    subprocess.run([snakemake, "--cores", str(cores), "--quiet"], cwd=work, check=True)
    wall = time.perf_counter() - started
    return step_times(work / "logs" / "quick"), wall


if __name__ == "__main__":
    main()
