"""Dialogs: a confirmation that defaults to No, a form that checks its input, a choice list.

Every dialog opens with its first input focused and submits on Enter. A form
checks its values (against the API's limits, by the caller's ``check``) before
it closes, so nothing the service would refuse is ever sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from console.actions import OPS
from console.base.sanitize import clean
from console.directory import Directory
from console.tui.cells import literal
from console.tui.guard import Guarded
from console.tui.inputs import SafeInput
from console.tui.keys import KEYMAP
from console.tui.picker import PickInput, PickList

if TYPE_CHECKING:
    from console.tui.textual_compat import Edit, EditResult

FormValues = dict[str, str]
Check = Callable[[FormValues], dict[str, str]]  # field -> problem; empty when all is well


class SafeTextArea(TextArea):
    """A multi-line field made safe as it is typed or pasted (see console.tui.inputs)."""

    def edit(self, edit: Edit) -> EditResult:
        edit.text = clean(edit.text, multiline=True)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(clean(text, multiline=True))


class ConfirmDialog(Guarded, ModalScreen[bool]):
    """Yes only on ``y`` (or the Yes button); ``n``, Escape and Enter (on the default) mean No."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; background: $background 70%; }
    ConfirmDialog > Vertical {
        width: 72; height: auto; padding: 1 2;
        border: thick $error; background: $surface;
    }
    ConfirmDialog #confirm-title { text-style: bold; color: $error; width: 1fr; }
    ConfirmDialog #confirm-body { margin: 1 0; width: 1fr; }
    ConfirmDialog Horizontal { height: auto; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n", "answer(False)", "No", show=False),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, title: str, body: str | Text) -> None:
        super().__init__()
        self._title = title
        self._body = body if isinstance(body, Text) else literal(body, single_line=False)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self._title), id="confirm-title")
            yield Static(self._body, id="confirm-body")
            yield Static(Text("y = yes   ·   n, Esc or Enter = no", style="dim"))
            with Horizontal():
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    placeholder: str = ""
    value: str = ""
    options: Sequence[tuple[str, str]] = field(default_factory=tuple)  # a Select when given
    password: bool = False
    multiline: bool = False  # a TextArea: Enter is a new line, Ctrl+S sends
    # Picked by name from the directory (see console.tui.picker): this kind, or the kind
    # the field named ``pick_from`` holds.
    pick: str = ""
    pick_from: str = ""


class FormDialog(Guarded, ModalScreen[FormValues | None]):
    """One or more fields; Enter submits (after ``check``), Escape cancels."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; background: $background 70%; }
    FormDialog > Vertical {
        width: 90; max-width: 95%; height: auto; max-height: 95%; padding: 1 2;
        border: thick $primary; background: $surface; overflow-y: auto;
    }
    FormDialog #form-title { text-style: bold; width: 1fr; margin-bottom: 1; }
    FormDialog #form-intro { color: $text-muted; width: 1fr; margin-bottom: 1; }
    FormDialog .field { height: 1; margin-bottom: 1; }
    FormDialog .field.multiline { height: 6; }
    FormDialog TextArea { border: none; height: 6; width: 1fr; padding: 0 1; background: $boost; }
    FormDialog TextArea:focus { border: none; background: $primary 25%; }
    FormDialog .field Label {
        width: 24; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    FormDialog Input { border: none; height: 1; padding: 0 1; width: 1fr; background: $boost; }
    FormDialog Input:focus { border: none; background: $primary 25%; }
    FormDialog Select { width: 1fr; height: 1; }
    FormDialog SelectCurrent { border: none; height: 1; padding: 0 1; background: $boost; }
    FormDialog Select:focus > SelectCurrent { border: none; background: $primary 25%; }
    FormDialog .problem { color: $error; height: auto; display: none; margin: -1 0 1 24; }
    FormDialog .problem.shown { display: block; }
    FormDialog #form-hint { color: $text-muted; }
    FormDialog .pick-note { color: $text-muted; height: auto; margin: -1 0 1 24; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("ctrl+s", "submit", "Send", show=False),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[FormField],
        *,
        intro: str | Text = "",
        check: Check | None = None,
        submit_label: str = "Enter to send",
        directory: Directory | None = None,
    ) -> None:
        super().__init__()
        self._title = title
        self._fields = list(fields)
        self._directory = directory  # names to pick from, for fields that pick
        self._intro = intro if isinstance(intro, Text) else literal(intro, single_line=False)
        self._check = check
        self._submit_label = submit_label
        self._shown: set[str] = set()  # fields whose problem is on screen

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self._title), id="form-title")
            if self._intro.plain:
                yield Static(self._intro, id="form-intro")
            for spec in self._fields:
                picking: list[Widget] = []
                with Horizontal(classes="field multiline" if spec.multiline else "field"):
                    yield Label(literal(spec.label))
                    if (spec.pick or spec.pick_from) and self._directory is not None:
                        suggestions = PickList(id=f"suggest-{spec.name}")
                        note = Static("", classes="pick-note", id=f"pick-{spec.name}")
                        picking = [suggestions, note]
                        yield PickInput(
                            self._directory,
                            partial(self._kind, spec),
                            suggestions,
                            note,
                            value=spec.value,
                            placeholder=spec.placeholder,
                            id=f"field-{spec.name}",
                        )
                    elif spec.multiline:
                        yield SafeTextArea(
                            clean(spec.value, multiline=True),
                            soft_wrap=True,
                            show_line_numbers=False,
                            placeholder=spec.placeholder,
                            id=f"field-{spec.name}",
                        )
                    elif spec.options:
                        yield Select(
                            spec.options,
                            value=spec.value or spec.options[0][1],
                            allow_blank=False,
                            id=f"field-{spec.name}",
                        )
                    else:
                        yield SafeInput(
                            value=spec.value,
                            placeholder=spec.placeholder,
                            password=spec.password,
                            id=f"field-{spec.name}",
                        )
                yield from picking
                yield Static("", classes="problem", id=f"problem-{spec.name}")
            submit = self._submit_label
            if any(f.multiline for f in self._fields):
                submit = submit.replace("Enter", "Ctrl+S") + " (Enter: a new line)"
            yield Static(Text(f"{submit} · Esc to cancel"), id="form-hint")

    def on_mount(self) -> None:
        first = self.query("Input, Select, TextArea").first()
        first.focus()

    def values(self) -> FormValues:
        result: FormValues = {}
        for spec in self._fields:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Select):
                result[spec.name] = str(widget.value)
            elif isinstance(widget, PickInput):
                result[spec.name] = widget.chosen  # the picked one's id, or the text typed
            elif isinstance(widget, Input):
                result[spec.name] = widget.value
            elif isinstance(widget, TextArea):
                result[spec.name] = widget.text
        return result

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def action_submit(self) -> None:
        self.submit()

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _edited(self) -> None:
        # A problem shown goes as soon as the input is good (new ones wait for Enter).
        if self._shown:
            self._show(self._problems(), only_clear=True)

    @on(Select.Changed)
    def _kind_changed(self) -> None:
        # A field that picks by the kind another field holds (a responder's type) follows it.
        for picker in self.query(PickInput):
            picker.suggest()

    def _kind(self, spec: FormField) -> str:
        """What a picking field names: its own kind, or the value of the field it follows."""
        if spec.pick:
            return spec.pick
        other = next((f for f in self._fields if f.name == spec.pick_from), None)
        try:
            return str(self.query_one(f"#field-{spec.pick_from}", Select).value)
        except NoMatches:
            return other.options[0][1] if other is not None and other.options else ""

    def _problems(self) -> dict[str, str]:
        return self._check(self.values()) if self._check else {}

    def submit(self) -> None:
        values = self.values()
        problems = self._problems()
        self._show(problems)
        if problems:
            self.app.bell()
            return
        self.dismiss(values)

    def _show(self, problems: dict[str, str], *, only_clear: bool = False) -> None:
        """Each problem under its own field (one the form does not have: under the first);
        the first field with a problem gets the focus and is scrolled into view."""
        names = [f.name for f in self._fields]
        general = [f"{k}: {v}" for k, v in problems.items() if k not in names]
        first_bad: str | None = None
        for index, name in enumerate(names):
            text = "; ".join(
                [*([problems[name]] if name in problems else []), *(general if index == 0 else [])]
            )
            if only_clear and text and name not in self._shown:
                continue
            problem = self.query_one(f"#problem-{name}", Static)
            problem.update(literal(text))
            problem.set_class(bool(text), "shown")
            if text:
                self._shown.add(name)
                first_bad = first_bad or name
            else:
                self._shown.discard(name)
        if first_bad is not None and not only_clear:
            field = self.query_one(f"#field-{first_bad}")
            field.focus()
            self.call_after_refresh(
                self.query_one(f"#problem-{first_bad}").scroll_visible, animate=False
            )

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(Guarded, ModalScreen[str | None]):
    """Pick one of a few options (an alert's custom actions, say); Enter picks, Escape cancels."""

    DEFAULT_CSS = """
    ChoiceDialog { align: center middle; background: $background 70%; }
    ChoiceDialog > Vertical {
        width: 70; height: auto; max-height: 80%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    ChoiceDialog #choice-title { text-style: bold; margin-bottom: 1; width: 1fr; }
    ChoiceDialog OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, choices: Sequence[str]) -> None:
        super().__init__()
        self._title = title
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self._title), id="choice-title")
            yield OptionList(*[Option(literal(c), id=str(i)) for i, c in enumerate(self._choices)])

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._choices[int(event.option_id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)


class InfoScreen(Guarded, ModalScreen[str | None]):
    """A read-only page (help, full-screen detail); Escape, q or the same key closes it (its
    result is None; see :class:`DetailScreen` for the other)."""

    DEFAULT_CSS = """
    InfoScreen { align: center middle; background: $background 60%; }
    InfoScreen > Vertical {
        width: 100%; height: 100%; padding: 0 1;
        border: round $primary; background: $surface;
    }
    InfoScreen #info-title { text-style: bold; width: 1fr; height: 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("enter", "close", "Close", show=False),
        Binding("question_mark", "close", "Close", show=False),
    ]

    def __init__(self, title: str, body: Widget) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self._title), id="info-title")
            yield self._body

    def action_close(self) -> None:
        self.dismiss(None)


class DetailScreen(InfoScreen):
    """One alert, full screen. Its action keys act on it: the page closes with the name of the
    operation, and the alert view starts it on this alert (only), where its badge and toasts
    show. Each binding carries the op's id, so ``[keys]`` rebinds it here too."""

    BINDINGS = [
        Binding(k.key, f"act('{k.id}')", k.label, show=False, id=k.id)
        for k in KEYMAP
        if k.writes and OPS[k.id].targets
    ]

    def action_act(self, name: str) -> None:
        self.dismiss(name)
