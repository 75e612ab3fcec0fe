"""Starting the simulator: the command line, the state file, live mode, determinism."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from console.simulator.server import BackgroundSimulator, describe
from tests.conftest import ACCOUNT
from tests.helpers import create, eventually, write


def test_the_state_file_keeps_alerts_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "sim-state.json"
    with (
        BackgroundSimulator(alerts=5, state_file=state, processing_delay_ms=10) as sim,
        httpx.Client(base_url=sim.base_url, auth=ACCOUNT) as api,
    ):
        alert = create(api, message="survives a restart", alias="keep-me", tags=["kept"])
        write(api, "POST", f"/v1/alerts/{alert['id']}/acknowledge")
        api.post(f"/v1/alerts/{alert['id']}/notes", json={"note": "remember me"})
    assert state.exists()
    with (
        BackgroundSimulator(alerts=5, state_file=state, processing_delay_ms=10) as sim,
        httpx.Client(base_url=sim.base_url, auth=ACCOUNT) as api,
    ):
        again = api.get(f"/v1/alerts/{alert['id']}").json()
        assert again["message"] == "survives a restart"
        assert again["acknowledged"] is True and again["tags"] == ["kept"]
        assert api.get("/v1/alerts").json()["count"] == 6
        assert (
            api.get(f"/v1/alerts/{alert['id']}/notes").json()["values"][0]["note"] == "remember me"
        )
        # Dedup and tiny ids carry on where they were.
        newer = create(api, message="after restart")
        assert int(newer["tinyId"]) > int(again["tinyId"])
        status = write(
            api, "POST", "/v1/alerts", {"message": "again", "alias": "keep-me"}, expect=200
        )
        assert status["alertId"] == alert["id"]


def test_the_same_seed_gives_the_same_site() -> None:
    def snapshot(seed: int) -> list[tuple[str, str, str]]:
        with (
            BackgroundSimulator(alerts=30, seed=seed) as sim,
            httpx.Client(base_url=sim.base_url, auth=ACCOUNT) as api,
        ):
            values = api.get("/v1/alerts", params={"size": 100}).json()["values"]
            return [(a["tinyId"], a["message"], a["priority"]) for a in values]

    assert snapshot(11) == snapshot(11)
    assert snapshot(11) != snapshot(12)


def test_live_mode_makes_the_site_move() -> None:
    with (
        BackgroundSimulator(alerts=30, live=True, live_interval_s=0.05) as sim,
        httpx.Client(base_url=sim.base_url, auth=ACCOUNT) as api,
    ):
        first = {
            a["id"]: (a["count"], a["status"])
            for a in api.get("/v1/alerts", params={"size": 100}).json()["values"]
        }

        def moved() -> bool:
            page = api.get("/v1/alerts", params={"size": 100}).json()
            now = {a["id"]: (a["count"], a["status"]) for a in page["values"]}
            return page["count"] > 30 or any(now.get(k, v) != v for k, v in first.items())

        assert eventually(moved, timeout=10, interval=0.1)


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "console", "simulate", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_simulate_prints_its_url_and_credentials_and_serves() -> None:
    process = _start("--alerts", "12", "--seed", "4", "--cloud-id", "site-1", "--token", "s3cret")
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(7)]
        origin = lines[0].rsplit(" ", 1)[1].strip()
        assert origin.startswith("http://127.0.0.1:")
        text = "".join(lines)
        assert f"{origin}/jsm/ops/api/site-1/v1/alerts" in text
        assert "demo@example.com / s3cret" in text
        assert "viewer@example.com / viewer-token" in text
        response = httpx.get(
            f"{origin}/jsm/ops/api/site-1/v1/alerts", auth=("demo@example.com", "s3cret")
        )
        assert response.status_code == 200 and response.json()["count"] == 12
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0


def test_bad_command_line_input_is_one_clear_sentence() -> None:
    for args, words in [
        (["--faults", "error_rate=2"], "error_rate must be between 0 and 1"),
        (["--faults", "chaos=1"], "unknown fault 'chaos'"),
        (["--rate-limit", "reads"], "--rate-limit takes key=value pairs"),
        (["--alerts", "-1"], "--alerts must be between"),
        (["--handover-in", "-5"], "--handover-in must be between 0 and 604800 seconds"),
        (["--heartbeat-silent-after", "nan"], "--heartbeat-silent-after must be between 0"),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "console", "simulate", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 2, result
        assert result.stderr.startswith("alert-console: ")
        assert words in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_port_in_use_is_one_clear_sentence() -> None:
    with BackgroundSimulator(alerts=1) as sim:
        result = subprocess.run(
            [sys.executable, "-m", "console", "simulate", "--port", str(sim.port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert "cannot serve on 127.0.0.1" in result.stderr and "Traceback" not in result.stderr


def test_a_damaged_state_file_is_one_sentence(tmp_path: Path) -> None:
    """A --state file is read bounded, as every file we read: deep nesting, a number that is
    not finite, or another shape is one sentence naming the file and exit status 2."""
    from tests.corpus import DEEP_JSON

    cases = {
        "deep.json": DEEP_JSON,
        "infinite.json": '{"format": 1, "alerts": [], "directory": [], "next_tiny": Infinity}',
        "shape.json": '{"format": 1, "alerts": [{"id": 3}], "directory": []}',
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        result = subprocess.run(
            [sys.executable, "-m", "console", "simulate", "--port", "0", "--state", str(path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 2, (name, result.stderr[-400:])
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1 and str(path) in result.stderr, result.stderr


def test_the_banner_gives_the_ping_that_brings_the_demos_heartbeat_back() -> None:
    """The curl line the simulator prints works as printed: its credentials, its URL."""
    with BackgroundSimulator(alerts=1, live=True, live_interval_s=3600) as sim:
        line = next(
            x for x in describe(sim.config, sim.port, sim.simulator).splitlines() if "curl" in x
        )
        assert "(silent from a few minutes after the start)" in line
        words = shlex.split(line.split(":", 1)[1])
        assert words[:2] == ["curl", "-u"]
        email, token = words[2].split(":")
        response = httpx.get(words[3], auth=(email, token))
        assert response.status_code == 202, response.text
        # It reached the heartbeat (a ping for a name or team nobody has is 202 as well).
        assert sim.stats()["requests"]["heartbeat_pings"] == 1
        assert sim.admin("heartbeats")["pings_unmatched"] == 0


def test_no_heartbeats_on_the_command_line_is_402() -> None:
    process = _start("--alerts", "1", "--no-heartbeats")
    try:
        assert process.stdout is not None
        origin = process.stdout.readline().rsplit(" ", 1)[1].strip()
        base = f"{origin}/jsm/ops/api/demo/v1"
        team = httpx.get(f"{base}/teams", auth=ACCOUNT).json()["platformTeams"][0]["teamId"]
        response = httpx.get(f"{base}/teams/{team}/heartbeats", auth=ACCOUNT)
        assert response.status_code == 402
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
