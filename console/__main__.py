"""``python -m console`` is ``alert-console``."""

from console.cli import main

raise SystemExit(main())
