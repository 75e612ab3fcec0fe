"""Text fields whose content is made safe as it is typed or pasted.

Textual's ``Input`` and ``TextArea`` draw what they hold as it is, so an escape
sequence pasted into the query bar or a note would reach the terminal raw. These
pass every insertion through the one sanitiser first: what the field shows is
what will be sent, and it is never a control sequence.
"""

from __future__ import annotations

from textual.document._document import EditResult
from textual.document._edit import Edit
from textual.widgets import Input, TextArea

from console.sanitize import clean


class SafeInput(Input):
    def validate_value(self, value: str) -> str:
        return clean(value)


class SafeTextArea(TextArea):
    def edit(self, edit: Edit) -> EditResult:
        edit.text = clean(edit.text, multiline=True)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(clean(text, multiline=True))
