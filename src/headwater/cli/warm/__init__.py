"""The warm CLI server: ``headwater`` answers in tens of milliseconds, not hundreds.

A ``headwater`` command spends most of a short call importing Typer, Rich, the SQL
toolkit and the engine before it does anything. Like Spring's ``spring`` server for Rails, the Gradle
daemon and Bazel's server, the CLI keeps one warm process per user and installation that
has imported all of that once, and forks a fresh child of it for each command:

::

    client (``headwater ...``)                     warm server (one per user + installation)
    stdlib only: os, sys, socket,                  has imported Typer, Rich, the CLI, the
    signal, marshal                                services, the engine and the stores;
                                                   no user code, no connection, one thread
      ── argv, cwd, environment, umask, sys.path,
         and fds 0/1/2 themselves (SCM_RIGHTS) ──▶ forks a child for the command
      ◀── the child's pid ──────────────────────
      ── signals (Ctrl-C, SIGTERM, SIGHUP...) ──▶  passes them to the child's process group
      ◀── its exit status ──────────────────────   reaps the child
    exits with it

The child becomes the client's process (:mod:`.child`): it takes the client's stdin,
stdout and stderr (so ``isatty``, terminal width and pipes behave exactly as in a direct
run), current folder, whole environment, umask, ``sys.argv`` and ``sys.path``, then runs
the ordinary :func:`headwater.cli.main.main`. The user's code is loaded in the child, fresh
from disk every time, so edits always show.

Modules:

* :mod:`.place` -- where a server's socket lives, and whether a client may trust it;
* :mod:`.wire` -- the few framed messages client and server exchange;
* :mod:`.client` -- the ``headwater`` entry point: ask the server, else run here and start one;
* :mod:`.server` -- the server: the accept / fork / reap loop, staleness and idle exit;
* :mod:`.child` -- what a forked child does to become the client's process.

It is on by default. ``HEADWATER_CLI_SERVER=0`` turns it off (commands then always run in
their own process, as they did before); it is off on platforms without ``fork`` and Unix
sockets.
"""
