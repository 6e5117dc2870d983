"""``python -m deploy.local.seed``: seed the demo (see the package docstring)."""

from deploy.local.seed import main

main()
