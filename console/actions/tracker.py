"""The action tracker: sends every write and follows it to its outcome.

In JSM a write's 202 only means "accepted". The tracker sends each action
(bounded concurrency, so a bulk action does not trip the rate limit; the
client's shared gate backs everyone off on a 429), then follows its request id
with ``GET /v1/alerts/requests/{id}`` until the service says it succeeded or
failed. Past a deadline the outcome is *unknown*: it stays visible and is still
followed, more slowly, for a while. Every change is journaled and reported to
listeners as an :class:`ActionEvent`; a batch ends with one :class:`BatchFinished`
summary. Nothing is dropped silently.

Polling is batch-aware: the service processes writes roughly in arrival order,
so while an older request is still pending the newer ones are not asked about.
A bulk action then costs about two requests per alert (the write and one poll).

In read-only mode no write can leave the process: :meth:`submit` refuses, and
the client itself refuses any request that is not a read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from console.actions.journal import Journal
from console.actions.model import (
    FINAL,
    SETTLED,
    Action,
    ActionEvent,
    BatchFinished,
    Listener,
    State,
    TrackerEvent,
    summarise,
)
from console.actions.ops import ALL_OPS as OPS
from console.api import errors
from console.api.client import JsmClient
from console.api.models import RequestStatus

log = logging.getLogger(__name__)

REQUEST_RETENTION_S = 24 * 3600  # older request ids are not worth asking about
KEEP_BATCHES = 200  # summarised batches remembered (older ones, once over, are forgotten)
# When a write's answer was lost, the alert is read this long after it was sent (seconds):
# the service applies writes asynchronously, so a first look may come too early.
CHECK_AFTER_S: tuple[float, ...] = (0.5, 1.5, 3.0, 6.0, 12.0, 24.0)


class ActionTracker:
    def __init__(
        self,
        client: JsmClient,
        *,
        journal: Journal | None = None,
        read_only: bool = False,
        concurrency: int = 4,
        deadline_s: float = 30.0,
        follow_for_s: float = 900.0,
        first_poll_s: float = 0.1,
        max_poll_s: float = 3.0,
        slow_poll_s: float = 15.0,
        max_hold_s: float = 900.0,
        keep_batches: int = KEEP_BATCHES,
    ) -> None:
        self.client = client
        self.journal = journal
        self.read_only = read_only or client.read_only
        self.concurrency = concurrency
        self.deadline_s = deadline_s
        self.follow_for_s = follow_for_s
        self.first_poll_s = first_poll_s
        self.max_poll_s = max_poll_s
        self.slow_poll_s = slow_poll_s
        self.max_hold_s = max_hold_s  # a write rate limited for longer fails instead of waiting
        self.keep_batches = keep_batches
        self.site_name = ""  # the site (profile) it acts on, when the console shows several
        self.actions: dict[str, Action] = {}
        self._batches: dict[str, list[Action]] = {}
        self._batch_done: dict[str, asyncio.Event] = {}
        self._finished: deque[str] = deque()  # batches summarised, oldest first
        self._held: set[str] = set()  # batches whose rate-limit hold has been told
        self._listeners: list[Listener] = []
        self._following: dict[str, Action] = {}
        self._next_poll: dict[str, float] = {}
        self._poll_delay: dict[str, float] = {}
        self._typical_s = first_poll_s  # how long the service usually takes to process a write
        self._seq = 0
        self._slots: asyncio.Semaphore | None = None
        self._wake: asyncio.Event | None = None
        self._moved: asyncio.Event | None = None  # set on every change of state
        self._follower: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._checking: set[str] = set()  # actions whose lost answer is settled by a read
        self.check_after_s = CHECK_AFTER_S

    # ------------------------------------------------------------------ listening

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, event: TrackerEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not lose the action
                log.exception("action listener failed")

    # ------------------------------------------------------------------ submitting

    def submit(
        self,
        op: str,
        targets: Sequence[tuple[str | None, str]],
        data: Mapping[str, Any] | None = None,
        *,
        summary: str = "",
    ) -> str:
        """Start ``op`` on each ``(alert_id, label)``; returns the batch id.

        Raises ReadOnlyError (read-only: nothing is sent) or InputError (the data
        breaks a limit of the service: nothing is sent) before anything else.
        """
        if op not in OPS:
            raise ValueError(f"unknown action {op!r}")
        if self.read_only:
            raise errors.ReadOnlyError(f"read-only: {OPS[op].title} was not sent")
        if not targets:
            raise ValueError("no alert to act on")
        # Each create needs an alias of its own (generated when none was given), or the
        # service would fold the whole batch into one alert; other ops share one body.
        first = self._prepare(op, data)
        bodies = [first] + [
            self._prepare(op, data) if op == "create" else first for _ in targets[1:]
        ]
        import uuid  # at the first action: not a cost of the start

        batch_id = str(uuid.uuid4())
        actions = [
            Action(
                id=str(uuid.uuid4()),
                batch_id=batch_id,
                op=op,
                alert_id=alert_id,
                label=label,
                summary=summary,
                created_at=time.time(),
            )
            for alert_id, label in targets
        ]
        self._register(batch_id, actions)
        for action in actions:
            self._move(action, State.QUEUED, f"{action.title} queued for {action.label}")
        self._spawn(self._send_all(actions, bodies))
        return batch_id

    def for_site(self, site: str) -> ActionTracker:
        """The tracker of ``site``'s alerts: this one (a console of one site)."""
        return self

    def validate(self, op: str, data: Mapping[str, Any] | None) -> None:
        """Raise InputError (naming each field) if ``data`` breaks a limit of the service."""
        self._prepare(op, data)

    def _prepare(self, op: str, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if OPS[op].run is not None:
            return dict(data) if data else None
        return self.client.prepare(OPS[op].request, data)

    def _register(self, batch_id: str, actions: list[Action]) -> None:
        self._batches[batch_id] = actions
        self._batch_done[batch_id] = asyncio.Event()
        for action in actions:
            self.actions[action.id] = action

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_all(self, actions: list[Action], bodies: list[dict[str, Any] | None]) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        await asyncio.gather(*(self._send(a, b) for a, b in zip(actions, bodies, strict=True)))

    async def _send(self, action: Action, body: dict[str, Any] | None) -> None:
        assert self._slots is not None
        while True:
            async with self._slots:
                if action.state is not State.QUEUED:
                    return  # abandoned (the console is closing) while it waited for a slot
                action.sending = True
                try:
                    op = OPS[action.op]
                    if op.run is not None:  # a heartbeat's write: the answer is the result
                        await op.run(self.client, action.alert_id or "", body)
                        self._move(
                            action,
                            State.SUCCEEDED,
                            f"{action.title} done for {action.label} (the service answered "
                            "at once: nothing to follow)",
                        )
                        return
                    answer = await self.client.send(op.request, action.alert_id, body)
                    if op.synchronous:  # a note: its answer is the result itself
                        self._move(
                            action, State.SUCCEEDED, f"{action.title} done for {action.label}"
                        )
                        return
                    receipt = answer
                    break
                except errors.RateLimited as error:
                    hold = error.retry_after or self.slow_poll_s
                    if hold > self.max_hold_s:
                        self._send_failed(action, error, body)
                        return
                except errors.ApiError as error:
                    self._send_failed(action, error, body)
                    return
                except errors.ReadOnlyError as error:
                    action.reason = str(error)
                    self._move(action, State.FAILED, f"{action.title} not sent: read-only")
                    return
                except Exception as error:  # a bug of ours: the action still ends in a state
                    log.exception("sending %s failed", action.title)
                    action.reason = (
                        f"internal error while sending ({type(error).__name__}: {error}); "
                        "it may or may not have taken effect"
                    )
                    self._move(
                        action, State.UNKNOWN, f"{action.title} for {action.label}: outcome unknown"
                    )
                    return
                finally:
                    action.sending = False
            # Rate limited for longer than the client waits: held, said so, and sent later
            # (a 429 means the service refused it, so sending again cannot duplicate it).
            self._emit(
                ActionEvent(
                    action,
                    State.QUEUED,
                    f"{action.title} for {action.label} held: the service is rate limiting; "
                    f"sending again in {_duration(hold)}",
                    held_s=hold,
                    batch_size=self._size(action),
                    first_hold=self._first_hold(action.batch_id),
                    site=self.site_name,
                )
            )
            await asyncio.sleep(hold)
        action.request_id = receipt.request_id
        action.sent_at = action.followed_since = time.monotonic()
        action.sent_wall = time.time()
        self._move(
            action,
            State.SENT,
            f"{action.title} sent for {action.label} (request {receipt.request_id})",
        )
        self._follow(action)

    def _send_failed(
        self, action: Action, error: errors.ApiError, body: dict[str, Any] | None = None
    ) -> None:
        accepted = error.status is not None and 200 <= error.status < 300
        reached = isinstance(error, errors.TransportError) and error.reached_server
        if accepted or reached or error.may_have_applied:
            # An attempt (perhaps not the last) reached the service, and either no answer
            # came back or the service accepted it with an answer we cannot read: whether it
            # took effect is not known, whatever the last error says. The alert settles it
            # where the effect shows on it.
            if accepted:
                action.reason = (
                    f"the service accepted it ({error.status}) but its answer could not be read "
                    f"({error.message}); it may or may not have taken effect"
                )
            elif reached:
                action.reason = f"{error.message}; it may or may not have taken effect"
            else:
                action.reason = (
                    f"{error}, after an earlier attempt reached the service; "
                    "it may or may not have taken effect"
                )
            checkable = action.alert_id is not None and OPS[action.op].expect is not None
            if checkable:
                self._checking.add(action.id)
                action.reason += "; checking the alert"
            self._move(action, State.UNKNOWN, f"{action.title} for {action.label}: outcome unknown")
            if checkable:
                self._spawn(self._check(action, body, error))
            return
        action.reason = _reason(error)
        self._move(
            action, State.FAILED, f"{action.title} failed for {action.label}: {action.reason}"
        )

    async def _check(
        self, action: Action, body: dict[str, Any] | None, error: errors.ApiError
    ) -> None:
        """Settle an action whose answer was lost by reading its alert: the effect there means
        it was applied. Not seen by the last look (24 s), it
        stays unknown, saying so. A read that fails is tried again at the next look."""
        assert action.alert_id is not None
        op = OPS[action.op]
        started = time.monotonic()
        why = (action.reason or "").removesuffix("; checking the alert")
        try:
            for after in self.check_after_s:
                await asyncio.sleep(max(0.0, started + after - time.monotonic()))
                try:
                    alert = await self.client.get_alert(action.alert_id)
                except errors.NotFound:
                    action.reason = f"{why}; the alert cannot be read (404) to check"
                    self._settle(action, State.UNKNOWN, f"for {action.label}: outcome unknown")
                    return
                except errors.ApiError as failure:
                    log.info("checking %s: %s", action.title, failure)
                    continue
                if op.shows_on(alert, body):
                    action.reason = None
                    self._settle(
                        action,
                        State.SUCCEEDED,
                        f"done for {action.label} (the alert shows it; the service's answer "
                        "was lost)",
                    )
                    return
            # The service applies writes when it gets to them: not seen yet is not "failed".
            action.reason = (
                f"{why}; {self.check_after_s[-1]:g} s later the alert does not show it "
                "(or could not be read)"
            )
            self._settle(action, State.UNKNOWN, f"for {action.label}: outcome unknown")
        finally:
            if action.id in self._checking:  # cancelled: still unknown, and said so
                self._checking.discard(action.id)
                self._maybe_finish_batch(action.batch_id)

    def _settle(self, action: Action, state: State, text: str) -> None:
        self._checking.discard(action.id)
        self._move(action, state, f"{action.title} {text}")
        self._maybe_finish_batch(action.batch_id)

    # ------------------------------------------------------------------ following

    def _follow(self, action: Action) -> None:
        self._seq += 1
        action.seq = self._seq
        self._following[action.id] = action
        delay = max(self.first_poll_s, min(self._typical_s * 0.8, 2.0))
        self._poll_delay[action.id] = delay
        self._next_poll[action.id] = time.monotonic() + delay
        if self._wake is None:
            self._wake = asyncio.Event()
        self._wake.set()
        if self._follower is None or self._follower.done():
            self._follower = asyncio.get_running_loop().create_task(self._run_follower())

    def _unfollow(self, action: Action) -> None:
        self._following.pop(action.id, None)
        self._next_poll.pop(action.id, None)
        self._poll_delay.pop(action.id, None)

    async def _run_follower(self) -> None:
        while True:
            try:
                await self._follow_round()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not strand every followed action: log, go on
                log.exception("the follower failed; carrying on")
                await asyncio.sleep(self.max_poll_s)

    async def _follow_round(self) -> None:
        """Wait for the next due poll, then ask about what is due (oldest first)."""
        assert self._wake is not None
        self._wake.clear()
        if not self._following:
            await self._wake.wait()
            return
        now = time.monotonic()
        due = sorted(
            (a for a in self._following.values() if self._next_poll[a.id] <= now),
            key=lambda a: a.seq,
        )
        if not due:
            wait = min(self._next_poll.values()) - now
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that arrives as the event is set, and aclose() would hang.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            return
        for start in range(0, len(due), self.concurrency):
            chunk = due[start : start + self.concurrency]
            outcomes = await asyncio.gather(*(self._poll(a) for a in chunk))
            # Only an action within its normal time holds the newer ones back; one past
            # its deadline (or resumed after a restart) says nothing about them.
            pending = [
                a
                for a, done in zip(chunk, outcomes, strict=True)
                if not done and a.state is State.SENT and not a.resumed
            ]
            if pending:
                # Writes are processed roughly in arrival order: while an older one is
                # pending, asking about newer ones would only waste requests.
                oldest = min(pending, key=lambda a: a.seq)
                hold = self._next_poll[oldest.id]
                for other in self._following.values():
                    if other.seq > oldest.seq and self._next_poll[other.id] < hold:
                        self._next_poll[other.id] = hold
                return

    async def _poll(self, action: Action) -> bool:
        """Ask once; True when the action left the follower (outcome known, or given up)."""
        assert action.request_id is not None and action.followed_since is not None
        action.polls += 1
        try:
            status = await self.client.request_status(action.request_id)
        except errors.ApiError as error:
            status = None
            action.reason = f"cannot read its outcome: {_reason(error)}"
        except Exception as error:  # never let one poll kill the follower
            log.exception("following %s failed", action.request_id)
            status = None
            action.reason = f"cannot read its outcome: {error}"
        now = time.monotonic()
        if status is not None:
            self._finish(action, status, now)
            return True
        age = now - action.followed_since
        if age >= self.follow_for_s:
            self._unfollow(action)
            action.reason = f"no outcome after {self.follow_for_s / 60:.0f} min; no longer followed"
            self._move(action, State.UNKNOWN, f"{action.title} for {action.label}: {action.reason}")
            return True
        if age >= self.deadline_s and action.state is State.SENT:
            action.reason = (
                action.reason or f"no outcome after {self.deadline_s:g} s; still pending"
            )
            self._move(
                action,
                State.UNKNOWN,
                f"{action.title} for {action.label}: outcome unknown, still pending",
            )
        ceiling = self.slow_poll_s if action.state is State.UNKNOWN else self.max_poll_s
        delay = min(self._poll_delay[action.id] * 2, ceiling)
        self._poll_delay[action.id] = delay
        self._next_poll[action.id] = now + delay
        return False

    def _finish(self, action: Action, status: RequestStatus, now: float) -> None:
        self._unfollow(action)
        if action.sent_at is not None and action.state is State.SENT:
            self._typical_s = 0.8 * self._typical_s + 0.2 * (now - action.sent_at)
        action.result_alert_id = status.alert_id or None
        late = " (late)" if action.state is State.UNKNOWN else ""
        if status.is_success:
            action.reason = None
            text = f"{action.title} done for {action.label}{late}"
            if status.status:
                text += f": {status.status}"
            self._move(action, State.SUCCEEDED, text)
        else:
            action.reason = status.status or "the service reported a failure"
            self._move(
                action,
                State.FAILED,
                f"{action.title} failed for {action.label}{late}: {action.reason}",
            )

    # ------------------------------------------------------------------ states

    def _move(self, action: Action, state: State, text: str) -> None:
        was_settled = action.state in SETTLED
        action.state = state
        if state in FINAL:
            action.finished_at = time.time()
        if self.journal is not None:
            self.journal.record(self.client.site, action)
        if self._moved is not None:
            self._moved.set()
        self._emit(
            ActionEvent(action, state, text, batch_size=self._size(action), site=self.site_name)
        )
        if state in SETTLED and not was_settled:
            self._maybe_finish_batch(action.batch_id)

    def _maybe_finish_batch(self, batch_id: str) -> None:
        actions = self._batches.get(batch_id, [])
        done = self._batch_done.get(batch_id)
        if done is None or done.is_set():
            return
        if any(a.state not in SETTLED or a.id in self._checking for a in actions):
            return  # a lost answer being checked on its alert is not settled yet
        done.set()
        self._finished.append(batch_id)
        self._forget_old_batches()
        op = actions[0].op
        text, counts, failures = summarise(op, actions)
        self._emit(BatchFinished(batch_id, op, counts, text, failures, site=self.site_name))

    def _size(self, action: Action) -> int:
        return len(self._batches.get(action.batch_id, ())) or 1

    def _first_hold(self, batch_id: str) -> bool:
        first = batch_id not in self._held
        self._held.add(batch_id)
        return first

    def _forget_old_batches(self) -> None:
        """A console runs for weeks: past the newest ``keep_batches`` summarised batches, a batch
        whose every action is over (nothing queued, followed or being checked) is forgotten."""
        for _ in range(len(self._finished) - self.keep_batches):
            batch_id = self._finished.popleft()
            actions = self._batches.get(batch_id, [])
            if any(self._still_going(a) for a in actions):
                self._finished.append(batch_id)  # asked about again later
                continue
            for action in actions:
                self.actions.pop(action.id, None)
            self._batches.pop(batch_id, None)
            self._batch_done.pop(batch_id, None)
            self._held.discard(batch_id)

    def _still_going(self, action: Action) -> bool:
        return (
            action.state is State.QUEUED
            or action.id in self._following
            or action.id in self._checking
        )

    # ------------------------------------------------------------------ waiting and stopping

    async def wait_batch(self, batch_id: str) -> list[Action]:
        """Until every action of the batch has an outcome (or is past its deadline)."""
        await self._batch_done[batch_id].wait()
        return list(self._batches[batch_id])

    async def wait_final(self, batch_id: str) -> list[Action]:
        """Until every action of the batch has succeeded or failed (or is no longer followed)."""
        actions = self._batches[batch_id]
        while any(
            a.id in self._following or a.id in self._checking or a.state is State.QUEUED
            for a in actions
        ):
            progress = self._progress()
            progress.clear()
            await progress.wait()
        return list(actions)

    def _progress(self) -> asyncio.Event:
        if self._moved is None:
            self._moved = asyncio.Event()
        return self._moved

    @property
    def pending(self) -> list[Action]:
        """Actions still on their way: queued, being sent, or followed for an outcome. An
        unknown outcome leaves the count when its follow-up window ends."""
        return [
            a
            for a in self.actions.values()
            if a.state is State.QUEUED or a.id in self._following or a.id in self._checking
        ]

    @property
    def unsent(self) -> list[Action]:
        """Queued actions whose request has not left yet (closing now would not send them)."""
        return [a for a in self.actions.values() if a.state is State.QUEUED and not a.sending]

    def abandon_unsent(self) -> int:
        """The console is closing: record every action not sent yet as "not sent" (final, so
        the next start does not report it as unknown). Returns how many."""
        unsent = self.unsent
        for action in unsent:
            action.reason = "the console was closed before sending it; nothing was changed"
            self._move(action, State.NOT_SENT, f"{action.title} for {action.label}: not sent")
        return len(unsent)

    async def finish_sending(self, within: float) -> None:
        """Until no request is on the wire (each has its receipt, so the journal says it was
        sent, or its failure), for at most ``within`` seconds: the console is closing."""
        deadline = time.monotonic() + within
        while any(a.sending for a in self.actions.values()):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            progress = self._progress()
            progress.clear()
            # Short waits: a request held back by a 429 stops sending without a new state.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(left, 0.05)):
                    await progress.wait()

    async def aclose(self) -> None:
        """Stop sending and following. What is pending stays in the journal for the next start."""
        tasks = [*self._tasks, *([self._follower] if self._follower else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._follower = None

    # ------------------------------------------------------------------ resuming

    def resume(self) -> list[str]:
        """Follow up on what the journal says was still pending when the console last stopped.

        Returns the batch ids resumed; each ends with its own BatchFinished summary. Actions of
        another console still running on the same journal are left to it.
        """
        if self.journal is None:
            return []
        # Read and take over under the journal's lock: two consoles starting together never
        # both follow one action (what is taken over is journaled under this run at once).
        with self.journal.locked():
            return self._resume(self.journal)

    def _resume(self, journal: Journal) -> list[str]:
        by_batch: dict[str, list[Action]] = {}
        now = time.time()
        cutoff = now - REQUEST_RETENTION_S
        for entry in journal.orphans(self.client.site).values():
            if entry.state in FINAL or entry.action_id in self.actions:
                continue
            if entry.state is State.UNKNOWN and not entry.request_id:
                continue  # already reported as unknown, with nothing left to ask
            since = entry.sent_at or entry.created_at or entry.at.timestamp()
            if entry.state is State.UNKNOWN and now - since >= self.follow_for_s:
                continue  # its follow-up window ended: reported then, not again at every start
            action = Action(
                id=entry.action_id,
                batch_id=entry.batch_id,
                op=entry.op,
                alert_id=entry.alert_id,
                label=entry.label,
                summary=entry.summary,
                # Followed again from scratch: SENT until an outcome, or the deadline, comes.
                state=State.SENT,
                request_id=entry.request_id,
                created_at=entry.created_at or entry.at.timestamp(),
                sent_wall=entry.sent_at,
                resumed=True,
            )
            by_batch.setdefault(entry.batch_id, []).append(action)
        for batch_id, actions in by_batch.items():
            self._register(batch_id, actions)
            for action in actions:
                if action.request_id is None:
                    action.reason = (
                        "the console stopped before the service confirmed it; check the alert"
                    )
                    self._move(
                        action, State.UNKNOWN, f"{action.title} for {action.label}: {action.reason}"
                    )
                elif action.created_at < cutoff:
                    action.reason = (
                        "too old to follow: the service keeps request outcomes for a day"
                    )
                    self._move(
                        action, State.UNKNOWN, f"{action.title} for {action.label}: {action.reason}"
                    )
                else:
                    # Its age counts from when it was sent, not from this start: a restart
                    # never gives an action a new follow-up window.
                    age = max(0.0, time.time() - (action.sent_wall or action.created_at))
                    action.sent_at = action.followed_since = time.monotonic() - age
                    self._emit(
                        ActionEvent(
                            action,
                            action.state,
                            f"{action.title} for {action.label}: following up after a restart",
                            batch_size=self._size(action),
                            site=self.site_name,
                        )
                    )
                    journal.record(self.client.site, action)  # ours to follow from now on
                    self._follow(action)
        return list(by_batch)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def _reason(error: errors.ApiError) -> str:
    if isinstance(error, errors.RateLimited):
        return "rate limited by the service; gave up retrying"
    return str(error)


class TrackerSet:
    """The trackers of several sites, seen as one by the screens: each action goes to its
    alert's own site (:meth:`for_site`), with that site's credentials; what is pending, unsent
    or journaled is every site's. A read-only site stays read-only in the mix."""

    def __init__(self, trackers: Sequence[ActionTracker]) -> None:
        self.trackers = list(trackers)
        self.by_site = {t.site_name: t for t in self.trackers}

    def for_site(self, site: str) -> ActionTracker:
        return self.by_site.get(site, self.trackers[0])

    @property
    def read_only(self) -> bool:
        """Nothing can be sent anywhere (each site says for itself otherwise)."""
        return all(t.read_only for t in self.trackers)

    @read_only.setter
    def read_only(self, value: bool) -> None:
        if value:
            for tracker in self.trackers:
                tracker.read_only = True

    @property
    def journal(self) -> Journal | None:
        return self.trackers[0].journal

    @property
    def actions(self) -> dict[str, Action]:
        return {k: a for t in self.trackers for k, a in t.actions.items()}

    @property
    def pending(self) -> list[Action]:
        return [a for t in self.trackers for a in t.pending]

    @property
    def unsent(self) -> list[Action]:
        return [a for t in self.trackers for a in t.unsent]

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        stops = [t.subscribe(listener) for t in self.trackers]

        def stop() -> None:
            for each in stops:
                each()

        return stop

    def validate(self, op: str, data: Mapping[str, Any] | None) -> None:
        self.trackers[0].validate(op, data)

    def submit(
        self,
        op: str,
        targets: Sequence[tuple[str | None, str]],
        data: Mapping[str, Any] | None = None,
        *,
        summary: str = "",
    ) -> str:
        """Without a site: the first site's (a create from a multi-site view, say)."""
        return self.trackers[0].submit(op, targets, data, summary=summary)

    def abandon_unsent(self) -> int:
        return sum(t.abandon_unsent() for t in self.trackers)

    async def finish_sending(self, within: float) -> None:
        await asyncio.gather(*(t.finish_sending(within) for t in self.trackers))

    def resume(self) -> list[str]:
        return [b for t in self.trackers for b in t.resume()]

    async def aclose(self) -> None:
        for tracker in self.trackers:
            await tracker.aclose()
