"""A form field that picks a person, team, escalation or schedule by name.

As a name is typed, the directory's matches show in a list under the field, the most
recent choices first, the first of them highlighted: Enter (or a click) takes the
highlighted one, the form names who was chosen, and the field then sends that one's id.
Down and Up move through the list; Up from the first leaves it, and Enter then sends the
text as typed (an id works as it always did; a name is looked up when the form is
checked). People are also searched for on the service, a moment after the typing stops.
Names are untrusted text: every one is drawn through the sanitiser, never as markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from console.base.sanitize import clean
from console.directory import KINDS, PLURALS, Directory, Entry, Suggestion
from console.tui.cells import literal
from console.tui.guard import Guarded, start_work
from console.tui.inputs import SafeInput

SHOWN = 6  # suggestions at once
SEARCH_AFTER_S = 0.25  # people are searched on the service once the typing pauses


class PickList(Guarded, OptionList):
    """The suggestions under a :class:`PickInput`; the input keeps the focus."""

    DEFAULT_CSS = """
    PickList {
        height: auto; max-height: 8; margin: -1 0 1 24; border: none; padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.can_focus = False
        self.display = False
        self.input: PickInput | None = None

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.input is not None:
            self.input.pick(event.option_index)


class PickInput(SafeInput):
    BINDINGS = [
        Binding("down", "move(1)", "Next name", show=False),
        Binding("up", "move(-1)", "Previous name", show=False),
    ]

    def __init__(
        self,
        directory: Directory,
        kind: Callable[[], str],
        suggestions: PickList,
        note: Static,
        *,
        value: str = "",
        placeholder: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(value=value, placeholder=placeholder, id=id)
        self.directory = directory
        self.kind = kind  # what this field names now ("user"…): another field may decide
        self.suggestions = suggestions
        self.note = note
        note.display = False
        suggestions.input = self
        self.picked: tuple[str, str, Entry] | None = None  # (the name shown, its id, it)
        self._left_list = False  # Up from the first suggestion: Enter sends what was typed
        self._moved = False  # the user moved the highlight: it stays on that one
        self.shown: list[Suggestion] = []
        self._unsubscribe: Callable[[], None] = lambda: None

    @property
    def chosen(self) -> str:
        """What the form sends: the picked one's id, or the text as typed."""
        chosen = self.chosen_entry
        return chosen.id if chosen is not None else self.value

    def on_mount(self) -> None:
        self.suggest()
        # Whatever the directory learns while the dialog is open shows at once.
        self._unsubscribe = self.directory.subscribe(self._learned)
        # Old names are read again; on the app, so closing the dialog does not cut it short.
        start_work(self.app, self._ensure, group="directory")

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _learned(self) -> None:
        self.call_later(self.suggest)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input is not self:
            return
        if self.chosen_entry is None:
            self.picked = None
        self._left_list = self._moved = False  # new text: its first match is highlighted
        self.suggest()
        if self.picked is None and self.kind() == "user":  # only people are searched for
            search = partial(self._search, self.kind(), self.value)
            start_work(self, search, group="directory-search", exclusive=True)

    def suggest(self) -> None:
        """Show what the text may mean now (nothing once a suggestion was taken). With text
        typed, one suggestion is highlighted, the one Enter takes: the first, or the one the
        user moved to, if it is still offered (names the service sends later do not move it
        from under them). Who was taken is named under the field before anything is sent."""
        kind = self.kind()
        was = self._highlighted_id() if self._moved else None
        if self.chosen_entry is not None or kind not in KINDS:
            self.shown = []
        else:
            self.shown = self.directory.suggest(kind, self.value, limit=SHOWN)
        self.suggestions.clear_options()
        self.suggestions.add_options(
            [Option(_prompt(s), id=str(i)) for i, s in enumerate(self.shown)]
        )
        ids = [s.entry.id for s in self.shown]
        if was is not None and was in ids:
            self.suggestions.highlighted = ids.index(was)
        elif self.value.strip() and self.shown and not self._left_list:
            self.suggestions.highlighted = 0
        else:
            self.suggestions.highlighted = None
        self.suggestions.display = bool(self.shown)
        self._draw_note(kind)

    def _highlighted_id(self) -> str | None:
        index = self.suggestions.highlighted
        if index is None or not 0 <= index < len(self.shown):
            return None
        return self.shown[index].entry.id

    @property
    def chosen_entry(self) -> Entry | None:
        """The one taken from the list, while the field still shows its name."""
        if self.picked is not None and self.picked[0] == self.value:
            return self.picked[2]
        return None

    def _draw_note(self, kind: str) -> None:
        """Under the field: who was chosen, and why names may be missing or old."""
        lines: list[Text] = []
        chosen = self.chosen_entry
        if chosen is not None:
            said = literal(f"Chosen: {chosen.name}", "bold")
            if chosen.detail:
                said.append_text(literal(f"  {chosen.detail}"))
            said.append("  (Enter sends)")
            lines.append(said)
        problem = self.directory.problem_for(kind) if kind in KINDS else None
        if problem:
            plural = PLURALS.get(kind, kind)
            if self.directory.known(kind):
                text = f"{plural.capitalize()} not read again ({problem}): names may be old."
            else:
                text = f"Names of {plural} unavailable: {problem}."
            lines.append(literal(f"{text} An id works."))
        self.note.update(Text("\n").join(lines))
        self.note.display = bool(lines)

    def pick(self, index: int) -> None:
        if not 0 <= index < len(self.shown):
            return
        entry = self.shown[index].entry
        name = clean(entry.name)
        self.picked = (name, entry.id, entry)
        self.value = name
        self.cursor_position = len(name)
        self.suggest()

    def action_move(self, delta: int) -> None:
        options = self.suggestions
        if not self.shown:
            return
        current = options.highlighted
        self._moved = True
        if current is None:
            self._left_list = False
            options.highlighted = 0 if delta > 0 else len(self.shown) - 1
        elif current == 0 and delta < 0:
            # Up from the first leaves the list: Enter then sends the text as typed.
            self._left_list = True
            options.highlighted = None
        else:
            options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    async def action_submit(self) -> None:
        """Enter takes the highlighted suggestion; with none highlighted, it sends the form."""
        highlighted = self.suggestions.highlighted
        if self.shown and highlighted is not None:
            self.pick(highlighted)
            return
        await super().action_submit()

    async def _ensure(self) -> None:
        try:
            await self.directory.ensure()
        except Exception as error:  # a bug, not the service: reported, the form still works
            self._report("reading the directory", error)

    async def _search(self, kind: str, text: str) -> None:
        await asyncio.sleep(SEARCH_AFTER_S)  # latest wins: a key typed meanwhile cancels this
        try:
            await self.directory.search(kind, text)  # what it learns redraws via _learned
        except Exception as error:
            self._report("searching names", error)

    def _report(self, where: str, error: Exception) -> None:
        report = getattr(self.app, "report_bug", None)
        if callable(report):
            report(where, error)


def _prompt(suggestion: Suggestion) -> Text:
    entry = suggestion.entry
    text = literal(entry.name, "bold")
    if entry.detail:
        text.append_text(literal(f"  {entry.detail}", "dim"))
    if suggestion.recent:
        text.append("  · recent", style="dim italic")
    return text
