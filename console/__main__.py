"""``python -m console`` is ``alert-console``."""

from console.cli.main import main

raise SystemExit(main())
