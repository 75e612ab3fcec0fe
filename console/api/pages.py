"""Reading the Operations API's answers, tolerantly, and following their pages.

Shared by the directory's reads and the on-call and heartbeat reads. An answer is JSON of the
expected shape or a :class:`~console.api.errors.MalformedResponse` that says what is wrong; an
item of a page that cannot be read (no id, no name) is left out, not the whole page;
``links.next`` is followed only below ``/v1/`` on the same site, and for so many pages only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

import httpx
import pydantic

from console.api import errors
from console.api.client import JsmClient, next_link
from console.api.models import Incoming, Links, ListOrNull, read_tolerantly
from console.api.retry import Service
from console.api.transport import json_or_none

MAX_PAGES = 50  # a service that keeps sending "next" is not followed for ever

Item = TypeVar("Item", bound=Incoming)
Model = TypeVar("Model", bound=pydantic.BaseModel)


class ItemsPage(Incoming):
    """An offset/size page (``{values, links}``): its items read one by one."""

    values: Annotated[list[Any], ListOrNull] = []
    links: Links = Links()


def json_body(response: httpx.Response) -> Any:
    body = json_or_none(response)
    if body is None:
        raise malformed(response, "the answer was not JSON")
    return body


def read_model(model: type[Model], response: httpx.Response) -> Model:
    """The whole answer as ``model``; MalformedResponse naming the first field that is wrong."""
    try:
        return model.model_validate(json_body(response))
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise malformed(
            response, f"the answer did not have the expected shape ({where}: {first['msg']})"
        ) from None


def read_items(model: type[Item], raw: Iterable[Any]) -> list[Item]:
    """Each item read on its own: one without a readable identity is left out."""
    return [item for r in raw if (item := read_tolerantly(model, r)) is not None]


def malformed(response: httpx.Response, text: str) -> errors.MalformedResponse:
    return errors.MalformedResponse(
        text,
        status=response.status_code,
        method=response.request.method,
        path=response.request.url.path,
    )


async def every_page(
    client: JsmClient,
    model: type[Item],
    path: str,
    params: dict[str, Any],
    *,
    service: Service,
    max_pages: int = MAX_PAGES,
) -> list[Item]:
    """Every page of an offset/size list, following ``links.next`` as the service wrote it
    (only below ``/v1/``: a link elsewhere is not followed with our credentials)."""
    found: list[Item] = []
    next_path: str | None = path
    query: Any = params
    for _ in range(max_pages):
        if next_path is None:
            break
        response = await client.request("GET", next_path, params=query, service=service)
        page = read_model(ItemsPage, response)
        found += read_items(model, page.values)
        next_path, query = next_link(page.links.next, client.base_url)
        if not page.values:
            break
    return found
