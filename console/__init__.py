"""alert-console: a terminal console for Jira Service Management Operations alerts."""

__version__ = "0.1.0"
