"""Opening what every question needs: the code location and the stores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = ["load_location", "open_instance"]


def load_location(file: str | None = None, module: str | None = None) -> CodeLocation:
    """Load the code location named by a file or a module, or the pyproject default.

    Raises:
        CodeLocationError: nothing to load, or it fails to import.
        DefinitionError: what it defines is invalid.
    """
    from headwater.definitions.loading import load_code_location

    return load_code_location(file=file, module=module)


@contextmanager
def open_instance(*, sweep: bool = True) -> Iterator[Instance]:
    """The stores of this project's home (``HEADWATER_HOME`` or the one found), closed on exit.

    Args:
        sweep: remove the temporary files of killed writes on the way in (a walk over the
            stored files); a reader that writes nothing passes False.
    """
    from headwater.storage.instance import Instance

    instance = Instance.get(sweep=sweep)
    try:
        yield instance
    finally:
        instance.close()
