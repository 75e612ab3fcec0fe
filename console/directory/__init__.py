"""The directory: names for the ids that alerts and actions use.

No Textual; may import api and base.

People, teams, escalations and schedules, read from the service (see
:mod:`console.api.directory`), kept on disk in the cache directory (one file per
site, mode 600), and refreshed in the background: the Operations part (teams, each
team's escalations, schedules) when it is older than ``max_age_s``, people as
they are wanted (an id the screen could not name) or searched for (a name typed
in a dialog). The console never waits for it: what it does not know stays an id,
and when a read fails the reason is kept (a missing scope is named) so the screen
can say why ids are shown.

Names are untrusted text like every alert field: they are kept as sent and made
safe where they are drawn.
"""

from console.directory.matching import (
    KINDS,
    NOUNS,
    PLURALS,
    Entry,
    Suggestion,
    Unresolved,
    fold,
    looks_like_id,
)
from console.directory.names import (
    FIRST_TICK_S,
    JIRA_SCOPE,
    OPS_SCOPE,
    TICK_S,
    Directory,
    NameBook,
    Names,
    SiteNames,
    reason,
)

__all__ = [
    "FIRST_TICK_S",
    "JIRA_SCOPE",
    "KINDS",
    "NOUNS",
    "OPS_SCOPE",
    "PLURALS",
    "TICK_S",
    "Directory",
    "Entry",
    "NameBook",
    "Names",
    "SiteNames",
    "Suggestion",
    "Unresolved",
    "fold",
    "looks_like_id",
    "reason",
]
