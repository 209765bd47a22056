"""kill -9 at random moments: is anything lost, stuck, orphaned or left behind?

Each trial starts ``headwater materialize`` on a small pipeline in a fresh home, and kills
the CLI process with SIGKILL at a random moment; half the trials aim at the write of a large
artifact (``big``, 40 MB by default)::

    seed ──> big (large, random bytes) ──> digest
      └────> s1 ──> s2 ──> s3 ──> s4                 (small steps, a little sleep each)

Then it runs the *next command* (``headwater runs list``, which closes the runs whose
heartbeat timed out: runs here beat for a timeout of ``HEARTBEAT_TIMEOUT_S``, and the next
command comes just after it) and counts, per run store and executor:

* bad materializations: recorded as materialized, but the artifact is missing, of the wrong
  size, or its BLAKE3 hash is not its data version;
* runs left STARTED after the next command;
* orphaned processes 10 s after the kill: any process whose environment carries the trial's
  marker (so it was started by the killed run, wherever it was re-parented);
* temporary files (``.tmp-*``) the kill left in the artifact store, and those still there
  after the next command has opened the store (which removes those whose writer is gone).

Targets: all 0 (the temporary files the kill leaves are counted for information).

    python bench/faults.py                                # 100 trials per store and executor
    python bench/faults.py --trials 10                    # a quick look
    python bench/faults.py --stores sqlite --executors process

PostgreSQL trials use a fresh schema each in the database of ``HEADWATER_TEST_POSTGRES_URL``
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

POSTGRES_URL = os.environ.get("HEADWATER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ORPHAN_CHECK_S = 10.0
MARKER = "HW_FAULTS_TRIAL"

PIPELINE = textwrap.dedent('''
    import os
    import random
    import time
    from pathlib import Path

    from headwater import asset


    @asset
    def seed() -> int:
        return random.randrange(1 << 30)


    @asset
    def big(seed: int) -> bytes:
        data = os.urandom(int(os.environ["HW_BIG_BYTES"]))
        Path(os.environ["HW_MARK_DIR"], "big-returns").write_text(repr(time.time()))
        return data  # written to the artifact store right after this


    @asset
    def digest(big: bytes) -> int:
        return len(big)


    @asset
    def s1(seed: int) -> int:
        time.sleep(0.05)
        return seed + 1


    @asset
    def s2(s1: int) -> int:
        time.sleep(0.05)
        return s1 + 1


    @asset
    def s3(s2: int) -> int:
        time.sleep(0.05)
        return s2 + 1


    @asset
    def s4(s3: int) -> int:
        time.sleep(0.05)
        return s3 + 1
''')


@dataclass
class Tally:
    """What the trials of one store and executor found."""

    trials: int = 0
    aimed: int = 0
    killed_mid_run: int = 0
    bad_materializations: int = 0
    started_after_next: int = 0
    orphans: int = 0
    tmp_left_by_kill: int = 0
    tmp_after_next_open: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class PendingOrphanCheck:
    marker: str
    due: float
    tally: Tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=100, help="trials per store and executor (default 100)")
    parser.add_argument("--stores", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--executors", nargs="+", choices=["in_process", "process"], default=["in_process", "process"])
    parser.add_argument("--big-mb", type=float, default=40.0, help="size of the large artifact (default 40)")
    parser.add_argument("--seed", type=int, default=None, help="random seed, to repeat a series of kill times")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="headwater-faults-"))
    pipeline = work / "faults_pipeline.py"
    pipeline.write_text(PIPELINE)
    pending: list[PendingOrphanCheck] = []
    results: dict[tuple[str, str], Tally] = {}
    try:
        for store in args.stores:
            for executor in args.executors:
                tally = results.setdefault((store, executor), Tally())
                window = _calibrate(work, pipeline, store, executor, int(args.big_mb * 2**20))
                print(f"{store:8} {executor:10} a whole run takes {window.run_s:.2f}s, the big write ~{window.write_s:.2f}s",
                      flush=True)
                for number in range(args.trials):
                    aimed = number % 2 == 1
                    _trial(work, pipeline, store, executor, int(args.big_mb * 2**20), window, aimed, rng, tally, pending)
                    pending = _check_due_orphans(pending)
        while pending:
            time.sleep(0.2)
            pending = _check_due_orphans(pending)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _print(results, args)


#: the heartbeat timeout the trials' runs beat for (60 s by default; short here)
HEARTBEAT_TIMEOUT_S = 1.0


@dataclass
class Window:
    run_s: float
    write_s: float


def _calibrate(work: Path, pipeline: Path, store: str, executor: str, big_bytes: int) -> Window:
    """One run without a kill: how long a run takes, and how long the big write takes."""
    with _home(work, store) as env:
        env.update(HW_BIG_BYTES=str(big_bytes))
        started = time.time()
        done = subprocess.run(_command(pipeline, executor), env=env, capture_output=True, text=True)
        run_s = time.time() - started
        if done.returncode != 0:
            raise SystemExit(f"the pipeline fails without a kill ({store}, {executor}):\n{done.stdout}{done.stderr}")
        returned = float(Path(env["HW_MARK_DIR"], "big-returns").read_text())
        from headwater.storage.sql.store import SqlStore

        with SqlStore(env["HEADWATER_DATABASE_URL"]) as opened:
            (made,) = [m for m in opened.get_materializations() if m.asset_key == "big"]
        return Window(run_s, max(0.05, made.created_at - returned))


def _trial(
    work: Path, pipeline: Path, store: str, executor: str, big_bytes: int, window: Window, aimed: bool,
    rng: random.Random, tally: Tally, pending: list[PendingOrphanCheck],
) -> None:
    marker = uuid.uuid4().hex
    with _home(work, store) as env:
        env.update(HW_BIG_BYTES=str(big_bytes), HEADWATER_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT_S), **{MARKER: marker})
        mark = Path(env["HW_MARK_DIR"], "big-returns")
        cli = subprocess.Popen(_command(pipeline, executor), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if aimed:
            deadline = time.monotonic() + 120
            while not mark.exists() and cli.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, window.write_s * 1.2))
        else:
            time.sleep(rng.uniform(0.0, window.run_s))
        if cli.poll() is None:
            tally.killed_mid_run += 1
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        killed = time.monotonic()
        tally.trials += 1
        tally.aimed += aimed
        pending.append(PendingOrphanCheck(marker, killed + ORPHAN_CHECK_S, tally))
        artifacts = Path(env["HEADWATER_HOME"]) / "artifacts"
        tally.tmp_left_by_kill += len(_temporary_files(artifacts))
        time.sleep(HEARTBEAT_TIMEOUT_S + 0.2)  # the next command comes once the run's heartbeat timed out
        listed = subprocess.run([sys.executable, "-m", "headwater", "runs", "list"], env=env, capture_output=True, text=True)
        if listed.returncode != 0:
            tally.notes.append(f"runs list failed: {listed.stderr.strip()[-200:]}")
        from headwater.storage.records import RunStatus
        from headwater.storage.sql.store import SqlStore

        with SqlStore(env["HEADWATER_DATABASE_URL"]) as opened:
            tally.started_after_next += sum(r.status is RunStatus.STARTED for r in opened.list_runs(limit=1000))
            tally.bad_materializations += sum(not _intact(m) for m in opened.get_materializations())
        tally.tmp_after_next_open += len(_temporary_files(artifacts))


def _command(pipeline: Path, executor: str) -> list[str]:
    return [sys.executable, "-m", "headwater", "materialize", "-f", str(pipeline), "--executor", executor,
            "--max-concurrency", "2", "--force", "--quiet"]


@contextmanager
def _home(work: Path, store: str) -> Iterator[dict[str, str]]:
    """A fresh home (and, for PostgreSQL, a fresh schema); the environment that points at them."""
    home = work / f"home-{uuid.uuid4().hex[:10]}"
    marks = home / "marks"
    marks.mkdir(parents=True)
    # without the warm CLI server: the process killed is the one that runs the run
    env = {**os.environ, "HEADWATER_HOME": str(home), "HW_MARK_DIR": str(marks), "HEADWATER_CLI_SERVER": "0"}
    env.pop("HEADWATER_ARTIFACTS", None)
    schema = None
    if store == "sqlite":
        env["HEADWATER_DATABASE_URL"] = f"sqlite:///{home}/headwater.db"
    else:
        schema = f"hw_faults_{uuid.uuid4().hex[:12]}"
        _postgres(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in POSTGRES_URL else "?"
        env["HEADWATER_DATABASE_URL"] = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        yield env
    finally:
        if schema is not None:
            _postgres(f'DROP SCHEMA "{schema}" CASCADE')
        shutil.rmtree(home, ignore_errors=True)


def _postgres(statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _intact(materialization: object) -> bool:
    """The artifact exists, has the recorded size, and hashes to the recorded data version."""
    from blake3 import blake3

    path = Path(str(materialization.artifact_uri).removeprefix("file://"))
    try:
        if path.stat().st_size != materialization.size_bytes:
            return False
        digest = blake3()
        with path.open("rb") as file:
            while chunk := file.read(1 << 22):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest(length=16) == materialization.data_version


def _temporary_files(artifacts: Path) -> list[Path]:
    return [p for p in artifacts.rglob(".tmp-*") if p.is_file()] if artifacts.exists() else []


def _check_due_orphans(pending: list[PendingOrphanCheck]) -> list[PendingOrphanCheck]:
    now = time.monotonic()
    later = []
    for check in pending:
        if check.due > now:
            later.append(check)
            continue
        survivors = _processes_with_marker(check.marker)
        check.tally.orphans += len(survivors)
        for pid in survivors:  # leave the machine clean for the next trials
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return later


def _processes_with_marker(marker: str) -> list[int]:
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                status = (entry / "status").read_text()
                if "\nState:\tZ" not in status:
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def _print(results: dict[tuple[str, str], Tally], args: argparse.Namespace) -> None:
    print()
    print(f"kill -9 of the CLI at random moments; {args.trials} trials per store and executor "
          f"(half aimed at the write of a {args.big_mb:g} MB artifact)")
    print()
    header = (f"{'store':8} {'executor':10} {'trials':>6} {'mid-run':>7} {'bad mat.':>8} {'STARTED':>7} "
              f"{'orphans':>7} {'tmp by kill':>11} {'tmp after open':>14}")
    print(header)
    print("-" * len(header))
    totals = Tally()
    for (store, executor), t in results.items():
        print(f"{store:8} {executor:10} {t.trials:>6} {t.killed_mid_run:>7} {t.bad_materializations:>8} "
              f"{t.started_after_next:>7} {t.orphans:>7} {t.tmp_left_by_kill:>11} {t.tmp_after_next_open:>14}")
        for name in ("bad_materializations", "started_after_next", "orphans", "tmp_after_next_open"):
            setattr(totals, name, getattr(totals, name) + getattr(t, name))
        for note in sorted(set(t.notes))[:3]:
            print(f"    note: {note}")
    print()
    print("columns: mid-run = killed before the run ended; bad mat. = recorded materializations whose artifact")
    print("is missing, short or not matching its hash; STARTED = runs still STARTED after the next command;")
    print(f"orphans = processes of the killed run alive {ORPHAN_CHECK_S:g} s after the kill; tmp = .tmp-* files in the")
    print("artifact store, left by the kill, and after the next command opened the store")
    print()
    print("targets (all 0):")
    for label, name in (
        ("bad recorded materializations", "bad_materializations"),
        ("runs left STARTED after the next command", "started_after_next"),
        (f"orphaned processes {ORPHAN_CHECK_S:g} s after the kill", "orphans"),
        ("temporary files left after the next store open", "tmp_after_next_open"),
    ):
        value = getattr(totals, name)
        print(f"  {label}: {value} — {'met' if value == 0 else 'NOT met'}")


if __name__ == "__main__":
    main()
