"""``python -m clipper`` is the ``clipper`` command."""

from clipper.cli import main

main()
