"""Text fields whose content is made safe as it is typed or pasted.

Textual's ``Input`` and ``TextArea`` draw what they hold as it is, so an escape
sequence pasted into the query bar or a note would reach the terminal raw. These
pass every insertion through the one sanitiser first: what the field shows is
what will be sent, and it is never a control sequence. (The multi-line one,
``SafeTextArea``, lives with the forms in :mod:`console.tui.dialogs`, so that
Textual's text area loads with the first form, not at start.)
"""

from __future__ import annotations

from textual.widgets import Input

from console.base.sanitize import clean


class SafeInput(Input):
    def validate_value(self, value: str) -> str:
        return clean(value)
