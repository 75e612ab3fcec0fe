"""The directory itself: names by kind and id for one site, read, kept and refreshed.

See the package's docstring for what it does; :mod:`console.directory.matching` holds how
typed text meets names."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from console.api import errors
from console.api.client import JsmClient
from console.base import paths
from console.base.bounded import FileProblem, finite
from console.directory.matching import (
    KINDS,
    PLURALS,
    Entry,
    Suggestion,
    fold,
    looks_like_id,
    rank,
    resolve,
)

if TYPE_CHECKING:
    from console.api.directory import DirectoryApi, JiraUser

log = logging.getLogger(__name__)

OPS_SCOPE = "read:ops-config:jira-service-management"
JIRA_SCOPE = "read:jira-user"
VERSION = 1
MAX_AGE_S = 30 * 60.0  # teams, escalations and schedules change seldom
RETRY_S = 10 * 60.0  # after a failed read, in the background
ASK_RETRY_S = 30.0  # after a failed read, when a dialog asks
FIRST_TICK_S = 10.0  # the first background look, well after the first page
TICK_S = 60.0
RECENT_MAX = 20
PEOPLE_MAX = 5_000
MAX_BYTES = 8 << 20  # the cache on disk: teams, schedules, escalations and 5,000 people
WHAT = "the directory cache"


class Names(Protocol):
    """What a widget may ask of the directory: names it already knows, never a fetch."""

    def name(self, kind: str, ident: str) -> str | None: ...

    def owner_name(self, owner: str) -> str | None: ...

    def problem_for(self, kind: str) -> str | None: ...


class NameBook(Protocol):
    """Whose names an alert's ids are: its own site's (with one site, the one directory)."""

    def of(self, site: str) -> Names | None: ...


class SiteNames:
    """The directories of several sites: an alert's ids are named by its own site's."""

    def __init__(self, by_site: Mapping[str, Directory]) -> None:
        self.by_site = dict(by_site)

    def of(self, site: str) -> Names | None:
        return self.by_site.get(site)


class Directory:
    """Names by kind and id, for one site: see the package's docstring."""

    def of(self, site: str) -> Names:
        """One site's directory names the alerts of its site, whatever it is called."""
        return self

    def __init__(
        self,
        client: JsmClient,
        *,
        directory: Path | None = None,
        jira_url: str | None = None,
        max_age_s: float = MAX_AGE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client, self._jira_url = client, jira_url
        self.site = client.site
        self.directory = directory or paths.cache_dir() / "directory"
        self.max_age_s = max_age_s
        self.clock = clock
        self.entries: dict[tuple[str, str], Entry] = {}
        self.recent: list[tuple[str, str]] = []  # most recent first
        self.fetched_at: float | None = None  # the last good read of teams and the rest
        self.problems: dict[str, str] = {}  # kind -> why its names are not (all) known
        self._tried_at: float | None = None
        self._people_tried_at: float | None = None
        self._wanted: set[str] = set()  # account ids to look up
        self._missing: dict[str, float] = {}  # account ids Jira did not know, and when
        self._listeners: list[Callable[[], object]] = []
        self._dirty = False  # learned something not yet on disk (written at the next turn)
        self._emails: dict[str, str] | None = None  # folded email -> name, built when asked
        self._lock = asyncio.Lock()
        self.load()

    @cached_property
    def api(self) -> DirectoryApi:
        """The reads, loaded at the first one (a few seconds after the first page)."""
        from console.api.directory import DirectoryApi

        return DirectoryApi(self._client, jira_url=self._jira_url)

    # ------------------------------------------------------------------ names

    def name(self, kind: str, ident: str) -> str | None:
        """The name of ``ident``, if known (a person not known yet is looked up later)."""
        entry = self.entries.get((kind, ident))
        if entry is not None:
            return entry.name
        if kind == "user" and ident and ident not in self._missing:
            self._wanted.add(ident)
        return None

    def describe(self, kind: str, ident: str) -> str:
        return self.name(kind, ident) or ident

    def owner_name(self, owner: str) -> str | None:
        """An alert's owner as a name: the service usually sends one already; an account id or
        an email the directory knows becomes the person's name."""
        entry = self.entries.get(("user", owner))
        if entry is not None:
            return entry.name
        if "@" in owner:
            if self._emails is None:
                self._emails = {fold(e.email): e.name for e in self._of("user") if e.email}
            return self._emails.get(fold(owner))
        if looks_like_id(owner):
            return self.name("user", owner)
        return None

    def problem_for(self, kind: str) -> str | None:
        return self.problems.get(kind)

    def known(self, kind: str) -> bool:
        """Whether any name of this kind is known (from the service, or the cache)."""
        return any(k == kind for k, _ in self.entries)

    def _of(self, kind: str) -> list[Entry]:
        return [e for (k, _), e in self.entries.items() if k == kind]

    # ------------------------------------------------------------------ picking

    def suggest(self, kind: str, text: str, limit: int = 8) -> list[Suggestion]:
        """What ``text`` may mean, best first: recent choices first (the latest on top), then
        the closest matches by name."""
        recent = [ident for k, ident in self.recent if k == kind]
        return rank(self._of(kind), text, recent, limit)

    def resolve(self, kind: str, text: str) -> str:
        """The id ``text`` stands for (see :func:`console.directory.matching.resolve`)."""
        return resolve(kind, text, self._of(kind), self.problem_for(kind))

    def remember(self, kind: str, ident: str) -> None:
        """A choice that was sent: offered first next time."""
        if (kind, ident) not in self.entries:
            return
        self.recent = [(kind, ident), *(r for r in self.recent if r != (kind, ident))]
        del self.recent[RECENT_MAX:]
        self.save()

    # ------------------------------------------------------------------ listening

    def subscribe(self, callback: Callable[[], object]) -> Callable[[], None]:
        """Call ``callback`` whenever names or problems change; returns the unsubscribe."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def _changed(self) -> None:
        for callback in list(self._listeners):
            callback()

    # ------------------------------------------------------------------ reading

    @property
    def due(self) -> bool:
        """Teams and the rest should be read again (old, and not tried lately)."""
        return self._due(RETRY_S)

    def _due(self, retry_s: float) -> bool:
        now = self.clock()
        if self._tried_at is not None and now - self._tried_at < retry_s:
            return False
        return self.fetched_at is None or now - self.fetched_at >= self.max_age_s

    async def tick(self) -> None:
        """The background's turn: read everything when due, else look up wanted people."""
        if self.due:
            await self.refresh()
        elif self._people_due(RETRY_S):
            async with self._lock:
                if await self._look_up_people():
                    self._settled()
        if self._dirty:
            self.save()  # once a turn at most: not at every name a search found

    async def ensure(self) -> None:
        """A dialog wants names: read them when they are old (never twice in ``ASK_RETRY_S``
        after a failure)."""
        if self._due(ASK_RETRY_S):
            await self.refresh()

    async def refresh(self) -> None:
        """Read teams, escalations, schedules and wanted people again. A part that fails keeps
        what was known and records why; a refresh already running is waited for, not repeated."""
        if self._lock.locked():
            async with self._lock:
                return
        async with self._lock:
            self._tried_at = self.clock()
            before = (dict(self.entries), dict(self.problems))
            ops_ok = await self._read_ops()
            if ops_ok:
                self.fetched_at = self.clock()
            await self._look_up_people()
            if (dict(self.entries), dict(self.problems)) != before:
                self._settled()
            if ops_ok or self._dirty:
                self.save()  # when it was read, even if nothing changed

    async def search(self, kind: str, text: str) -> bool:
        """Ask the service for people matching ``text`` (the rest is all known already); True
        when that changed what the directory knows or says."""
        query = text.strip()
        if kind != "user" or len(query) < 2 or looks_like_id(query):
            return False
        tried = self._people_tried_at
        if "user" in self.problems and tried is not None and self.clock() - tried < ASK_RETRY_S:
            return False  # refused a moment ago: not again at every key
        self._people_tried_at = self.clock()
        try:
            users = await self.api.search_users(query)
        except errors.ApiError as error:
            changed = self._problem("user", error, jira=True)
        else:
            changed = self._add_people(users) | (self.problems.pop("user", None) is not None)
        if changed:
            self._settled()
        return changed

    def _people_due(self, retry_s: float) -> bool:
        if not self._wanted - self._known_people():
            return False
        tried = self._people_tried_at
        return "user" not in self.problems or tried is None or self.clock() - tried >= retry_s

    def _known_people(self) -> set[str]:
        return {i for (k, i) in self.entries if k == "user"}

    async def _read_ops(self) -> bool:
        """Teams, each team's escalations, and schedules; True when all three were read."""
        ok = True
        teams: dict[str, str] = {e.id: e.name for e in self._of("team")}
        try:
            found = await self.api.teams()
        except errors.ApiError as error:
            # Escalations are listed team by team: without the teams, they cannot be read.
            self._problem("team", error, jira=False)
            self._problem("escalation", error, jira=False)
            ok = False
        else:
            teams = {t.team_id: t.team_name or t.team_id for t in found}
            self._replace("team", [Entry("team", i, n) for i, n in teams.items()])
        escalations: list[Entry] = []
        for team_id, team_name in teams.items() if ok else ():
            try:
                found_escalations = await self.api.escalations(team_id)
            except errors.NotFound:
                continue  # the team went since the list was read
            except errors.ApiError as error:
                self._problem("escalation", error, jira=False)
                ok = False
                break
            escalations += [
                Entry("escalation", e.id, e.name or e.id, team_name) for e in found_escalations
            ]
        else:
            if ok:
                self._replace("escalation", escalations)
        try:
            schedules = await self.api.schedules()
        except errors.ApiError as error:
            self._problem("schedule", error, jira=False)
            ok = False
        else:
            entries = []
            for s in schedules:
                owner = teams.get(s.team_id or "", "")
                entries.append(Entry("schedule", s.id, s.name or s.id, owner or s.timezone or ""))
                # The people of each rotation: names to look up, so that they can be picked.
                for rotation in s.rotations:
                    self._wanted.update(
                        p.id for p in rotation.participants if p.type == "user" and p.id
                    )
            self._replace("schedule", entries)
        return ok

    async def _look_up_people(self) -> bool:
        """The wanted account ids Jira has not been asked about lately; True when that changed
        what is known or said."""
        now = self.clock()
        self._missing = {i: t for i, t in self._missing.items() if now - t < RETRY_S}
        wanted = sorted(self._wanted - self._known_people() - set(self._missing))
        self._wanted.clear()
        if not wanted:
            return False
        self._people_tried_at = now
        try:
            users = await self.api.users(wanted)
        except errors.ApiError as error:
            self._wanted.update(wanted)  # asked again on a later turn
            return self._problem("user", error, jira=True)
        changed = self._add_people(users) | (self.problems.pop("user", None) is not None)
        found = {u.account_id for u in users}
        self._missing.update((i, now) for i in wanted if i not in found)
        return changed

    def _add_people(self, users: Iterable[JiraUser]) -> bool:
        changed = False
        for user in users:
            notes = [user.email_address or ""]
            if not user.active:
                notes.append("inactive")
            if user.account_type and user.account_type not in ("atlassian", "customer"):
                notes.append(user.account_type)
            entry = Entry(
                "user",
                user.account_id,
                user.display_name or user.account_id,
                " · ".join(n for n in notes if n),
                user.email_address or "",
            )
            key = ("user", user.account_id)
            if self.entries.get(key) != entry:
                self.entries.pop(key, None)
                self.entries[key] = entry  # newest last: the oldest go first past the cap
                changed = True
        people = [k for k in self.entries if k[0] == "user"]
        for key in people[: max(0, len(people) - PEOPLE_MAX)]:
            del self.entries[key]
        return changed

    def _replace(self, kind: str, entries: list[Entry]) -> None:
        for key in [k for k in self.entries if k[0] == kind]:
            del self.entries[key]
        self.entries.update(((e.kind, e.id), e) for e in entries)
        self.problems.pop(kind, None)

    def _problem(self, kind: str, error: errors.ApiError, *, jira: bool) -> bool:
        text = reason(error, jira=jira)
        log.info("directory: %s: %s", PLURALS.get(kind, kind), text)
        if self.problems.get(kind) == text:
            return False
        self.problems[kind] = text
        return True

    def _settled(self) -> None:
        self._emails = None
        self._dirty = True
        self._changed()

    # ------------------------------------------------------------------ disk

    def path(self) -> Path:
        return paths.keyed_file(self.directory, self.site)

    def load(self) -> None:
        """What an earlier run knew; a file of another site or version is ignored, a damaged
        one set aside (the console starts without it), never fatal."""
        path = self.path()
        data = paths.read_cache(path, MAX_BYTES, WHAT)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return
        if data.get("site") != self.site:
            return
        try:
            entries = [Entry(*(str(v) for v in _row(row))) for row in data["entries"]]
            recent = [(str(k), str(i)) for k, i in data.get("recent", [])]
            fetched = data.get("fetched_at")
            fetched_at = None if fetched is None else finite(fetched, 0, 1e11)
        except (ValueError, TypeError, KeyError) as error:
            said = f"no {error}" if isinstance(error, KeyError) else str(error)[:120]
            problem = FileProblem(path, f"does not hold names ({said})", kind="not-names")
            paths.set_aside(problem, WHAT)
            return
        self.entries = {(e.kind, e.id): e for e in entries if e.kind in KINDS and e.id}
        self._emails = None
        self.recent = [r for r in recent if r in self.entries][:RECENT_MAX]
        self.fetched_at = fetched_at

    def save(self) -> None:
        body: dict[str, Any] = {
            "version": VERSION,
            "site": self.site,
            "fetched_at": self.fetched_at,
            "entries": [[e.kind, e.id, e.name, e.detail, e.email] for e in self.entries.values()],
            "recent": [list(r) for r in self.recent],
        }
        self._dirty = False
        paths.write_json(self.path(), body, MAX_BYTES)


def _row(row: Any) -> list[Any]:
    """One kept entry: kind, id, name[, detail, email] (TypeError if it is not one)."""
    if not isinstance(row, list) or len(row) < 3:
        raise TypeError("an entry is not a list of kind, id and name")
    return row[:5]


def reason(error: errors.ApiError, *, jira: bool) -> str:
    """Why names could not be read, in words that say what to fix (a missing scope by name)."""
    scope = JIRA_SCOPE if jira else OPS_SCOPE
    status = error.status
    scoped = "scope" in error.message.casefold()
    if status == 401 and scoped:
        return f"401: the token lacks the {scope} scope"
    if status == 403:
        if jira:
            return (
                f"403: Jira refused the user lookup; the token needs the {scope} scope and the "
                "account Jira's Browse users and groups permission"
            )
        return f"403: the token lacks the {scope} scope, or the account may not read it"
    if status == 401 and jira:
        return f"401: Jira did not accept the credentials (a scoped token needs {scope})"
    if isinstance(error, errors.RateLimited):
        whose = "Jira" if jira else "the Operations directory"
        wait = f"; asked to wait {error.retry_after:.0f} s" if error.retry_after else ""
        return f"429: rate limited by {whose}{wait} (the alerts are not held back)"
    return str(error)
