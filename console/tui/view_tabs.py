"""The saved views as tabs, each with its live count; the number keys and a click switch."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Tab, Tabs

from console.base.sanitize import clean
from console.settings.config import SavedView


class ViewTabs(Tabs):
    DEFAULT_CSS = "ViewTabs { height: 2; }"

    def __init__(self, views: Sequence[tuple[str, SavedView]], *, id: str | None = None) -> None:
        self.views = list(views)
        tabs = [Tab(self._label(i, None), id=f"view-{i}") for i in range(len(views))]
        super().__init__(*tabs, id=id)
        self.can_focus = False  # the table keeps the focus; keys and clicks switch

    def _label(self, index: int, count: int | None, *, old: bool = False) -> Content:
        name, view = self.views[index]
        key = f"{view.key} " if view.key else ""
        shown = "…" if count is None else f"{count:,}" + ("?" if old else "")
        # A view's name is the user's text: shown literally, never read as markup.
        return Content(f"{key}{clean(name)} · {shown}")

    def index_of(self, name: str | None) -> int | None:
        for index, (view_name, _view) in enumerate(self.views):
            if view_name == name:
                return index
        return None

    def show_counts(self, counts: dict[str, int], failed: set[str]) -> None:
        for index, (name, _view) in enumerate(self.views):
            tab = self.query_one(f"#view-{index}", Tab)
            label = self._label(index, counts.get(name), old=name in failed)
            if tab.label != label:
                tab.label = label

    def mark(self, name: str | None) -> None:
        """Show ``name`` as the view on screen (none: the query is the user's own)."""
        index = self.index_of(name)
        wanted = "" if index is None else f"view-{index}"
        if self.active != wanted:
            with self.prevent(Tabs.TabActivated):
                self.active = wanted
