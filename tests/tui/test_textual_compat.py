"""One test per use of Textual's private API (console/tui/textual_compat.py): after a
Textual upgrade, a failure here names the part that moved."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TextArea

from console.tui import textual_compat as compat
from console.tui.dialogs import SafeTextArea


class Boom(Message):
    pass


class Fragile(compat.GuardedPump, Static):
    def __init__(self) -> None:
        super().__init__("fragile")
        self.errors: list[str] = []
        self.handled = 0

    def on_boom(self, _message: Boom) -> None:
        self.handled += 1
        raise ValueError("a bug in a handler")

    def on_guard_error(self, message: Message, error: Exception) -> bool:
        self.errors.append(f"{type(message).__name__}: {error}")
        return True


class Host(compat.LastResort):
    def __init__(self) -> None:
        super().__init__()
        self.survived: list[str] = []

    def survive(self, error: Exception) -> bool:
        self.survived.append(str(error))
        return True

    def compose(self) -> ComposeResult:
        yield Fragile()
        table: DataTable[Text] = DataTable()
        table.add_column("Name", key="name")
        table.add_row(Text("before"), key="r1")
        yield table


async def test_a_handler_that_raises_is_reported_and_the_pump_goes_on() -> None:
    app = Host()
    async with app.run_test() as pilot:
        fragile = app.query_one(Fragile)
        fragile.post_message(Boom())
        await pilot.pause()
        fragile.post_message(Boom())
        await pilot.pause()
        assert fragile.handled == 2 and len(fragile.errors) == 2
        assert app.is_running


async def test_a_timer_that_raises_is_survived() -> None:
    app = Host()

    def broken() -> None:
        raise RuntimeError("a bug in a timer")

    async with app.run_test() as pilot:
        app.set_timer(0.01, broken)
        await pilot.pause(0.1)
        assert app.survived == ["a bug in a timer"] and app.is_running


async def test_the_tables_caches_are_bounded_and_cells_replaced_in_place() -> None:
    app = Host()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        compat.bound_table_caches(table, cells=12, rows=3)
        assert table._cell_render_cache.maxsize == 12 and table._line_cache.maxsize == 3
        await pilot.pause()
        assert "before" in compat.terminal_stream(app)
        compat.replace_cells(table, {"r1": {"name": Text("after")}})
        await pilot.pause()
        assert table.get_cell("r1", "name").plain == "after"
        stream = compat.terminal_stream(app)
        assert "after" in stream and "before" not in stream
        lines = compat.screen_lines(app)
        assert any("after" in str(line) for line in lines)


class Bound(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "op('write')", "Write it"),
        Binding("r", "read", "Read it"),
    ]

    def compose(self) -> ComposeResult:
        yield Footer()


async def test_hidden_bindings_leave_the_footer_and_still_work() -> None:
    class Footed(App[None]):
        def on_mount(self) -> None:
            screen = Bound()
            compat.hide_bindings(screen, lambda action: action.startswith("op("))
            self.push_screen(screen)

    app = Footed()
    async with app.run_test() as pilot:
        await pilot.pause()
        shown = {k: b.binding.show for k, b in app.screen.active_bindings.items()}
        assert shown["x"] is False and shown["r"] is True
        assert "Write it" not in compat.terminal_stream(app)
        assert "Read it" in compat.terminal_stream(app)


async def test_toasts_and_the_terminal() -> None:
    app = Host()
    async with app.run_test(notifications=True) as pilot:
        app.notify("the message", title="the title")
        await pilot.pause()
        assert ("the title", "the message") in compat.notifications_on_screen(app)
        assert compat.toasts_shown(app)
        # Headless there is no terminal to write a desktop notification to.
        assert compat.write_to_terminal(app, "\x1b]9;hello\x1b\\") is False


async def test_a_text_area_edit_goes_through_our_cleaning() -> None:
    from textual.document._document import EditResult
    from textual.document._edit import Edit

    class Editing(App[None]):
        def compose(self) -> ComposeResult:
            yield SafeTextArea()

    app = Editing()
    async with app.run_test() as pilot:
        area = app.query_one(TextArea)
        result: Any = area.edit(Edit("a\x1b[31mb", (0, 0), (0, 0), True))
        await pilot.pause()
        assert isinstance(result, EditResult)
        assert "\x1b" not in area.text and "a" in area.text
