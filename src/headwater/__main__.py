"""``python -m headwater``: the same as the ``headwater`` command (warm server and all)."""

from headwater.cli.warm.client import main

if __name__ == "__main__":
    main()
