"""The query bar: the current JSM query, linted as you type, with completion of field names.

Our own parser (the one the simulator uses) flags a malformed query at once; a
query it accepts but the service refuses shows the service's message. Either
way the table keeps the previous results.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

from console.tui.cells import literal
from console.tui.guard import Guarded
from console.tui.inputs import SafeInput


class QuerySuggester(Suggester):
    """Suggests the rest of the field name, value or keyword being typed (→ accepts it)."""

    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or (value.endswith(" ") and not value.rstrip().endswith(":")):
            return None
        from console.query import complete, completion_start  # on the first keystroke

        options = complete(value, len(value))
        if not options:
            return None
        start = completion_start(value, len(value))
        suggestion = value[:start] + options[0]
        return suggestion if suggestion != value and suggestion.startswith(value) else None


class QueryBar(Guarded, Vertical):
    DEFAULT_CSS = """
    QueryBar { height: auto; }
    QueryBar Horizontal { height: 1; }
    QueryBar #query-label { width: auto; padding: 0 1; color: $text-muted; }
    QueryBar Input { border: none; height: 1; padding: 0 1; background: $boost; }
    QueryBar Input:focus { border: none; background: $primary 25%; }
    QueryBar #query-problem { height: auto; max-height: 2; padding: 0 1; display: none; }
    QueryBar #query-problem.error { color: $text-error; display: block; }
    QueryBar #query-problem.warning { color: $text-warning; display: block; }
    """
    BINDINGS = [Binding("escape", "abandon", "Back to the table", show=False)]

    class Applied(Message):
        """The user asked for this query (it passed our lint)."""

        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Abandoned(Message):
        """The user left the bar without applying."""

    def __init__(self, query: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.applied = query
        self._said = ("", "")  # what the line under the bar shows now, and at which level

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("Query /", id="query-label", markup=False)
            # No suggester until the field is first focused: nobody is typing before that,
            # and the query's grammar then loads after the first page, not before it.
            yield SafeInput(
                value=self.applied,
                placeholder="JSM query, e.g. status: open AND priority: P1",
                id="query-input",
            )
        yield Static("", id="query-problem", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one("#query-input", Input)

    @property
    def problem(self) -> Static:
        return self.query_one("#query-problem", Static)

    def say(self, text: str, level: str = "") -> None:
        """Show a problem under the bar: ``error``, ``warning`` or plain."""
        if (text, level) == self._said:
            return  # nothing new: no layout pass
        self._said = (text, level)
        self.problem.set_classes(level)
        self.problem.update(literal(text))

    def show_server_error(self, what: str, error: Exception) -> None:
        """The service refused the view: at most two lines, never the whole query again."""
        message = getattr(error, "message", str(error))
        if len(message) > 160:
            message = message[:159] + "…"
        self.say(f"✗ The service refused {what}: {message} (showing the previous results)", "error")

    @on(events.DescendantFocus)
    def _focused(self) -> None:
        if self.input.suggester is None:
            self.input.suggester = QuerySuggester()

    @on(Input.Changed, "#query-input")
    def _changed(self, event: Input.Changed) -> None:
        if event.value == self.applied and not self._said[0]:
            return  # the query in force, nothing said of it: nothing to check now
        self._lint(event.value)

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_lint)

    def _first_lint(self) -> None:
        """The query it starts with (its syntax was checked before the start): its warnings,
        once the first rows are drawn (the query grammar loads then). Never over what is said
        by then: the service's refusal, or the person's own typing."""
        if self.input.value == self.applied and not self._said[0]:
            self._lint(self.applied)

    def _lint(self, text: str) -> bool:
        """Show the first problem; True when the query may be sent."""
        from console.query import lint  # on the first keystroke, not at start

        problems = lint(text)
        errors = [p for p in problems if p.severity == "error"]
        shown = errors[0] if errors else (problems[0] if problems else None)
        if shown is None:
            self.say("")
            return True
        marker = "✗" if shown.severity == "error" else "⚠"
        where = "" if "position" in shown.message else f" (at position {shown.position})"
        self.say(f"{marker} {shown.message}{where}", shown.severity)
        return not errors

    @on(Input.Submitted, "#query-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not self._lint(text):
            self.app.bell()
            return
        self.applied = text
        self.post_message(self.Applied(text))

    def show_applied(self, query: str) -> None:
        """Another query was put in force (a saved view): show it as the applied one."""
        self.applied = query
        with self.input.prevent(Input.Changed):
            self.input.value = query
        self.say("")

    def action_abandon(self) -> None:
        self.input.value = self.applied
        self.say("")
        self.post_message(self.Abandoned())
