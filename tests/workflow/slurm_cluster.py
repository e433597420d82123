"""A throw-away single-node SLURM cluster on localhost, for the workflow's cluster test.

Everything lives in one temporary folder: slurm.conf, gres.conf, state and spool
folders, logs, a munge key and socket, pid files. The daemons (munged, slurmctld,
slurmd) are started in the foreground as child processes so that they can be stopped by
PID, whatever happens. The node declares one GPU backed by /dev/null, so that jobs asking
for a GPU are scheduled (and run on the CPU) — enough to check that GPU requests reach
sbatch. Recipe measured on this project's machines (Debian 12: slurm-wlm 22.05.8, munge 0.5.15; docs/cluster.md).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo")


def available() -> str | None:
    """None if a local cluster can be started here, else why not."""
    missing = [d for d in DAEMONS if shutil.which(d) is None and not Path(f"/usr/sbin/{d}").exists()]
    if missing:
        return f"SLURM/munge not installed (missing {', '.join(missing)}); .ci/run installs slurm-wlm and munge"
    if os.geteuid() != 0:
        return "starting slurmd needs root"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


class LocalCluster:
    """Start with :meth:`start`, stop with :meth:`stop` (idempotent, kills by PID)."""

    def __init__(self, root: Path, cpus: int = 2, memory_mb: int = 8000):
        self.root = Path(root)
        self.cpus = cpus
        self.memory_mb = memory_mb
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = dict(os.environ)

    # ---------------------------------------------------------------- configuration
    def _write_config(self) -> None:
        r = self.root
        for sub in ("state", "spool", "log", "munge"):
            (r / sub).mkdir(parents=True, exist_ok=True)
        key = r / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        (r / "gres.conf").write_text("Name=gpu File=/dev/null\n")
        (r / "slurm.conf").write_text(
            f"""ClusterName=deepinside
SlurmctldHost=localhost
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket={r / "munge" / "munge.socket"}
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=2000
GresTypes=gpu
ReturnToService=2
StateSaveLocation={r / "state"}
SlurmdSpoolDir={r / "spool"}
SlurmctldPidFile={r / "slurmctld.pid"}
SlurmdPidFile={r / "slurmd.pid"}
SlurmctldLogFile={r / "log" / "slurmctld.log"}
SlurmdLogFile={r / "log" / "slurmd.log"}
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
NodeName=localhost CPUs={self.cpus} RealMemory={self.memory_mb} Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""
        )
        self.env["SLURM_CONF"] = str(r / "slurm.conf")
        # snakemake-executor-plugin-slurm-jobstep 0.6.1 starts each rule with `srun` in an
        # environment stripped of all SLURM_* variables but a few job ids — SLURM_CONF
        # included (cf. snakemake-executor-plugin-slurm issue #164) — so inside a job
        # srun cannot find this cluster's slurm.conf (it is not in /etc/slurm). A wrapper
        # first on PATH (which the jobs inherit) puts it back.
        wrappers = r / "bin"
        wrappers.mkdir(exist_ok=True)
        srun = wrappers / "srun"
        srun.write_text(
            f'#!/bin/sh\nexport SLURM_CONF="{r / "slurm.conf"}"\nexec {shutil.which("srun") or "/usr/bin/srun"} "$@"\n'
        )
        srun.chmod(0o755)
        self.env["PATH"] = f"{wrappers}:{self.env.get('PATH', '')}"

    # ---------------------------------------------------------------- life cycle
    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.out", "w")
        self.processes[name] = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
        )

    def start(self, timeout: float = 60) -> None:
        self._write_config()
        munge = self.root / "munge"
        self._spawn(
            "munged",
            [
                _binary("munged"),
                "--foreground",
                "--force",
                f"--key-file={munge / 'munge.key'}",
                f"--socket={munge / 'munge.socket'}",
                f"--pid-file={munge / 'munged.pid'}",
                f"--log-file={munge / 'munged.log'}",
                f"--seed-file={munge / 'munged.seed'}",
            ],
        )
        self._wait(lambda: (munge / "munge.socket").exists(), timeout, "munged did not create its socket")
        self._spawn("slurmctld", [_binary("slurmctld"), "-D", "-i"])
        self._wait(lambda: self._run(["sinfo", "-h"]).returncode == 0, timeout, "slurmctld does not answer sinfo")
        self._spawn("slurmd", [_binary("slurmd"), "-D", "-N", "localhost"])
        self._wait(
            lambda: "idle" in self._run(["sinfo", "-h", "-o", "%T"]).stdout, timeout, "the node never became idle"
        )

    def _run(self, command: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=30)

    def _wait(self, ready, timeout: float, message: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}: {self.log(name)[-2000:]}")
            try:
                if ready():
                    return
            except (OSError, subprocess.SubprocessError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{message} within {timeout} s; slurmctld log: {self.log('slurmctld')[-2000:]}")

    def log(self, name: str) -> str:
        candidates = [self.root / "log" / f"{name}.log", self.root / "log" / f"{name}.out"]
        return "\n".join(p.read_text(errors="replace") for p in candidates if p.exists())

    def stop(self) -> None:
        """SIGTERM every daemon by PID, SIGKILL what is still alive after 10 s."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
