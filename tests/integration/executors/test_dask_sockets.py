"""The local Dask cluster a run starts listens on loopback only: no dashboard for the network."""

from __future__ import annotations

import ipaddress
import os

import psutil
import pytest

from headwater import asset, materialize
from headwater.execution.observer import NullObserver
from headwater.storage.instance import Instance

pytestmark = [pytest.mark.dask, pytest.mark.slow, pytest.mark.timeout(180)]


def _listening(root: int) -> list[tuple[int, str, int]]:
    """(pid, address, port) of every TCP socket listening in ``root``'s process tree.

    The subtrees of the children named in ``HW_TEST_OTHERS`` are left out: they are other
    tests' session fixtures (a ``dask scheduler`` started from the command line listens on
    every address), not the processes of the run under test.
    """
    others = {int(pid) for pid in os.environ.get("HW_TEST_OTHERS", "").split(",") if pid}
    family = {root}
    for child in psutil.Process(root).children():
        if child.pid not in others:
            family |= {child.pid, *(grandchild.pid for grandchild in child.children(recursive=True))}
    return [
        (conn.pid, conn.laddr.ip, conn.laddr.port)
        for conn in psutil.net_connections(kind="tcp")
        if conn.status == psutil.CONN_LISTEN and conn.pid in family
    ]


@asset
def sockets_during_the_run() -> list[tuple[int, str, int]]:
    return _listening(int(os.environ["HW_TEST_PID"]))


def test_the_local_cluster_listens_on_loopback_only(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HW_TEST_PID", str(os.getpid()))
    monkeypatch.setenv("HW_TEST_OTHERS", ",".join(str(child.pid) for child in psutil.Process().children()))
    result = materialize(
        [sockets_during_the_run], instance=instance, executor="dask", max_concurrency=1, observer=NullObserver()
    )
    sockets = result.output_for("sockets_during_the_run")
    assert sockets, "the scheduler's own socket should have been seen"
    exposed = [s for s in sockets if not ipaddress.ip_address(s[1]).is_loopback]
    assert exposed == [], f"listening beyond this machine during the run: {exposed}"


@asset
def dashboard_during_the_run() -> tuple[int | None, list[tuple[int, str, int]]]:
    import distributed

    port = distributed.get_client().scheduler_info()["services"].get("dashboard")
    return port, _listening(int(os.environ["HW_TEST_PID"]))


def test_the_dashboard_is_served_on_loopback_when_asked_for(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HW_TEST_PID", str(os.getpid()))
    monkeypatch.setenv("HW_TEST_OTHERS", ",".join(str(child.pid) for child in psutil.Process().children()))
    run = materialize(
        [dashboard_during_the_run], instance=instance, executor="dask", max_concurrency=1, observer=NullObserver(),
        executor_config={"dashboard": True},
    )
    port, sockets = run.output_for("dashboard_during_the_run")
    assert port is not None and port in {p for _, _, p in sockets}
    assert all(ipaddress.ip_address(address).is_loopback for _, address, _ in sockets)


def test_a_dashboard_beyond_loopback_is_refused(instance: Instance) -> None:
    from headwater.errors import PlanError

    with pytest.raises(PlanError, match="must listen on this machine's loopback"):
        materialize(
            [dashboard_during_the_run], instance=instance, executor="dask", observer=NullObserver(),
            executor_config={"dashboard": "0.0.0.0:8787"},
        )
    assert instance.store.list_runs() == []
