"""A bug in a handler must not take the console down at 3 a.m.

Textual ends a widget's message loop (and then the app) when one of its handlers
raises. :class:`Guarded` is mixed into our own app, screens and widgets: an
exception in any of their handlers or key actions is handed to the app's
``report_bug`` (crash file, one toast, debug log) and the loop carries on. The app
also turns Textual's last-resort handler (timers, callbacks, workers) into a
report once it is up; a failure during start-up stays fatal, as it should.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from textual.message import Message

from console.tui.textual_compat import GuardedPump

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.worker import WorkType


@runtime_checkable
class BugSink(Protocol):
    guard_armed: bool

    def report_bug(self, where: str, error: Exception) -> None: ...


class Guarded(GuardedPump):
    """Mixed in before a Textual base class: ``class AlertTable(Guarded, DataTable[Text])``."""

    def on_guard_error(self, message: Message, error: Exception) -> bool:
        sink = self.app
        if not isinstance(sink, BugSink) or not sink.guard_armed:
            return False
        sink.report_bug(f"{type(self).__name__} handling {type(message).__name__}", error)
        return True


def start_work(
    node: DOMNode,
    work: Callable[[], Coroutine[Any, Any, None]],
    *,
    group: str,
    exclusive: bool = False,
) -> None:
    """Run ``work`` on a worker of ``node`` whose failure is reported, never the app's end.

    Given the function, not its coroutine: the coroutine is made when the worker starts, so
    a worker cancelled before it starts (newer work in an exclusive group, a restart, a
    screen that closed) leaves no coroutine that was never awaited.
    """
    node.run_worker(
        cast("WorkType[None]", work), group=group, exclusive=exclusive, exit_on_error=False
    )
