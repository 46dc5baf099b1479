"""``--engine dask`` on a real cluster: a ``dask scheduler`` and two ``dask worker`` processes started here.

Not a LocalCluster: separate processes on free ports, found through
``$GEO_DASK_SCHEDULER`` as a bureau's cluster is, stopped at the end. The input
is a spatially sorted GeoParquet (:mod:`bench.citysynth`, small row groups) at a
path the workers read. One worker is killed while it runs a partition: Dask runs
the partition again on the other, and the findings must still be the local
engine's, row for row. A cluster that cannot import the project is one line, exit 2.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import citysynth
from bench.city import findings_digest

ROOT = Path(__file__).resolve().parents[1]
N = 10_000
DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A scheduler and ``workers`` single-threaded workers (no nanny: a killed worker stays dead)."""

    def __init__(self, workers: int, *, importable: bool, log: Path) -> None:
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if importable:
            env["PYTHONPATH"] = str(ROOT)
        cwd = ROOT if importable else log.parent  # the checkout is on sys.path only when importable
        port = self.address.rsplit(":", 1)[1]
        self.log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.scheduler = subprocess.Popen([*DASK, "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
                                          cwd=cwd, env=env, stdout=self.log, stderr=self.log)
        self.workers = [subprocess.Popen([*WORKER, self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                          "--memory-limit", "2GiB", "--name", f"w{i}"],
                                         cwd=cwd, env=env, stdout=self.log, stderr=self.log)
                        for i in range(workers)]
        self._wait(workers)

    def _wait(self, workers: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with Client(self.address, timeout="2s") as c:
                    c.wait_for_workers(workers, timeout=60)
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the test cluster did not start; see {self.log.name}")

    def stop(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.log.close()


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("city")
    citysynth.generate(N, folder, formats=("parquet",), block=24)  # ~20 row groups of ~500 parcels
    return folder / "scale.parquet"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(2, importable=True, log=tmp_path / "cluster.log")
    try:
        yield c
    finally:
        c.stop()


def _check(path: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with open(out, "wb") as stdout:  # the child keeps its own copy of the file
        return subprocess.Popen([sys.executable, "-m", "geo", "check", str(path), "--format", "json", *extra],
                                cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def _kill_a_worker_running_a_partition(cluster: Cluster, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """Kill the worker that is running a check partition, while the check runs; what was killed."""
    from distributed import Client

    pids = {p.pid: p for p in cluster.workers}
    with Client(cluster.address, timeout="5s") as c:
        pid_of = c.run(os.getpid)  # worker address → its process id
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            for address, keys in c.processing().items():
                running = [k for k in keys if "geo-check-" in str(k)]
                pid = pid_of.get(address)
                if running and pid in pids:
                    os.kill(pid, signal.SIGKILL)
                    pids[pid].wait(timeout=10)
                    return {"address": address, "running": [str(k) for k in running], "pid": pid}
            time.sleep(0.05)
    raise AssertionError("no partition was seen running on a worker")


def test_a_killed_worker_is_retried_and_the_findings_are_complete(layer: Path, cluster: Cluster,
                                                                  tmp_path: Path) -> None:
    local = _check(layer, tmp_path / "local.json", "--chunk-size", "1500", "--workers", "1")
    assert local.wait(timeout=120) == 0, local.stderr.read().decode() if local.stderr else ""
    dask = _check(layer, tmp_path / "dask.json", "--engine", "dask", "--chunk-size", "1500",
                  env={"GEO_DASK_SCHEDULER": cluster.address})
    killed = _kill_a_worker_running_a_partition(cluster, dask)
    assert dask.poll() is None, "the check ended before the worker was killed"
    assert dask.wait(timeout=120) == 0, dask.stderr.read().decode() if dask.stderr else ""
    assert sum(p.poll() is None for p in cluster.workers) == 1, killed  # one worker left, the killed one gone
    ours, theirs = findings_digest(tmp_path / "dask.json"), findings_digest(tmp_path / "local.json")
    assert ours["engine"]["engine"] == "dask" and ours["engine"]["partitions"] >= 4
    assert ours["by_check"] == theirs["by_check"] and ours["findings"] == theirs["findings"]
    assert ours["sha256"] == theirs["sha256"]  # the same rows
    assert theirs["by_check"]["overlap"] > 0 and theirs["by_check"]["duplicate"] > 0
    summary = json.loads((tmp_path / "dask.json").read_text(encoding="utf-8"))["summary"]
    assert summary["features"] == N


def test_a_cluster_that_cannot_import_the_project_is_one_line_exit_2(layer: Path, tmp_path: Path) -> None:
    foreign = Cluster(1, importable=False, log=tmp_path / "foreign.log")
    try:
        proc = _check(layer, tmp_path / "out.json", "--engine", "dask", env={"GEO_DASK_SCHEDULER": foreign.address})
        assert proc.wait(timeout=120) == 2
        assert proc.stderr is not None
        err = proc.stderr.read().decode().strip()
    finally:
        foreign.stop()
    assert len(err.splitlines()) == 1, err
    assert "cannot import this project" in err and "scheduler" in err and "every worker" in err, err
    assert "Traceback" not in err
