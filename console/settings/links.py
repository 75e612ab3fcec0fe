"""Links out of the console: an alert's page on the site, opened in a browser.

The API does not document the address of an alert's page; the default template
(``{site_url}/jira/ops/alerts/{id}``) is unconfirmed, and a profile's ``alert_url``
changes it. No Textual here."""

from __future__ import annotations

from string import Formatter
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from console.api.models import Alert

DEFAULT_ALERT_URL = "{site_url}/jira/ops/alerts/{id}"  # not documented by the API: unconfirmed
PLACEHOLDERS = ("site_url", "id", "tinyId")


def template_problem(template: str) -> str | None:
    """Why ``template`` cannot make an alert's address (None: it can): every ``{`` closed,
    each placeholder one of ours, plain (no ``!r``, ``:>9``, ``.attr`` or ``[0]``). Checked
    when the config is read, so ``b`` never meets a broken one."""
    try:
        parts = list(Formatter().parse(template))
    except ValueError as error:  # "Single '}' encountered", "expected '}' before end of string"
        return f"{error}; write {{site_url}}, {{id}} or {{tinyId}}, and {{{{ for a brace"
    for _text, name, spec, conversion in parts:
        if name is not None and name not in PLACEHOLDERS:
            return f"unknown placeholder {{{name}}}; use {{site_url}}, {{id}} or {{tinyId}}"
        if spec or conversion:
            return "a placeholder takes no format: write {site_url}, {id} or {tinyId} as they are"
    return None


def alert_link(template: str, site_url: str | None, alert: Alert) -> str | None:
    """The alert's page, or None when the profile names no site. Ids are quoted: an id
    from the service is untrusted and never leaves its place in the URL."""
    if not site_url and "{site_url}" in template:
        return None
    return template.format_map(
        {
            "site_url": (site_url or "").rstrip("/"),
            "id": quote(alert.id, safe=""),
            "tinyId": quote(alert.tiny_id or alert.id, safe=""),
        }
    )


def open_in_browser(url: str) -> bool:
    """Ask the system's browser to open ``url``; False when there is none to ask."""
    import webbrowser  # at the first "b": not a cost of the start

    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
