"""``python -m bot`` runs the legaldesk command line."""

from bot.cli import main

raise SystemExit(main())
