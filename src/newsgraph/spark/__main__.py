"""``python -m newsgraph.spark INPUT... --out DIR``: the ``newsgraph spark`` command, for spark-submit.

``spark-submit`` runs a file: give it ``newsgraph/spark/__main__.py`` from the installed package
(see the README's "Spark" section); the options are those of ``newsgraph spark``.
"""

from __future__ import annotations

import sys


def main() -> None:
    from newsgraph.cli import app

    app(args=["spark", *sys.argv[1:]], prog_name="newsgraph spark")


if __name__ == "__main__":
    main()
