"""Run one package function for one Snakemake job.

Every rule of the workflow names a function ``"module:function"`` in ``params.step``
and its keyword arguments in ``params.kwargs``. :func:`run_step` reads the rule's
named inputs (by extension, see :mod:`deepinside.core.files`; a named input holding a list of
files gives a list, one holding no files is left out so the function's default
applies), calls the function with the inputs and the keyword arguments, and writes each entry of the returned dict to the
rule's output of the same name, atomically. The function never touches files, so it
can be unit-tested on arrays; the rule stays a table of contents.

Standard error and standard output of the job (progress bars, messages) go to the
rule's log file, and a failing job's log ends with the exception and its traceback.

Three arguments are the same in every rule, so the adapter gives them (:func:`implicit`)
to any function that takes them and whose rule does not: ``seed``, the job's ``{seed}``
wildcard (the replicate); ``device``, the config's ``device``; and ``checkpoint``, the
job's private epoch checkpoint, ``results/<preset>/checkpoints/<rule>/<wildcards>.pt``.

A training job killed and restarted resumes from its checkpoint, so its result cost every
attempt: beside the checkpoint the adapter keeps a ledger (``<checkpoint>.cost``, rewritten every
minute) of the earlier attempts' seconds, and the job's last log line gives them with its own
(:func:`done_line`). ``bench/run_cost.py`` reads that line.

A rule may declare the SHA-256 sidecars of its outputs (``<output>.sha256``, see
:mod:`deepinside.core.files`) as outputs of their own, so that Snakemake's output cache keeps
them with the file; the writer makes them, the function never returns them.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping

from deepinside.core import checkpointing, files, provenance


def resolve(step: str) -> Callable[..., Mapping[str, Any]]:
    """Import ``"package.module:function"`` (optionally ``…@<code fingerprint>``) and return the function."""
    module_name, sep, function_name = step.split("@")[0].partition(":")
    if not sep or not function_name:
        raise ValueError(f"step must look like 'package.module:function', got {step!r}")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise AttributeError(f"{module_name} has no function {function_name!r} (step {step!r})") from None


class StaleCode(RuntimeError):
    """The code on disk is not the code the job's rule was planned with."""


def resolve_verified(step: str) -> Callable[..., Mapping[str, Any]]:
    """:func:`resolve`, after checking that the source of the step's module and of every package
    module it imports hashes to the fingerprint in ``step`` (``module:function@<fingerprint>``)
    both before and after the import, so that a job never runs code other than the code its rule
    names. The checked fingerprint is what the job's checkpoints and outputs are stamped with
    (:func:`deepinside.core.code_version.running_fingerprint`), so an edit made later, while the
    job runs, is neither run nor stamped. A step without a fingerprint, or outside the package,
    is resolved as it is."""
    name, _, planned = step.partition("@")
    from deepinside.core import code_version

    if not planned or name.split(".")[0] != code_version.PACKAGE:  # fingerprints cover the package's own code
        return resolve(step)

    def check(when: str) -> None:
        now = code_version.fingerprint(name)
        if now != planned:
            raise StaleCode(
                f"{name}: the code changed {when} (planned with {planned}, on disk now {now}); "
                "nothing was run: start snakemake again so that it plans with the new code"
            )

    check("after this run was planned")
    function = resolve(step)
    check("while this job imported it")
    code_version.record_imported(name, planned)  # what its checkpoints and outputs are stamped with
    return function


def call(step: str, inputs: Mapping[str, Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Call the step function with inputs and keyword arguments; check what it returns."""
    function = resolve(step)
    overlap = set(inputs) & set(kwargs)
    if overlap:
        raise ValueError(f"{step}: names given both as input and as parameter: {sorted(overlap)}")
    signature = inspect.signature(function)
    try:
        signature.bind(**inputs, **kwargs)
    except TypeError as error:
        raise TypeError(f"{step}: arguments do not match its signature {signature}: {error}") from None
    result = function(**inputs, **kwargs)
    if not isinstance(result, Mapping):
        raise TypeError(f"{step} must return a dict of outputs, got {type(result).__name__}")
    return dict(result)


def run(
    step: str,
    inputs: Mapping[str, str],
    outputs: Mapping[str, str],
    kwargs: Mapping[str, Any] | None = None,
    threads: int = 1,
    context: Mapping[str, Any] | None = None,
    implicit: Mapping[str, Any] | None = None,
    keep_checkpoint: bool = False,
) -> None:
    """Read ``inputs`` (name → path), run ``step``, write the result to ``outputs``.

    ``context`` (``preset``, ``seeds``) goes into the provenance that claims tables
    (columns) and figures (PNG text chunks and a footer line) carry. ``implicit``: arguments
    passed only where the function takes them and ``kwargs`` does not give them.
    ``keep_checkpoint`` (the config's ``keep_checkpoints``): a training job's checkpoint and cost
    ledger stay after its outputs are written, so that a run carried to another machine makes the
    finished job again from its saved state.
    """
    kwargs = dict(kwargs or {})
    limit_threads(threads)  # before numpy / torch load: they read it when imported
    function = resolve_verified(step)  # imports it; later resolves find the same module
    if implicit:
        taken = inspect.signature(function).parameters
        kwargs = {**{k: v for k, v in implicit.items() if k in taken and k not in inputs}, **kwargs}
    # a named input that resolves to no files is not passed: the function's default applies
    loaded = {name: _read(path) for name, path in inputs.items() if path != []}
    started, cpu_started = time.perf_counter(), time.process_time()
    print(f"[deepinside] {step} with {sorted(kwargs)} on {threads} thread(s)", file=sys.stderr, flush=True)
    ledger = cost_ledger(kwargs["checkpoint"]) if kwargs.get("checkpoint") else None
    stamp = ledger_stamp(step, kwargs) if ledger is not None else ""
    earlier = read_ledger(ledger, stamp) if ledger is not None else None
    with _keeping_ledger(ledger, stamp, earlier, started, cpu_started, LEDGER_SECONDS):
        result = call(step, loaded, kwargs)
    digests = {
        name
        for name, path in outputs.items()
        if any(str(files.digest_path(other)) == str(path) for other in outputs.values())
    }
    outputs = {name: path for name, path in outputs.items() if name not in digests}
    missing = set(outputs) - set(result)
    extra = set(result) - set(outputs)
    if missing or extra:
        raise KeyError(
            f"{step} returned outputs {sorted(result)}, but the rule declares {sorted(outputs)}"
            f" (missing {sorted(missing)}, undeclared {sorted(extra)})"
        )
    fields = None  # read once, and only for a job that writes a claims table or a figure
    for name, path in outputs.items():
        obj, metadata = result[name], None
        if _carries_provenance(obj):
            fields = fields or provenance.record(step, **dict(context or {}))
            obj, metadata = _with_provenance(obj, fields)
        files.write(obj, path, metadata=metadata)
    if kwargs.get("checkpoint"):  # a training job lets its state go only once every output
        for path in outputs.values():  # reads back against its digest
            files.verify(path)
        if not keep_checkpoint:
            checkpointing.remove(kwargs["checkpoint"])
            ledger.unlink(missing_ok=True)
    print(
        done_line(step, time.perf_counter() - started, time.process_time() - cpu_started, earlier),
        file=sys.stderr,
        flush=True,
    )


# How often a checkpointed job rewrites its cost ledger: a kill loses at most this much of the count.
LEDGER_SECONDS = 60.0


def done_line(step: str, wall: float, cpu: float, earlier: Mapping[str, float] | None = None) -> str:
    """The job's last log line: its step time and CPU time (what a run's cost is measured in) and,
    for a job that resumed earlier attempts' checkpoint, all attempts' together."""
    line = f"[deepinside] {step} done in {wall:.1f} s ({cpu:.1f} s of CPU)"
    if earlier and earlier.get("attempts", 0) > 0:
        line += (
            f"; {int(earlier['attempts']) + 1} attempts in all: {earlier['wall'] + wall:.1f} s"
            f" ({earlier['cpu'] + cpu:.1f} s of CPU)"
        )
    return line


def cost_ledger(checkpoint: str | os.PathLike) -> Path:
    """Where a checkpointed job counts the seconds of its killed attempts: beside its checkpoint."""
    return Path(f"{checkpoint}.cost")


def ledger_stamp(step: str, kwargs: Mapping[str, Any]) -> str:
    """What a ledger belongs to: the step with its code fingerprint and the job's arguments. A
    checkpoint of other code is discarded and one of other settings ignored; so is their count."""
    text = json.dumps({"step": step, "kwargs": kwargs}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_ledger(path: Path, stamp: str | None = None) -> dict[str, float]:
    """The earlier attempts' count and seconds: none where there is no ledger, it cannot be read,
    or it belongs to other code or settings than ``stamp`` (a ledger without a stamp, written on
    2026-12-07 before ledgers had one, is taken as it is)."""
    none = {"attempts": 0.0, "wall": 0.0, "cpu": 0.0}
    try:
        found = json.loads(path.read_text())
        counted = {key: float(found[key]) for key in ("attempts", "wall", "cpu")}
    except (OSError, ValueError, KeyError, TypeError):
        return none
    if stamp is not None and found.get("stamp", stamp) != stamp:
        return none
    return counted


@contextlib.contextmanager
def _keeping_ledger(
    path: Path | None,
    stamp: str,
    earlier: Mapping[str, float] | None,
    started: float,
    cpu_started: float,
    every: float,
):
    """While the block runs, rewrite ``path`` every ``every`` seconds with the earlier attempts
    plus this one so far, and once more when it ends (also by an exception), so that a kill
    leaves the count for the next attempt."""
    if path is None:
        yield
        return

    def write() -> None:
        record = {
            "stamp": stamp,
            "attempts": earlier["attempts"] + 1,
            "wall": earlier["wall"] + time.perf_counter() - started,
            "cpu": earlier["cpu"] + time.process_time() - cpu_started,
        }
        try:
            with files.atomic_output(path) as temporary:
                temporary.write_text(json.dumps(record))
        except OSError:  # the count is a report: it must not fail the job
            pass

    try:
        with _every(every, write, "deepinside-ledger"):
            yield
    finally:
        write()  # the whole attempt, however it ended; a finished job's ledger goes with its checkpoint


@contextlib.contextmanager
def _every(seconds: float, action: Callable[[], Any], name: str):
    """While the block runs, call ``action()`` every ``seconds`` in a thread of its own (named
    ``name``), until the block ends or ``action`` returns False."""
    stop = threading.Event()

    def repeat() -> None:
        while not stop.wait(seconds):
            if action() is False:
                return

    thread = threading.Thread(target=repeat, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def run_step(job: Any) -> None:
    """Entry point for ``workflow/scripts/step.py``: ``job`` is Snakemake's ``snakemake`` object.

    A failing job writes its traceback to its log and one line to the console (the rule, the
    error, the log's path: :func:`failure_line`), then exits with status 1, so that the console
    is not a wall of tracebacks. Without a log the traceback goes to the console as well.
    """
    log = job.log[0] if len(job.log) else None
    try:
        _run_logged(job, log)
    except Exception as error:
        if log is None:
            traceback.print_exc()
        print(failure_line(job, error), file=sys.stderr, flush=True)
        raise SystemExit(1) from None


# How often a running job with a log says on the console how far it is.
HEARTBEAT_SECONDS = 60.0


def _run_logged(job: Any, log: str | None) -> None:
    with _redirected(log), _heartbeat(job_label(job), log, sys.__stderr__, HEARTBEAT_SECONDS):
        run(
            step=job.params.step,
            # an input named with a leading underscore is a prerequisite only: it must exist, the step is not given it
            inputs={name: _plain(value) for name, value in job.input.items() if not name.startswith("_")},
            outputs=dict(job.output.items()),
            kwargs=getattr(job.params, "kwargs", None) or {},
            threads=job.threads,
            context=_context(job),
            implicit=implicit(job),
            keep_checkpoint=bool(job.config.get("keep_checkpoints", False)),
        )


def job_label(job: Any) -> str:
    """``rule (wildcard=value, ...)``: which job a console line is about."""
    wildcards = ", ".join(f"{key}={value}" for key, value in job.wildcards.items())
    return f"{job.rule} ({wildcards})" if wildcards else str(job.rule)


def last_progress(log: str | os.PathLike | None, tail_bytes: int = 4096) -> str:
    """The last line a job wrote to its log (a progress bar's latest state: tqdm redraws its
    line with carriage returns), shortened to 160 characters; "" where there is none."""
    if log is None:
        return ""
    try:
        with open(log, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - tail_bytes))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    return " ".join(lines[-1].split())[:160] if lines else ""


def heartbeat_line(label: str, seconds: float, progress: str) -> str:
    """The console line of a running job: what it is, how long it has run, its latest progress."""
    minutes = int(seconds // 60)
    return f"[deepinside] {label}: running {minutes} min" + (f"; {progress}" if progress else "")


@contextlib.contextmanager
def _heartbeat(label: str, log: str | None, console: Any, every: float):
    """While the block runs, print :func:`heartbeat_line` to ``console`` every ``every`` seconds
    (a job's own output goes to its log; this is what the terminal shows of it)."""
    if log is None or console is None:
        yield
        return
    started = time.monotonic()

    def beat() -> bool:
        line = heartbeat_line(label, time.monotonic() - started, last_progress(log))
        try:
            print(line, file=console, flush=True)
        except (OSError, ValueError):  # a closed console must not fail the job: the beats stop
            return False
        return True

    with _every(every, beat, "deepinside-heartbeat"):
        yield


def failure_line(job: Any, error: BaseException) -> str:
    """The one line a failed job prints to the console: its rule, the error, where the traceback is."""
    log = job.log[0] if len(job.log) else None
    message = " ".join(str(error).split()) or type(error).__name__
    where = f"; traceback in {log}" if log else ""
    return f"[deepinside] {job.rule} failed: {type(error).__name__}: {message[:400]}{where}"


def implicit(job: Any) -> dict[str, Any]:
    """The arguments every rule would spell out alike: ``seed`` (the job's ``{seed}`` wildcard),
    ``device`` (the config's) and ``checkpoint`` (the job's private checkpoint path)."""
    wildcards = dict(job.wildcards.items())
    out: dict[str, Any] = {"device": job.config.get("device", "auto")}
    if "seed" in wildcards:
        out["seed"] = int(wildcards["seed"])
    named = "_".join(f"{key}{value}" for key, value in sorted(wildcards.items())) or "run"
    out["checkpoint"] = str(
        Path("results") / str(job.config.get("preset", "")) / "checkpoints" / job.rule / f"{named}.pt"
    )
    return out


def _context(job: Any) -> dict[str, Any]:
    """Preset, config hash and seeds of a job: the rule's ``params.seeds``, else its ``{seed}`` wildcard."""
    seeds = getattr(job.params, "seeds", None)
    if seeds is None and "seed" in job.wildcards.keys():
        seeds = [int(job.wildcards.seed)]
    if isinstance(seeds, str):
        seeds = [seeds]
    return {**run_config(job.config), "seeds": seeds or []}


def run_config(config: Mapping[str, Any], defaults_path: str | os.PathLike = "config.yaml") -> dict[str, str]:
    """``preset`` (``quick``, or ``quick + overrides`` when the run's config is not the preset's
    own) and ``config`` (the hash of the effective config) of a job, for its provenance."""
    import yaml

    from deepinside.pipeline import presets

    path = Path(defaults_path)
    defaults = yaml.safe_load(path.read_text()) if path.is_file() else None
    return {"preset": presets.origin(config, defaults), "config": presets.digest(config)}


def _is_claims_table(obj: Any) -> bool:
    """A figure's claim values of one run, or its claims combined over runs."""
    return hasattr(obj, "columns") and (
        {"id", "measured", "untrusted"} <= set(obj.columns) or {"claim", "verdict"} <= set(obj.columns)
    )


def _carries_provenance(obj: Any) -> bool:
    """Claims tables and figures record what made them."""
    return _is_claims_table(obj) or hasattr(obj, "savefig")


def _with_provenance(obj: Any, fields: Mapping[str, str]) -> tuple[Any, dict[str, str] | None]:
    """A claims table gains the provenance columns it lacks; a figure gains a footer and PNG text chunks."""
    if _is_claims_table(obj):
        obj = obj.copy()
        for key in provenance.FIELDS:
            if key not in obj.columns:
                obj[key] = fields[key]
        return obj, None
    if hasattr(obj, "savefig"):
        from deepinside.plots.style import add_footer

        add_footer(obj, provenance.footer(fields))
        return obj, provenance.png_metadata(fields)
    return obj, None


# Columns of the pipeline's tables that hold text which may look like a number: a commit or code
# hash such as 6109218e6632 would otherwise be read back as a float (here: infinity).
TEXT_COLUMNS = ("commit", "code", "config", "seeds", "preset", "device", "torch", "numpy", "id", "key")


def made_here(path: str | os.PathLike) -> bool:
    """Whether a job's input is a file the pipeline wrote (results/...), not one a user put in place."""
    parts = Path(path).parts
    return bool(parts) and parts[0] == "results"


def _read(path: str | list[str]) -> Any:
    """Read one input; a named input holding a list of files gives a list of objects."""
    if isinstance(path, (list, tuple)):
        return [_read(p) for p in path]
    # checked against its digest, which a file the pipeline made (under results/) must have
    obj = files.read(path, digest_required=made_here(path))
    if str(path).endswith(".csv") and hasattr(obj, "columns"):
        text = [c for c in TEXT_COLUMNS if c in obj.columns]
        if text:
            import pandas as pd

            as_text = pd.read_csv(path, usecols=text, dtype=str, keep_default_na=False)
            obj[text] = as_text[text].to_numpy()
    return obj


@contextlib.contextmanager
def _redirected(log: str | None):
    if log is None:
        yield
        return
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", buffering=1) as handle, contextlib.redirect_stderr(handle), contextlib.redirect_stdout(handle):
        try:
            yield
        except BaseException:  # the log Snakemake points to must say why the job failed
            traceback.print_exc(file=handle)
            raise


def _plain(value: Any) -> str | list[str]:
    """Snakemake gives a named input as a string or as a list-like of strings."""
    return value if isinstance(value, str) else [str(v) for v in value]


def limit_threads(threads: int) -> None:
    """Give the job's thread count to the numerical libraries (OpenMP, MKL, OpenBLAS, torch).

    Libraries not yet loaded read it from the environment when first imported (torch is not
    imported here: a plotting job does not need its start-up time). numpy is already loaded
    by then (this module's ``io`` imports it), and its OpenBLAS sized its pool from the
    machine's cores, not from the job's ``threads``: threadpoolctl resizes the pools already
    loaded, so that two one-thread jobs side by side do not each run two BLAS threads (or
    64 on a 64-core node). If torch is already loaded, it is told directly.
    """
    from threadpoolctl import threadpool_limits

    threads = max(1, int(threads))
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(threads)
    threadpool_limits(limits=threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
