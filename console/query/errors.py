"""The one exception the query language raises for malformed text.

The simulator turns it into an HTTP 400 and the console into an underline, so
it carries the exact span of the offending token rather than just a message.
"""

from __future__ import annotations


class QuerySyntaxError(Exception):
    """A query that cannot be parsed, with the 0-based span of the bad token.

    ``position`` is a 0-based character offset into ``query``; a problem at the
    end of the text (something missing) has ``position == len(query)``.
    ``length`` is at least 1 so that a caller can always underline something.
    """

    def __init__(self, message: str, position: int, length: int = 1, query: str = "") -> None:
        self.message = message
        self.position = max(0, position)
        self.length = max(1, length)
        self.query = query
        super().__init__(f"{message} at position {self.position}")

    def __reduce__(self) -> tuple[type[QuerySyntaxError], tuple[str, int, int, str]]:
        # Keeps the error picklable despite the custom __init__ signature.
        return (type(self), (self.message, self.position, self.length, self.query))
