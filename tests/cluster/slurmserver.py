"""A throwaway single-node SLURM for the tests: Debian's ``slurm-wlm`` and ``munge`` (installed
with apt-get where missing, as root), a minimal ``slurm.conf`` in a temp dir, ``munged``,
``slurmctld`` and ``slurmd`` started there in the foreground of their own processes and stopped
by pid. No accounting database: finished jobs are read from the ``jobcomp/filetxt`` log."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PARTITION = "ldjdefault"  # where a job goes that names no partition
NODE = "ldjnode"
DAEMONS = ("/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd")
CLIENTS = ("sbatch", "squeue", "srun", "scontrol")
INSTALL = Path(__file__).with_name("slurm_install.sh")


def missing_binaries() -> list[str]:
    """The daemons and client commands that are not installed."""
    absent = [path for path in DAEMONS if not os.access(path, os.X_OK)]
    return absent + [name for name in CLIENTS if shutil.which(name) is None]


def install() -> str | None:
    """Install slurm-wlm and munge where missing (root with apt-get); None, or why not."""
    if not missing_binaries():
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "slurm-wlm and munge are not installed and this is not root with apt-get"
    done = subprocess.run(["bash", str(INSTALL)], capture_output=True, text=True)
    if done.returncode != 0 or missing_binaries():
        return f"installing slurm-wlm and munge failed: {done.stderr[-500:]}"
    return None


def _free_port() -> int:
    """A localhost port free now, so the daemons do not clash with a SLURM already running."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb() -> int:
    """The machine's memory in MB, a little under what slurmd reports so the node stays up."""
    total_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    return int(total_kb / 1024 * 0.95)


@dataclass
class SlurmCluster:
    root: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.root / "slurm.conf"

    @property
    def jobcomp(self) -> Path:
        """The jobcomp/filetxt log: one line per finished job (Account, Partition, TimeLimit)."""
        return self.root / "jobcomp.log"

    @property
    def env(self) -> dict[str, str]:
        """The environment for SLURM's client commands: this cluster's slurm.conf, and the
        ``srun`` shim (:func:`_srun_shim`) first on PATH for the jobs."""
        path = f"{self.root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        return {**os.environ, "SLURM_CONF": str(self.conf), "PATH": path}

    def finished_jobs(self) -> list[dict[str, str]]:
        """The jobcomp log's records as dicts (key=value pairs of each line)."""
        if not self.jobcomp.exists():
            return []
        lines = self.jobcomp.read_text(encoding="utf-8").splitlines()
        return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in lines if line.strip()]

    def stop(self) -> None:
        """Stop the daemons by pid (slurmd, slurmctld, then munged); kill what does not stop."""
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.processes.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def write_conf(root: Path, partition: str) -> None:
    """A minimal slurm.conf: one node (this machine's CPUs), no accounting, two partitions:
    the default one and ``partition``, so a job that names no partition is seen to."""
    host = socket.gethostname().split(".")[0]
    state = root / "state"
    spool = root / "spool"
    for folder in (state, spool):
        folder.mkdir()
    lines = {
        "ClusterName": "ldjtest",
        "SlurmctldHost": f"{host}(127.0.0.1)",
        "SlurmctldPort": _free_port(),
        "SlurmdPort": _free_port(),
        "SlurmUser": "root",
        "SlurmdUser": "root",
        "AuthType": "auth/munge",
        "CredType": "cred/munge",
        "AuthInfo": f"socket={root / 'munge.socket'}",
        "StateSaveLocation": state,
        "SlurmdSpoolDir": spool,
        "SlurmctldPidFile": root / "slurmctld.pid",
        "SlurmdPidFile": root / "slurmd.pid",
        "SlurmctldLogFile": root / "slurmctld.log",
        "SlurmdLogFile": root / "slurmd.log",
        "SelectType": "select/cons_tres",
        "SelectTypeParameters": "CR_Core_Memory",
        "ProctrackType": "proctrack/linuxproc",
        "TaskPlugin": "task/none",
        "JobAcctGatherType": "jobacct_gather/none",
        "AccountingStorageType": "accounting_storage/none",
        "JobCompType": "jobcomp/filetxt",
        "JobCompLoc": root / "jobcomp.log",
        "MinJobAge": 3600,  # finished jobs stay visible to squeue for the plugin's checks
        "SchedulerType": "sched/backfill",
        "ReturnToService": 2,
        "MpiDefault": "none",
        "SwitchType": "switch/none",
    }
    text = "".join(f"{key}={value}\n" for key, value in lines.items())
    text += (
        f"NodeName={NODE} NodeHostname={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} "
        f"RealMemory={_memory_mb()} State=UNKNOWN\n"
        f"PartitionName={DEFAULT_PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE\n"
        f"PartitionName={partition} Nodes={NODE} MaxTime=INFINITE\n"
    )
    (root / "slurm.conf").write_text(text, encoding="utf-8")


def _srun_shim(root: Path) -> None:
    """An ``srun`` that finds this cluster's slurm.conf inside a job. The slurm-jobstep plugin
    drops every SLURM_* variable but a few (SLURM_CONF too) before it calls ``srun``; a real
    cluster's srun then reads /etc/slurm/slurm.conf, which this test leaves alone."""
    srun = shutil.which("srun")
    shim = root / "bin" / "srun"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nSLURM_CONF={root / "slurm.conf"} exec {srun} "$@"\n')
    shim.chmod(0o755)


def _start_munged(cluster: SlurmCluster) -> None:
    """munged with its own key and socket in the temp dir (the machine's munge is untouched)."""
    key = cluster.root / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    cluster.processes["munged"] = subprocess.Popen(
        [
            DAEMONS[0],
            "--foreground",
            "--force",
            f"--key-file={key}",
            f"--socket={cluster.root / 'munge.socket'}",
            f"--pid-file={cluster.root / 'munged.pid'}",
            f"--log-file={cluster.root / 'munged.log'}",
            f"--seed-file={cluster.root / 'munged.seed'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(lambda: (cluster.root / "munge.socket").exists(), "munged", cluster)


def _wait(ready: Callable[[], bool], name: str, cluster: SlurmCluster, timeout: float = 30) -> None:
    """Wait until ``ready()``; a RuntimeError naming the daemon and its log when it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if any(p.poll() is not None for p in cluster.processes.values()):
            break
        time.sleep(0.2)
    logs = sorted(cluster.root.glob("*.log"))
    tail = "\n".join(f"{p.name}: {p.read_text(errors='replace')[-800:]}" for p in logs)
    raise RuntimeError(f"{name} did not come up; the daemons' logs:\n{tail}")


def _node_idle(cluster: SlurmCluster) -> bool:
    """Whether the node has registered with slurmctld and takes jobs (idle in every partition)."""
    out = subprocess.run(
        ["sinfo", "-h", "-N", "-o", "%t"], capture_output=True, text=True, env=cluster.env
    )
    return out.returncode == 0 and set(out.stdout.split()) == {"idle"}


def start_cluster(partition: str) -> SlurmCluster:
    """munged, slurmctld and slurmd in a new temp dir, ``partition`` beside the default one;
    returns when the node is idle. The caller stops it."""
    cluster = SlurmCluster(Path(tempfile.mkdtemp(prefix="ldj-slurm-")))
    try:
        write_conf(cluster.root, partition)
        _srun_shim(cluster.root)
        _start_munged(cluster)
        for name, daemon, extra in (
            ("slurmctld", DAEMONS[1], ["-i"]),
            ("slurmd", DAEMONS[2], ["-N", NODE]),
        ):
            cluster.processes[name] = subprocess.Popen(
                [daemon, "-D", "-f", str(cluster.conf), *extra],
                env=cluster.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        _wait(lambda: _node_idle(cluster), "the SLURM node", cluster)
    except BaseException:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)  # the error quotes the daemons' logs
        raise
    return cluster
