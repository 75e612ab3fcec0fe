"""Realistic demo data for the simulator: a directory, a week of alerts, a live feed.

The data looks like a production estate on a bad week: services, hosts, databases,
queues, certificates and Kubernetes, owned by a dozen teams. Everything is derived
from a seed, so a demo, a rehearsal or a test sees the same alerts every time.
The scenario catalogue lives in :mod:`console.simulator.demo_catalogue` and is shared
by :func:`generate_alerts` (history) and :mod:`console.simulator.demo_live` (live mode).
"""

from __future__ import annotations

import gc
import random
import unicodedata
import uuid
from collections.abc import Container, Sequence

from console.simulator.demo_catalogue import (
    HOSTILE_DESCRIPTION,
    HOSTILE_MESSAGES,
    NOTES,
    PRIORITY_WEIGHTS,
    SCENARIOS,
    TEAMS,
    Ctx,
    Rendered,
    Scenario,
    Weighted,
    between_int,
    clip,
    integration_for,
    pick,
    prepare,
    render,
    take,
    team_for,
)
from console.simulator.model import (
    DirectoryEntry,
    LogEntry,
    Note,
    Responder,
    StoredAlert,
    iso_ms,
)
from console.simulator.validation import (
    ALIAS_MAX,
    DESCRIPTION_MAX,
    MESSAGE_MAX,
    TAGS_MAX,
)

__all__ = ["PRIORITY_MIX", "People", "build_directory", "generate_alerts", "render_scenario"]

SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WINDOW_MS = 7 * DAY


TEAM_NAMES: tuple[str, ...] = tuple(t.name for t in TEAMS)
USER_NAMES: tuple[str, ...] = (
    "Amara Okafor", "Lukas Schneider", "Priya Raman", "Mateo García", "Sofia Rossi",
    "Kenji Watanabe", "Chloé Martin", "Olusegun Adeyemi", "Hannah Becker", "Arjun Mehta",
    "Zeynep Yılmaz", "Liam O'Brien", "Maja Nowak", "Diego Fernández", "Aisha Bello",
    "Wei Zhang", "Fatima Al-Sayed", "Noah Williams", "Elena Petrova", "Tomás Silva",
    "Ingrid Johansson", "Kwame Mensah", "Yuki Tanaka", "Rahul Nair", "Emma Dubois",
    "Jakub Dvořák", "Nadia Haddad", "Oliver Smith", "Ana Costa", "Mohammed Rahman",
    "Sarah Cohen", "Björn Lindqvist", "Leila Karimi", "Daniel Kim", "Grace Mwangi",
    "Pedro Alves", "Isabella Conti", "Marcus Johnson", "Siobhán Murphy", "Thanh Nguyen",
    "Ewa Kowalczyk", "Javier Morales", "Anika Sharma", "Henrik Nielsen", "Chiara Bianchi",
)  # fmt: skip
N_USERS = 30
N_ESCALATIONS = 8
N_SCHEDULES = 8

# Mean time to acknowledge and to close, by priority (the urgent ones are quicker).
ACK_MEAN_MS = {
    "P1": 4 * MINUTE,
    "P2": 12 * MINUTE,
    "P3": 40 * MINUTE,
    "P4": 2 * HOUR,
    "P5": 5 * HOUR,
}
CLOSE_MEAN_MS = {"P1": 50 * MINUTE, "P2": 2 * HOUR, "P3": 5 * HOUR, "P4": 10 * HOUR, "P5": DAY}
# Nudges to the chance of being closed: P1s get fixed, P5s linger.
CLOSE_BIAS = {"P1": 0.15, "P2": 0.08, "P3": 0.0, "P4": -0.04, "P5": -0.1}
_RESPONDER_COUNTS: Weighted[int] = Weighted(((1, 62), (2, 28), (3, 10)))
_RESPONDER_KINDS: Weighted[str] = Weighted(
    (("team", 25), ("user", 30), ("escalation", 25), ("schedule", 20))
)
_VISIBLE_COUNTS: Weighted[int] = Weighted(((0, 72), (1, 20), (2, 8)))
_NOTE_COUNTS: Weighted[int] = Weighted(((1, 60), (2, 28), (3, 12)))
_ASCII_FIXES = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "đ": "d"})


# --------------------------------------------------------------------------- directory


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def without_accents(text: str) -> str:
    """``Zeynep Yılmaz`` as ``Zeynep Yilmaz``: letters stripped of their marks."""
    plain = unicodedata.normalize("NFKD", text.translate(_ASCII_FIXES))
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


def _email(name: str) -> str:
    plain = "".join(
        ch for ch in without_accents(name) if ch.isascii() and (ch.isalnum() or ch in " -")
    )
    first, _, last = plain.lower().partition(" ")
    return f"{first}.{last.replace(' ', '')}@example.com"


def build_directory(seed: int) -> list[DirectoryEntry]:
    """Twelve teams, thirty people, and the teams' escalations and schedules."""
    rng = random.Random(f"directory:{seed}")
    entries = [DirectoryEntry(_uuid(rng), "team", name) for name in TEAM_NAMES]
    for name in rng.sample(USER_NAMES, N_USERS):
        entries.append(DirectoryEntry(_uuid(rng), "user", name, _email(name)))
    for team in rng.sample(TEAM_NAMES, N_ESCALATIONS):
        label = f"{team}_escalation" if rng.random() < 0.6 else f"{team} critical escalation"
        entries.append(DirectoryEntry(_uuid(rng), "escalation", label))
    for team in rng.sample(TEAM_NAMES, N_SCHEDULES):
        label = f"{team}_schedule" if rng.random() < 0.6 else f"{team} primary on-call"
        entries.append(DirectoryEntry(_uuid(rng), "schedule", label))
    return entries


class People:
    """The directory, indexed: who is in which team, and who to route an alert to."""

    def __init__(self, directory: Sequence[DirectoryEntry]) -> None:
        self.entries = list(directory)
        self.teams = [e for e in directory if e.type == "team"]
        self.users = [e for e in directory if e.type == "user"]
        self.team_by_name = {e.name: e for e in self.teams}
        self.members: dict[str, list[DirectoryEntry]] = {t.id: [] for t in self.teams}
        for i, user in enumerate(self.users):
            if self.teams:
                self.members[self.teams[i % len(self.teams)].id].append(user)
        self.own: dict[tuple[str, str], list[DirectoryEntry]] = {}
        for entry in directory:
            if entry.type in ("escalation", "schedule"):
                for team in self.teams:
                    if entry.name.startswith(team.name):
                        self.own.setdefault((team.id, entry.type), []).append(entry)
        self.by_type: dict[str, list[DirectoryEntry]] = {}
        for entry in directory:
            self.by_type.setdefault(entry.type, []).append(entry)
        self.visible_pool = self.teams + self.users

    def team(self, rng: random.Random, name: str) -> DirectoryEntry | None:
        entry = self.team_by_name.get(name)
        if entry is None and self.teams:
            entry = pick(rng, self.teams)
        return entry

    def member(self, rng: random.Random, team: DirectoryEntry | None) -> DirectoryEntry | None:
        """Someone on the team, mostly; anyone at all otherwise."""
        members = self.members.get(team.id, []) if team is not None else []
        if members and rng.random() < 0.8:
            return pick(rng, members)
        return pick(rng, self.users) if self.users else None

    def team_of(self, alert: StoredAlert) -> DirectoryEntry | None:
        for responder in alert.responders:
            if responder.type == "team":
                for team in self.teams:
                    if team.id == responder.id:
                        return team
        return None

    def responders(self, rng: random.Random, team: DirectoryEntry | None) -> list[Responder]:
        chosen: list[DirectoryEntry] = [team] if team is not None else []
        wanted = _RESPONDER_COUNTS.pick(rng)
        for _ in range(4):
            if len(chosen) >= wanted:
                break
            kind = _RESPONDER_KINDS.pick(rng)
            pool = self.by_type.get(kind, [])
            if team is not None and kind == "user":
                pool = self.members.get(team.id) or pool
            elif team is not None and kind != "team":
                pool = self.own.get((team.id, kind)) or pool
            if pool:
                entry = pick(rng, pool)
                if entry not in chosen:
                    chosen.append(entry)
        if not chosen and self.entries:
            chosen.append(pick(rng, self.entries))
        return [Responder(e.id, e.type) for e in chosen]

    def visible_to(self, rng: random.Random) -> list[Responder]:
        wanted = _VISIBLE_COUNTS.pick(rng)
        if not self.visible_pool or wanted == 0:
            return []
        picked = take(rng, self.visible_pool, wanted)
        return [Responder(e.id, e.type) for e in picked]


# --------------------------------------------------------------------------- choosing

PRIORITY_MIX: Weighted[str] = Weighted(PRIORITY_WEIGHTS)
_BY_PRIORITY: dict[str, Weighted[Scenario]] = {
    p: Weighted([(s, s.weight) for s in SCENARIOS if p in s.priorities])
    for p, _ in PRIORITY_WEIGHTS
}
_ALIAS_TRIES = 8


def render_scenario(rng: random.Random, priority: str, taken: Container[str] = ()) -> Rendered:
    """An alert of this priority, with an alias not in ``taken`` if one turns up."""
    for _ in range(_ALIAS_TRIES):
        sc = _BY_PRIORITY[priority].pick(rng)
        ctx = prepare(rng, sc, priority, team_for(rng, sc))
        if ctx["alias"] not in taken:
            return render(rng, sc, ctx)
    # A crowded week: keep the last try, made unique like a label fingerprint.
    base = clip(ctx.text("alias"), ALIAS_MAX - 9)
    alias = f"{base}:{rng.getrandbits(32):08x}"
    while alias in taken:
        alias = f"{base}:{rng.getrandbits(32):08x}"
    ctx["alias"] = alias
    return render(rng, sc, ctx)


def _between(rng: random.Random, low: int, high: int) -> int:
    return low if high <= low else low + int((high - low) * rng.random())


def _note_text(rng: random.Random, category: str, ctx: Ctx) -> str:
    pool = NOTES[category] if rng.random() < 0.6 else NOTES[""]
    return pick(rng, pool).format_map(ctx)


def _person(entry: DirectoryEntry | None, fallback: str) -> tuple[str, str]:
    """(display name, email) of a user, or the fallback for both."""
    if entry is None:
        return fallback, fallback
    return entry.name, entry.email or entry.name


# --------------------------------------------------------------------------- history


def _created_times(rng: random.Random, count: int, now_ms: int) -> list[int]:
    """Creation times over the last week, denser recently, with a few incident spikes."""
    recent = min(count, 3 + count // 400)
    spikes = [rng.uniform(HOUR, WINDOW_MS - HOUR) for _ in range(6)]
    ages: list[int] = []
    for i in range(count):
        if i < recent:
            age = rng.uniform(20 * SECOND, 12 * MINUTE)
        elif rng.random() < 0.1:
            age = pick(rng, spikes) + rng.gauss(0.0, 15 * MINUTE)
        else:
            age = 2 * MINUTE + (WINDOW_MS - 2 * MINUTE) * rng.random() ** 1.6
        ages.append(int(min(WINDOW_MS, max(20 * SECOND, age))))
    ages.sort(reverse=True)
    created = [now_ms - age for age in ages]
    for i in range(1, count):
        if created[i] <= created[i - 1]:
            created[i] = created[i - 1] + 1
    return created


class _History:
    """Builds one alert's lifecycle; keeps the counters that run across alerts."""

    def __init__(self, rng: random.Random, people: People, now_ms: int) -> None:
        self.rng = rng
        self.people = people
        self.now = now_ms
        self.note_seq = 0
        self.log_seq = 0

    def alert(self, tiny: int, created: int, r: Rendered, is_open: bool) -> StoredAlert:
        rng, now, people = self.rng, self.now, self.people
        priority = r.priority
        integration_name, integration_type = integration_for(r.source)
        team = people.team(rng, r.team)
        alert = StoredAlert(
            id=f"{_uuid(rng)}-{created}",
            tiny_id=str(tiny),
            alias=r.alias,
            message=r.message,
            created_at_ms=created,
            updated_at_ms=created,
            last_occurred_at_ms=created,
            description=r.description,
            entity=r.entity,
            source=r.source,
            priority=priority,
            tags=r.tags,
            actions=r.actions,
            responders=people.responders(rng, team),
            visible_to=people.visible_to(rng),
            extra_properties=r.extra_properties,
            integration_type=integration_type,
            integration_name=integration_name,
        )
        # (time, log type, text, owner), in the order things happened.
        events: list[tuple[int, str, str, str]] = [
            (created, "system", f"Alert created via {integration_name} with priority {priority}",
             integration_name),
        ]  # fmt: skip
        span = now - created
        acker = people.member(rng, team)
        acker_name, acker_email = _person(acker, "On-call")
        if is_open:
            acked = rng.random() < 0.30
            if acked:
                delay = int(rng.expovariate(1 / ACK_MEAN_MS[priority])) + 5 * SECOND
                alert.ack_time_ms = created + min(delay, int(span * rng.uniform(0.2, 0.95)))
            if rng.random() < 0.08:
                start = alert.ack_time_ms or created
                at = _between(rng, start, now)
                alert.snoozed = True
                alert.snoozed_until_ms = now + between_int(rng, 5, 600) * MINUTE
                events.append(
                    (at, "alertAction", f"Alert snoozed until {iso_ms(alert.snoozed_until_ms)}",
                     acker_email)
                )  # fmt: skip
            end = now
        else:
            acked = rng.random() < 0.8
            start = created
            if acked:
                delay = int(rng.expovariate(1 / ACK_MEAN_MS[priority])) + 5 * SECOND
                start = alert.ack_time_ms = created + min(delay, int(span * 0.6))
            delay = int(rng.expovariate(1 / CLOSE_MEAN_MS[priority])) + 30 * SECOND
            end = start + min(delay, int((now - start) * rng.uniform(0.3, 0.98)))
            alert.status = "closed"
            alert.close_time_ms = end
        if acked and alert.ack_time_ms is not None:
            alert.acknowledged = True
            alert.acknowledged_by = acker_name
            events.append((alert.ack_time_ms, "alertAction", f"Alert acknowledged by {acker_name}",
                           acker_email))  # fmt: skip

        # Ownership: whoever acked, mostly; a few unacked open alerts were assigned.
        owner: DirectoryEntry | None = None
        owner_at = created
        if acked and alert.ack_time_ms is not None and rng.random() < (0.9 if is_open else 0.8):
            owner, owner_at = acker, alert.ack_time_ms
        elif is_open and rng.random() < 0.115:
            owner, owner_at = people.member(rng, team), _between(rng, created, end)
        if owner is not None:
            alert.owner, alert.owner_account_id = owner.name, owner.id
            events.append((owner_at, "alertAction", f"Alert owner set to {owner.name}",
                           acker_email))  # fmt: skip

        if rng.random() < 0.15 and end > created + 1:
            alert.count = min(250, 1 + int(rng.paretovariate(0.8)))
            last = created + max(1, int((end - created) * (1.0 - rng.random() ** 2.5)))
            alert.last_occurred_at_ms = last
            events.append((last, "system", f"Alert count incremented to {alert.count}",
                           integration_name))  # fmt: skip

        if rng.random() < 0.2:
            self._notes(alert, r, created, end, acker if acked else people.member(rng, team))
            for note in alert.notes:
                events.append((note.created_at_ms, "note", f"Note added: {clip(note.note, 80)}",
                               note.owner))  # fmt: skip

        if alert.close_time_ms is not None:
            closer = acker_name if acked and rng.random() < 0.75 else ""
            if not closer:
                if rng.random() < 0.6:
                    closer = integration_name
                else:
                    closer = _person(people.member(rng, team), "On-call")[0]
            alert.closed_by = closer
            events.append((alert.close_time_ms, "alertAction", f"Alert closed by {closer}",
                           acker_email if closer == acker_name else closer))  # fmt: skip

        alert.seen = acked or not is_open or rng.random() < 0.4
        events.sort(key=lambda e: e[0])  # stable: same-ms events keep their order
        for at, log_type, text, who in events:
            self.log_seq += 1
            alert.logs.append(LogEntry(f"{at}_{self.log_seq:019d}", at, log_type, text, who))
        alert.updated_at_ms = max(
            alert.last_occurred_at_ms,
            events[-1][0],
            max((n.updated_at_ms for n in alert.notes), default=created),
        )
        return alert

    def _notes(
        self, alert: StoredAlert, r: Rendered, created: int, end: int, who: DirectoryEntry | None
    ) -> None:
        rng = self.rng
        author = _person(who, "oncall@example.com")[1]
        n = _NOTE_COUNTS.pick(rng)
        times = sorted(_between(rng, created + SECOND, end) for _ in range(n))
        for at in times:
            self.note_seq += 1
            updated = _between(rng, at, end) if rng.random() < 0.1 else at
            text = _note_text(rng, r.scenario.category, r.ctx)
            note_id = str(at * 1_000_000 + self.note_seq % 1_000_000)
            alert.notes.append(Note(note_id, at, updated, text, author))


def _make_hostile(rng: random.Random, alert: StoredAlert, variant: int) -> None:
    template = HOSTILE_MESSAGES[variant % len(HOSTILE_MESSAGES)]
    alert.message = clip(template.format(entity=alert.entity or "prod"), MESSAGE_MAX)
    if rng.random() < 0.6:
        alert.description = clip(HOSTILE_DESCRIPTION + alert.description, DESCRIPTION_MAX)
    if rng.random() < 0.5 and len(alert.tags) < TAGS_MAX:
        alert.tags.append(pick(rng, ("[red]hot[/red]", "🔥", "数据库", "tab\tbed")))
    if rng.random() < 0.5:
        raw = "\x1b[33mWARN\x1b[0m [bold]quota[/bold]\t95%"
        props = alert.extra_properties
        key = "raw_output" if len(props) < 8 else next(reversed(props))
        props[key] = raw


def generate_alerts(
    count: int, seed: int, now_ms: int, directory: list[DirectoryEntry]
) -> list[StoredAlert]:
    """A week of alerts before ``now_ms``: tiny ids 1..count, oldest first."""
    if count <= 0:
        return []
    # Bulk construction of acyclic objects: the cycle collector would only rescan them,
    # about a fifth of the run time for 20,000 alerts. Restored however we leave.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(count, seed, now_ms, directory)
    finally:
        if collecting:
            gc.enable()


def _generate(
    count: int, seed: int, now_ms: int, directory: list[DirectoryEntry]
) -> list[StoredAlert]:
    rng = random.Random(f"alerts:{seed}")
    people = People(directory)
    history = _History(rng, people, now_ms)
    created_times = _created_times(rng, count, now_ms)
    n_hostile = max(1, count // 100) if count >= 30 else 0
    hostile = {i: v for v, i in enumerate(sorted(rng.sample(range(count), n_hostile)))}
    open_aliases: set[str] = set()
    alerts: list[StoredAlert] = []
    for index, created in enumerate(created_times):
        priority = PRIORITY_MIX.pick(rng)
        age = (now_ms - created) / WINDOW_MS
        p_closed = 0.03 + 0.74 * age**0.5 + CLOSE_BIAS[priority]
        is_open = rng.random() >= p_closed
        rendered = render_scenario(rng, priority, open_aliases if is_open else ())
        if is_open:
            open_aliases.add(rendered.alias)
        alert = history.alert(index + 1, created, rendered, is_open)
        if index in hostile:
            _make_hostile(rng, alert, hostile[index])
        alerts.append(alert)
    return alerts
