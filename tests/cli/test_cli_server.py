"""The warm CLI server, for real: real servers, real clients, real signals.

Every test runs ``python -m headwater`` as a user would, with the server on
(``HEADWATER_CLI_SERVER=1``) and its sockets in a folder of the test's own, and checks that
a command run by the server is the command run directly: same output and exit code, the
client's stdin, terminal, folder, environment and umask, Ctrl-C, and fresh user code.
Then what goes wrong: a client or a server killed mid-command, a server left over from
another ``headwater`` (stale), a socket file left by a killed server, a folder open to
others, idle servers.

A command ran in the server when ``headwater info`` says ``in use``, or when the process
running a step is in the server's session (``os.getsid``: the server starts its own).
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from headwater.cli.warm.control import running_server, stop_servers
from headwater.cli.warm.place import Place
from headwater.storage.instance import Instance
from headwater.storage.processes import process_alive
from headwater.storage.records import RunStatus, StepStatus

REPO = Path(__file__).resolve().parents[2]
PIPELINES = Path(__file__).parent / "pipelines"
LIFECYCLE = REPO / "tests" / "pipelines" / "lifecycle_steps.py"

class Servers:
    """A private folder for servers, the environment that uses it, and helpers."""

    def __init__(self, **env: str) -> None:
        # short: a Unix socket path has about 100 bytes
        self.folder = tempfile.mkdtemp(prefix="hw-cli-")
        self.env = {**os.environ, "HEADWATER_CLI_SERVER": "1", "HEADWATER_CLI_SERVER_DIR": self.folder, **env}
        # as the client finds it: with this environment (PYTHONPATH may name another headwater)
        code = "import json, os; from headwater.cli.warm.place import server_key; print(json.dumps(server_key(os.environ)))"
        found = subprocess.run([sys.executable, "-c", code], env=self.env, capture_output=True, text=True, check=True)
        self.place = Place(self.folder, json.loads(found.stdout))

    def run(self, *args: str, home: Path, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """``headwater ARGS`` through this folder's server (or started by it)."""
        full = {**self.env, "HEADWATER_HOME": str(home), "COLUMNS": "200", **(env or {})}
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("cwd", REPO)
        return subprocess.run([sys.executable, "-m", "headwater", *args], capture_output=True, text=True, env=full, **kwargs)

    def pid(self) -> int | None:
        return running_server(self.place)

    def wait_ready(self, limit: float = 120.0) -> int:
        """The pid of the server, once it listens."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            pid = self.pid()
            if pid is not None and self.listening():
                return pid
            time.sleep(0.05)
        raise AssertionError(f"no server listening within {limit} s; its log:\n{self.log()}")

    def listening(self) -> bool:
        """Whether the socket takes connections (a file left by a killed server does not)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(self.place.socket)
            except OSError:
                return False
        return True

    def start(self, home: Path) -> int:
        """Start the server (the first command does) and wait until it listens."""
        first = self.run("info", home=home)
        assert first.returncode == 0, first.stderr
        return self.wait_ready()

    def log(self) -> str:
        try:
            return Path(self.place.log).read_text()
        except OSError:
            return "(no log)"

    def close(self) -> None:
        stop_servers(self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def shared() -> Iterator[Servers]:
    """A server the tests that leave it running share."""
    servers = Servers()
    servers.start(Path(servers.folder) / "home")
    yield servers
    servers.close()


@pytest.fixture
def own() -> Iterator[Servers]:
    """A folder for servers of this test alone (a test that kills or changes its server)."""
    servers = Servers()
    yield servers
    servers.close()


def served(servers: Servers, home: Path) -> bool:
    info = servers.run("info", home=home)
    return "in use (server pid" in info.stdout


def direct(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``headwater ARGS`` in its own process, without the server."""
    env = {**os.environ, "HEADWATER_CLI_SERVER": "0", "HEADWATER_HOME": str(home), "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "headwater", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)


# -- starting ------------------------------------------------------------------------------


def test_the_first_command_runs_itself_and_starts_a_server_for_the_next(own: Servers, home: Path) -> None:
    first = own.run("info", home=home)
    assert first.returncode == 0, first.stderr
    assert "cli server:    not running: this command ran in its own process, and started a server" in first.stdout
    pid = own.wait_ready()
    info = own.run("info", home=home)
    assert f"cli server:    in use (server pid {pid}, {own.place.socket})" in info.stdout
    folder = os.stat(own.folder)
    assert folder.st_mode & 0o777 == 0o700
    assert os.stat(own.place.socket).st_mode & 0o777 == 0o600


def test_on_by_default(own: Servers, home: Path) -> None:
    info = own.run("info", home=home, env={"HEADWATER_CLI_SERVER": ""})
    assert "cli server:    not running: this command ran in its own process, and started a server" in info.stdout
    own.wait_ready()


def test_off_when_switched_off(own: Servers, home: Path) -> None:
    info = own.run("info", home=home, env={"HEADWATER_CLI_SERVER": "0"})
    assert "cli server:    off (HEADWATER_CLI_SERVER=0)" in info.stdout
    time.sleep(0.5)
    assert os.listdir(own.folder) == []


def test_python_options_run_the_command_in_its_own_process(own: Servers, home: Path) -> None:
    env = {**own.env, "HEADWATER_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "headwater", "info"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    assert "cli server:    off (the interpreter was started with options" in done.stdout
    assert "import time:" in done.stderr and "| typer" in done.stderr  # imported here, timed here
    time.sleep(0.5)
    assert os.listdir(own.folder) == []


def test_a_long_running_command_runs_in_its_own_process(own: Servers, home: Path, tmp_path: Path) -> None:
    server = own.start(home)
    env = {**own.env, "HEADWATER_HOME": str(home)}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "headwater", "daemon", "--max-concurrent-runs", "1"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list_daemons(home) and daemon.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        [registered] = list_daemons(home)
        assert registered == daemon.pid  # the client itself is the daemon, not a child of the server
        assert os.getsid(daemon.pid) != os.getsid(server)
    finally:
        daemon.terminate()
        daemon.communicate(timeout=30)


def list_daemons(home: Path) -> list[int]:
    with Instance.get(home=home) as instance:
        return [daemon.pid for daemon in instance.store.list_daemons()]


def test_the_client_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "import headwater.cli.warm.client, headwater.cli.warm.place, headwater.cli.warm.wire\n"
        "heavy = ('typer', 'rich', 'click', 'sqlalchemy', 'headwater.cli.main', 'headwater.storage', 'dataclasses', 'subprocess')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_server_keeps_one_thread_and_no_open_file(shared: Servers) -> None:
    pid = shared.wait_ready()
    status = Path(f"/proc/{pid}/status").read_text()
    assert "Threads:\t1\n" in status
    targets = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):  # a connection closing as we look
            targets.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
    files = {t for t in targets if t.startswith("/") and t != "/dev/null"}
    assert files == {shared.place.log, shared.place.lock}, files


# -- a command run by the server is the command run directly -------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["runs", "--help"],
        ["runs", "list"],
        ["runs", "show", "nosuchrun"],
        ["materialize", "-f", str(PIPELINES / "ok.py"), "--select", "nothing"],
        ["jobs", "list", "-f", str(PIPELINES / "ok.py")],
        ["assets", "list", "-f", str(PIPELINES / "ok.py")],
        ["nosuchcommand"],
        ["materialize", "-f", str(PIPELINES / "cycle.py")],
    ],
    ids=lambda args: " ".join(Path(a).name if "/" in a else a for a in args),
)
def test_output_and_exit_code_are_those_of_a_direct_run(args: list[str], shared: Servers, home: Path) -> None:
    assert served(shared, home)
    through = shared.run(*args, home=home)
    alone = direct(*args, home=home)
    assert (through.returncode, through.stdout, through.stderr) == (alone.returncode, alone.stdout, alone.stderr)


def test_the_clients_time_zone_colors_and_widths_are_honored(shared: Servers, home: Path) -> None:
    # read once at import by the libraries the server imported: TZ by the C library,
    # FORCE_COLOR and TERMINAL_WIDTH by Typer's help; NO_COLOR and COLUMNS by Rich
    shared.run("materialize", "-f", str(PIPELINES / "ok.py"), home=home)
    for env in ({"TZ": "Asia/Tokyo"}, {"TZ": "America/New_York", "FORCE_COLOR": "1"}, {"TERMINAL_WIDTH": "70", "FORCE_COLOR": "1"}):
        for args in (["runs", "list"], ["runs", "--help"]):
            through = shared.run(*args, home=home, env=env)
            alone = direct(*args, home=home, env=env)
            assert (through.returncode, through.stdout) == (alone.returncode, alone.stdout), (env, args)
    tokyo = shared.run("runs", "list", home=home, env={"TZ": "Asia/Tokyo"}).stdout
    assert tokyo != shared.run("runs", "list", home=home, env={"TZ": "America/New_York"}).stdout


def test_a_run_and_its_listing(shared: Servers, home: Path) -> None:
    ran = shared.run("materialize", "-f", str(PIPELINES / "ok.py"), home=home)
    assert ran.returncode == 0, ran.stderr
    assert "3 succeeded" in ran.stdout and "[numbers] making numbers" in ran.stdout
    failing = shared.run("materialize", "-f", str(PIPELINES / "failing.py"), home=home)
    assert failing.returncode == direct("materialize", "-f", str(PIPELINES / "failing.py"), home=home).returncode == 1
    listed = shared.run("runs", "list", home=home)
    assert listed.stdout == direct("runs", "list", home=home).stdout
    assert listed.stdout.count("SUCCESS") == 1 and listed.stdout.count("FAILURE") == 2  # one failed run each way


def probe(servers: Servers, home: Path, tmp_path: Path, env: dict[str, str], **kwargs: Any) -> dict[str, object]:
    """Run the probe pipeline through ``servers``; what its step saw."""
    out = tmp_path / f"probe-{time.monotonic_ns()}.json"
    args = ("materialize", "-f", str(PIPELINES / "probe.py"), "--quiet")
    done = servers.run(*args, home=home, env={"HW_PROBE": str(out), **env}, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    facts: dict[str, object] = json.loads(out.read_text())
    return facts


def test_the_command_sees_the_clients_folder_environment_umask_and_stdin(shared: Servers, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    facts = probe(
        shared, home, tmp_path, cwd=folder, umask=0o027, input="a line for the step\n",
        env={"HW_PROBE_VALUE": "from the client", "HW_PROBE_STDIN": "1"},
    )
    assert facts["sid"] == shared.pid()  # the step ran in the server's session
    assert facts["cwd"] == str(folder)
    assert facts["umask"] == 0o027
    assert facts["value"] == "from the client"
    assert facts["stdin"] == "a line for the step\n"
    assert facts["tty"] is False


def pty_output(command: list[str], env: dict[str, str], rows: int = 30, columns: int = 97) -> bytes:
    """What ``command`` writes to a terminal of ``rows`` x ``columns``."""
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env, cwd=REPO)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError("no output from the terminal in 60 s")
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks)


def test_a_terminal_is_the_clients_terminal(shared: Servers, home: Path, tmp_path: Path) -> None:
    ran = shared.run("materialize", "-f", str(PIPELINES / "ok.py"), home=home)
    assert ran.returncode == 0
    env = {k: v for k, v in shared.env.items() if k != "COLUMNS"}
    env.update(HEADWATER_HOME=str(home), TERM="xterm-256color")
    through = pty_output([sys.executable, "-m", "headwater", "runs", "list"], env)
    alone = pty_output([sys.executable, "-m", "headwater", "runs", "list"], {**env, "HEADWATER_CLI_SERVER": "0"})
    assert b"\x1b[" in through  # colors: Rich saw a terminal
    assert through == alone
    for no_color in ({"NO_COLOR": "1"}, {"COLUMNS": "61"}):
        assert pty_output([sys.executable, "-m", "headwater", "runs", "list"], {**env, **no_color}) == pty_output(
            [sys.executable, "-m", "headwater", "runs", "list"], {**env, **no_color, "HEADWATER_CLI_SERVER": "0"}
        )
    out = tmp_path / "tty.json"
    pty_output(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(PIPELINES / "probe.py")],
        {**env, "HW_PROBE": str(out)}, rows=33, columns=71,
    )
    facts = json.loads(out.read_text())
    assert facts["sid"] == shared.pid()
    assert facts["tty"] is True and facts["size"] == [71, 33]


def test_edited_user_code_is_what_runs(shared: Servers, home: Path, tmp_path: Path) -> None:
    pipeline = tmp_path / "probe_copy.py"
    pipeline.write_text((PIPELINES / "probe.py").read_text())
    out = tmp_path / "facts.json"

    def version() -> object:
        done = shared.run("materialize", "-f", str(pipeline), "--quiet", home=home, env={"HW_PROBE": str(out)})
        assert done.returncode == 0, done.stderr
        return json.loads(out.read_text())["version"]

    assert version() == 1
    pipeline.write_text(pipeline.read_text().replace("VERSION = 1", "VERSION = 2"))
    assert version() == 2


def test_concurrent_commands_each_get_their_own_process(shared: Servers, home: Path) -> None:
    shared.run("materialize", "-f", str(PIPELINES / "ok.py"), home=home)
    expected = direct("runs", "list", home=home).stdout
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: shared.run("runs", "list", home=home), range(12)))
    assert all(r.returncode == 0 and r.stdout == expected for r in results), [r.stderr for r in results]
    assert served(shared, home)


# -- signals and deaths ----------------------------------------------------------------------


@contextlib.contextmanager
def long_run(servers: Servers, home: Path, pids: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A foreground ``materialize`` whose step works for 60 s, in a session of its own (as
    from a terminal), once that step works: the client and the pid of the step's process."""
    env = {**servers.env, "HEADWATER_HOME": str(home), "HW_PID_DIR": str(pids), "HW_STEP_SECONDS": "60"}
    cli = subprocess.Popen(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(LIFECYCLE), "--executor", "process"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        marker = pids / "talky-1.pid"
        deadline = time.monotonic() + 120
        while not (marker.exists() and marker.read_text()):
            assert cli.poll() is None, f"the run ended (exit {cli.returncode}) before its step worked:\n{cli.communicate()[0]}"
            assert time.monotonic() < deadline, "the step did not start within 120 s"
            time.sleep(0.02)
        yield cli, int(marker.read_text())
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()


def gone_within(pid: int, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while process_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def the_run(home: Path) -> tuple[RunStatus, dict[str, StepStatus], str | None]:
    with Instance.get() as instance:
        (run,) = instance.store.list_runs()
        return run.status, {s.step_key: s.status for s in instance.store.get_steps(run.run_id)}, run.error


@pytest.mark.slow
def test_ctrl_c_cancels_a_foreground_run_and_says_so(shared: Servers, home: Path, tmp_path: Path) -> None:
    with long_run(shared, home, tmp_path) as (cli, worker):
        assert os.getsid(worker) == shared.pid()  # the run is the server's child's
        os.killpg(cli.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        assert gone_within(worker, 2.0)
        output, _ = cli.communicate(timeout=60)
    assert cli.returncode == 130, output
    assert "Canceled: interrupted (Ctrl-C); stopped talky" in output and "Traceback" not in output
    status, steps, error = the_run(home)
    assert status is RunStatus.CANCELED and error == "interrupted (Ctrl-C)"
    assert steps == {"done_first": StepStatus.SUCCESS, "talky": StepStatus.CANCELED}


@pytest.mark.slow
def test_sigterm_ends_the_client_as_it_ends_a_direct_run(shared: Servers, home: Path, tmp_path: Path) -> None:
    with long_run(shared, home, tmp_path) as (cli, worker):
        os.kill(cli.pid, signal.SIGTERM)
        output, _ = cli.communicate(timeout=60)
    assert cli.returncode == -signal.SIGTERM, output
    assert "the process died while running step 'talky'" in output
    assert gone_within(worker, 5.0)
    status, _, _ = the_run(home)
    assert status is RunStatus.FAILURE


@pytest.mark.slow
def test_a_killed_client_takes_its_command_with_it(shared: Servers, home: Path, tmp_path: Path) -> None:
    with long_run(shared, home, tmp_path) as (cli, worker):
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait(timeout=10)
        assert gone_within(worker, 10.0), "the step went on running without its client"
    deadline = time.monotonic() + 30
    while the_run(home)[0] in (RunStatus.STARTED, RunStatus.CANCELING) and time.monotonic() < deadline:
        time.sleep(0.05)
    status, steps, error = the_run(home)
    assert status is RunStatus.CANCELED and error == "interrupted (Ctrl-C)"
    assert steps["talky"] is StepStatus.CANCELED


@pytest.mark.slow
def test_a_killed_server_stops_its_command_and_the_client_says_so(own: Servers, home: Path, tmp_path: Path) -> None:
    server = own.start(home)
    with long_run(own, home, tmp_path) as (cli, worker):
        assert os.getsid(worker) == server
        os.kill(server, signal.SIGKILL)
        output, _ = cli.communicate(timeout=60)
    assert cli.returncode == 1, output
    assert "error: the headwater CLI server stopped while running this command" in output
    assert gone_within(worker, 5.0)
    status, steps, error = the_run(home)  # closed, not left half-written as started
    assert status is RunStatus.FAILURE and steps["talky"] is StepStatus.FAILURE
    assert error is not None and "the process died while running step 'talky'" in error
    again = own.run("runs", "list", home=home)  # the socket file left behind does no harm
    assert again.returncode == 0 and "FAILURE" in again.stdout


def test_a_socket_file_left_by_a_killed_server_is_replaced(own: Servers, home: Path) -> None:
    first = own.start(home)
    os.kill(first, signal.SIGKILL)
    assert gone_within(first, 5.0)
    assert os.path.exists(own.place.socket)
    ran = own.run("runs", "list", home=home)
    assert ran.returncode == 0 and ran.stdout == direct("runs", "list", home=home).stdout
    second = own.wait_ready()
    assert second != first
    assert served(own, home)


def test_an_idle_server_exits_and_removes_its_socket(home: Path) -> None:
    servers = Servers(HEADWATER_CLI_SERVER_IDLE="1")
    try:
        pid = servers.start(home)
        assert gone_within(pid, 20.0)
        assert not os.path.exists(servers.place.socket)
        assert "idle for 1 s" in servers.log()
    finally:
        servers.close()


@pytest.mark.slow
def test_a_changed_headwater_is_refused_and_a_fresh_server_started(home: Path, tmp_path: Path) -> None:
    import headwater

    copy = tmp_path / "src"
    shutil.copytree(Path(headwater.__file__).parent, copy / "headwater", ignore=shutil.ignore_patterns("__pycache__"))
    servers = Servers(PYTHONPATH=str(copy))
    try:
        first = servers.start(home)
        assert served(servers, home)
        info = copy / "headwater" / "cli" / "commands" / "info.py"
        info.write_text(info.read_text().replace('("cli server", _cli_server()),', '("cli server", _cli_server()), ("edited", "yes"),'))
        ran = servers.run("info", home=home)
        assert ran.returncode == 0
        assert "edited:" in ran.stdout  # run in its own process, with the edit
        assert "refused by the server: headwater changed on disk" in ran.stdout
        assert gone_within(first, 20.0)
        second = servers.wait_ready()
        assert second != first
        again = servers.run("info", home=home)
        assert "edited:" in again.stdout and f"in use (server pid {second}" in again.stdout
    finally:
        servers.close()


# -- trust ----------------------------------------------------------------------------------


def test_a_folder_open_to_others_is_not_used(own: Servers, home: Path) -> None:
    os.chmod(own.folder, 0o755)
    info = own.run("info", home=home)
    assert info.returncode == 0
    assert f"off ({own.folder} is open to other users (mode 0755; it must be 0700))" in info.stdout
    time.sleep(0.5)
    assert os.listdir(own.folder) == []


def test_a_socket_file_that_is_not_ours_is_refused(own: Servers, home: Path, tmp_path: Path) -> None:
    own.start(home)
    elsewhere = tmp_path / "elsewhere.sock"
    os.rename(own.place.socket, elsewhere)
    os.symlink(elsewhere, own.place.socket)  # a link, say to another user's socket
    info = own.run("info", home=home)
    assert info.returncode == 0
    assert f"off ({own.place.socket} is not a socket)" in info.stdout
    os.unlink(own.place.socket)
    os.rename(elsewhere, own.place.socket)
    if os.getuid() == 0:  # only root can give a file to another user
        os.chown(own.place.socket, 65534, 65534, follow_symlinks=False)
        info = own.run("info", home=home)
        assert f"off ({own.place.socket} belongs to another user (uid 65534))" in info.stdout


@pytest.mark.skipif(os.getuid() != 0, reason="running a client as another user takes root")
def test_the_server_refuses_a_client_of_another_user(own: Servers, home: Path) -> None:
    import socket

    from headwater.cli.warm.wire import send

    own.start(home)
    os.chmod(own.folder, 0o711)  # let another user reach the socket, as a mistake might
    os.chmod(own.place.socket, 0o777)
    answer_r, answer_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a client of user 65534 (nobody)
        try:
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(own.place.socket)
            send(sock, ("run", own.place.key, ["headwater", "info"], "/", {}, 0o22, sys.path, []), fds=(0, 1, 2))
            answer = repr(sock.recv(1000))
        except OSError as exc:  # the server may close before the request is sent
            answer = type(exc).__name__
        os.write(answer_w, answer.encode())
        os._exit(0)
    os.close(answer_w)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert os.read(answer_r, 1000) in (b"b''", b"BrokenPipeError", b"ConnectionResetError")  # closed, nothing run
    os.close(answer_r)
    assert "refused a client of another user (uid 65534)" in own.log()
