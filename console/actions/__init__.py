"""The action tracker: every write sent, followed to its outcome, journaled.

Every operation described once. No Textual; may import api and base.
"""

from console.actions.journal import Journal
from console.actions.model import Action, ActionEvent, BatchFinished, State, TrackerEvent
from console.actions.ops import OPS, Field, Op
from console.actions.tracker import ActionTracker, TrackerSet

# What a screen acts through: one site's tracker, or several sites' as one.
AnyTracker = ActionTracker | TrackerSet

__all__ = [
    "OPS",
    "Action",
    "ActionEvent",
    "ActionTracker",
    "AnyTracker",
    "BatchFinished",
    "Field",
    "Journal",
    "Op",
    "State",
    "TrackerEvent",
    "TrackerSet",
]
