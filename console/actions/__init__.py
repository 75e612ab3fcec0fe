"""The action tracker: every write sent, followed to its outcome, journaled. No Textual here."""

from console.actions.journal import Journal
from console.actions.model import OPS, Action, ActionEvent, BatchFinished, State, TrackerEvent
from console.actions.tracker import ActionTracker

__all__ = [
    "OPS",
    "Action",
    "ActionEvent",
    "ActionTracker",
    "BatchFinished",
    "Journal",
    "State",
    "TrackerEvent",
]
