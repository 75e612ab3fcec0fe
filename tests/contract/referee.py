"""The referee of the conformance tests: one vendored OpenAPI excerpt, and the check that an
answer carries a status the spec declares for its operation and a body its schema accepts.

Statuses any operation may give although the spec does not list them everywhere
(``UNIVERSAL``: 400 malformed input, 401, 403, 429) are accepted with the spec's error bodies
(401: ``UnauthorizedErrorResponse``, else ``ErrorResponses``); a test names any other status
it accepts for one operation (``extra``), each a quirk the README writes down.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema

PREFIX = "/api/{cloudId}"
UNIVERSAL = {400, 401, 403, 429}
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value):
        raise ValueError(f"not an ISO-8601 date-time: {value!r}")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


class Referee:
    def __init__(
        self,
        spec_path: Path,
        patch: Callable[[dict[str, Any]], None] | None = None,
        extra: Collection[tuple[str, int]] = (),
    ) -> None:
        """``patch`` mends the component schemas where the spec cannot hold as written."""
        self.spec: dict[str, Any] = json.loads(spec_path.read_text())
        self.components = copy.deepcopy(self.spec["components"])
        if patch is not None:
            patch(self.components["schemas"])
        self.extra = set(extra)
        # operationId -> (METHOD, path after /api/{cloudId}, operation object)
        self.operations: dict[str, tuple[str, str, dict[str, Any]]] = {
            operation["operationId"]: (method.upper(), path.removeprefix(PREFIX), operation)
            for path, item in self.spec["paths"].items()
            for method, operation in item.items()
        }

    def check(self, operation_id: str, response: httpx.Response) -> None:
        """The answer's status is declared for the operation and its body fits its schema."""
        declared = self.operations[operation_id][2]["responses"]
        status = str(response.status_code)
        assert (
            status in declared
            or response.status_code in UNIVERSAL
            or (operation_id, response.status_code) in self.extra
        ), (
            f"{operation_id} answered {status}; the spec declares {sorted(declared)}: "
            f"{response.text[:300]}"
        )
        content = declared.get(status, {}).get("content")
        if status in declared and not content:  # 204 and the like: no body at all
            assert response.content == b"", response.text[:300]
            return
        if content:
            schema: dict[str, Any] = content["application/json"]["schema"]
        else:
            name = {"401": "UnauthorizedErrorResponse"}.get(status, "ErrorResponses")
            schema = {"$ref": f"#/components/schemas/{name}"}
        assert response.headers["content-type"].startswith("application/json"), response.headers
        jsonschema.validate(
            response.json(), {**schema, "components": self.components}, format_checker=FORMATS
        )


def one_of_as_any_of(schema: dict[str, Any]) -> None:
    """A ``oneOf`` of object schemas that require nothing matches any object twice and so can
    never hold: read it as ``anyOf``."""
    schema["anyOf"] = schema.pop("oneOf")
