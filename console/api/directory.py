"""The directory reads: teams, their escalations, schedules (JSM Ops) and people (Jira).

The Operations API names teams, escalations and schedules (``GET /v1/teams``,
``/v1/teams/{teamId}/escalations``, ``/v1/schedules``: the vendored
``jsm-ops-directory.openapi.json``) but has no people at all. People come from
Jira's platform API on the same site: ``GET /rest/api/3/user/search?query=``
(a bare JSON array) and ``GET /rest/api/3/user/bulk?accountId=…`` (a page), at
``{origin}/ex/jira/{cloudId}/rest/api/3`` unless told otherwise.

Every request goes through :meth:`JsmClient.request` (its deadline, size cap,
retries and rate-limit gate). Reading is tolerant as everywhere: an item that
cannot be read (no id) is left out, not the whole page. Following ``links.next``
never leaves the API: only a relative path below ``/v1/`` is followed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from pydantic import Field

from console.api.client import JsmClient
from console.api.models import Incoming, ListOrNull
from console.api.pages import MAX_PAGES, every_page, json_body, malformed, read_items, read_model

# Escalations page 1..100 (default 20), schedules 1..50 (default 25): ask for the most.
ESCALATIONS_PAGE = 100
SCHEDULES_PAGE = 50
USERS_BATCH = 50  # account ids in one bulk request (each one a query parameter)
SEARCH_MAX = 50  # people in one search answer


# ----------------------------------------------------------------------------- Operations


class PlatformTeam(Incoming):
    """``PlatformTeamDto``."""

    team_id: str = Field(alias="teamId", min_length=1)
    team_name: str | None = Field(None, alias="teamName")


class TeamList(Incoming):
    """``ListPlatformTeamResponse``: not paged."""

    platform_teams: Annotated[list[Any], ListOrNull] = Field([], alias="platformTeams")


class Recipient(Incoming):
    id: str | None = None
    type: str | None = None


class EscalationRule(Incoming):
    """``EscalationRuleResponse``."""

    condition: str | None = None
    notify_type: str | None = Field(None, alias="notifyType")
    delay: int | None = None
    recipient: Recipient | None = None


class EscalationRepeat(Incoming):
    wait_interval: int | None = Field(None, alias="waitInterval")
    count: int | None = None
    reset_recipient_states: bool | None = Field(None, alias="resetRecipientStates")
    close_alert_after_all: bool | None = Field(None, alias="closeAlertAfterAll")


class Escalation(Incoming):
    """``EscalationResponse``. It does not carry its team: the team is the list it came from."""

    id: str = Field(min_length=1)
    name: str | None = None
    description: str | None = None
    rules: Annotated[list[EscalationRule], ListOrNull] = []
    enabled: bool | None = None
    repeat: EscalationRepeat | None = None


class ResponderInfo(Incoming):
    type: str | None = None
    id: str | None = None


class Rotation(Incoming):
    id: str | None = None
    name: str | None = None
    type: str | None = None
    length: int | None = None
    participants: Annotated[list[ResponderInfo], ListOrNull] = []


class Schedule(Incoming):
    """``Schedule``."""

    id: str = Field(min_length=1)
    name: str | None = None
    description: str | None = None
    timezone: str | None = None
    enabled: bool | None = None
    team_id: str | None = Field(None, alias="teamId")
    rotations: Annotated[list[Rotation], ListOrNull] = []


# ----------------------------------------------------------------------------- Jira


class JiraUser(Incoming):
    """A person as Jira's user APIs answer: ``emailAddress`` may be hidden by the person's
    privacy settings; ``accountType`` is ``atlassian``, ``app`` or ``customer``."""

    account_id: str = Field(alias="accountId", min_length=1)
    account_type: str | None = Field(None, alias="accountType")
    display_name: str | None = Field(None, alias="displayName")
    email_address: str | None = Field(None, alias="emailAddress")
    active: bool = True


class JiraUserPage(Incoming):
    """``GET /rest/api/3/user/bulk``: a page of users."""

    start_at: int = Field(0, alias="startAt")
    max_results: int | None = Field(None, alias="maxResults")
    total: int | None = None
    is_last: bool = Field(True, alias="isLast")
    values: Annotated[list[Any], ListOrNull] = []


# ----------------------------------------------------------------------------- the reads


class DirectoryApi:
    """The directory's reads, on one client's connection pool, deadline and retries."""

    def __init__(self, client: JsmClient, *, jira_url: str | None = None) -> None:
        self.client = client
        # Jira's REST API for the same site (see the module's docstring).
        self.jira_url = (
            jira_url or f"{client.origin}/ex/jira/{quote(client.cloud_id, safe='')}/rest/api/3"
        ).rstrip("/")

    async def teams(self) -> list[PlatformTeam]:
        response = await self.client.request("GET", "/v1/teams", service="directory")
        page = read_model(TeamList, response)
        return read_items(PlatformTeam, page.platform_teams)

    async def escalations(self, team_id: str) -> list[Escalation]:
        """Every escalation of one team (there is no list across teams)."""
        path = f"/v1/teams/{quote(team_id, safe='')}/escalations"
        params = {"offset": 0, "size": ESCALATIONS_PAGE}
        return await every_page(self.client, Escalation, path, params, service="directory")

    async def schedules(self) -> list[Schedule]:
        """Every schedule, with its rotations (whose participants are people to name)."""
        params = {"offset": 0, "size": SCHEDULES_PAGE, "expand": "rotation"}
        return await every_page(self.client, Schedule, "/v1/schedules", params, service="directory")

    async def search_users(self, query: str, *, max_results: int = SEARCH_MAX) -> list[JiraUser]:
        """People whose name or email starts with ``query`` (Jira's own matching)."""
        response = await self.client.request(
            "GET",
            f"{self.jira_url}/user/search",
            params={"query": query, "maxResults": max_results},
            service="jira",
        )
        body = json_body(response)
        if not isinstance(body, list):
            raise malformed(response, "the answer was not a list of users")
        return read_items(JiraUser, body)

    async def users(self, account_ids: Iterable[str]) -> list[JiraUser]:
        """These people, by account id; ids Jira does not know are simply absent."""
        wanted = list(dict.fromkeys(i for i in account_ids if i))
        found: list[JiraUser] = []
        for start in range(0, len(wanted), USERS_BATCH):
            batch = wanted[start : start + USERS_BATCH]
            found += await self._bulk(batch)
        return found

    async def _bulk(self, batch: Sequence[str]) -> list[JiraUser]:
        found: list[JiraUser] = []
        start_at = 0
        for _ in range(MAX_PAGES):
            # maxResults defaults to 10: always say how many.
            # One accountId parameter per person (the client's params would keep only one).
            query = urlencode(
                [("accountId", i) for i in batch]
                + [("startAt", start_at), ("maxResults", len(batch))]
            )
            response = await self.client.request(
                "GET", f"{self.jira_url}/user/bulk?{query}", service="jira"
            )
            page = read_model(JiraUserPage, response)
            users = read_items(JiraUser, page.values)
            found += users
            if page.is_last or not page.values:
                break
            start_at += len(page.values)
        return found
