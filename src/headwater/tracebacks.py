"""Showing a user's traceback without Headwater's own frames.

A step's full traceback is stored with it (a Headwater bug stays diagnosable); what the
terminal and the web show is :func:`user_frames` of it: the same text with every frame
whose file is inside the ``headwater`` package left out, so the first thing a user sees is
their own file and line. :func:`innermost_user_frame` gives that place in one line.

Example::

    >>> text = '''Traceback (most recent call last):
    ...   File "/site-packages/headwater/execution/step.py", line 120, in run_step
    ...     result = node.fn(**inputs)
    ...   File "/home/ana/pipe.py", line 7, in total
    ...     raise ValueError("boom")
    ... ValueError: boom
    ... '''
    >>> print(user_frames(text, package_dir="/site-packages/headwater"), end="")
    Traceback (most recent call last):
      File "/home/ana/pipe.py", line 7, in total
        raise ValueError("boom")
    ValueError: boom
    >>> innermost_user_frame(text, package_dir="/site-packages/headwater")
    '/home/ana/pipe.py:7 in total'

Standard library only; it reads text, so it works on tracebacks from other processes and
from the run store alike.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["innermost_user_frame", "user_frames"]

_FRAME = re.compile(r'^(?P<indent>\s*)File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<name>.+)$')

#: the installed package's folder, with a trailing separator
_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _is_headwater(file: str, package_dir: str) -> bool:
    return file.startswith(package_dir.rstrip("/") + "/")


def user_frames(text: str, *, package_dir: str = _PACKAGE_DIR) -> str:
    """``text`` (one or more chained tracebacks) without the frames of Headwater's files.

    Args:
        text: a formatted traceback, as ``traceback.format_exception`` writes it.
        package_dir: the folder whose frames are dropped (the ``headwater`` package).
    """
    kept: list[str] = []
    dropping_indent: int | None = None
    for line in text.splitlines(keepends=True):
        if dropping_indent is not None:
            stripped = line.lstrip(" ")
            if stripped and len(line) - len(stripped) > dropping_indent:
                continue  # the source line and carets of a dropped frame
            dropping_indent = None
        match = _FRAME.match(line.rstrip("\n"))
        if match and _is_headwater(match["file"], package_dir):
            dropping_indent = len(match["indent"])
            continue
        kept.append(line)
    return "".join(kept)


def innermost_user_frame(text: str, *, package_dir: str = _PACKAGE_DIR) -> str | None:
    """``file:line in function`` of the last frame outside Headwater, or None if there is none."""
    place = None
    for line in text.splitlines():
        match = _FRAME.match(line)
        if match and not _is_headwater(match["file"], package_dir):
            place = f"{match['file']}:{match['line']} in {match['name']}"
    return place
