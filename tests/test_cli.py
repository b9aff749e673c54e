"""The commands `make run` uses, end to end: seed, show, serve, and a login from the sample."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from mosaic.adapters.embedded.documents import SqliteDocumentStore
from mosaic.ports.documents import Container
from tests.commands import run_module

ROOT = Path(__file__).resolve().parents[1]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOSAIC_")}
    return env | {"MOSAIC_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}


def _mosaic(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_module("mosaic", *args, env=env)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read_until(stream, marker: str) -> str:
    """Lines of the server's output up to the one holding `marker` (bounded)."""
    lines: list[str] = []
    for _ in range(50):
        lines.append(stream.readline())
        if marker in lines[-1]:
            break
    return "".join(lines)


def _wait_until_digital(env: dict[str, str]) -> None:
    """The host works through the seed's import: every sample member becomes digital, and
    `demo show` then lists its dynamic vouchers (a list, where None meant not digital)."""
    deadline = time.monotonic() + 30
    while True:
        shown = json.loads(_mosaic(env, "demo", "show", "--per-program", "1").stdout)
        members = [m for p in shown["programs"] for m in p["members"]]
        if all(m["dynamicVouchers"] is not None for m in members):
            break
        assert time.monotonic() < deadline, "the seed's import did not finish"
        time.sleep(0.5)
    assert any(member["dynamicVouchers"] for member in members)
    for member in members:
        for voucher in member["dynamicVouchers"]:
            assert len(voucher["code"]) == 6
            assert voucher["hotel"]  # a hotel code, or "network" as for static vouchers
            assert voucher["status"] in {"available", "redeemed", "expired", "cancelled"}
            assert voucher["validFrom"] <= voucher["validTo"]


def test_seed_show_serve_and_log_in_with_a_sample_member(tmp_path):
    env = _env(tmp_path / "data")
    seeded = _mosaic(env, "demo", "seed", "--members", "90", "--seed", "11")
    assert seeded.returncode == 0, seeded.stderr
    assert "seeded 90 members (seed 11" in seeded.stdout
    assert "program documents refreshed: " in seeded.stdout
    assert ": 90 memberships queued for their refresh" in seeded.stdout
    assert _mosaic(env, "demo", "seed", "--members", "90", "--if-empty").returncode == 0
    assert _mosaic(env, "demo", "seed", "--members", "90").returncode == 2

    shown = _mosaic(env, "demo", "show", "--per-program", "1")
    assert shown.returncode == 0, shown.stderr
    sample = json.loads(shown.stdout)
    assert sample["seed"] == 11
    program = sample["programs"][0]
    member = program["members"][0]

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mosaic", "serve", "--port", str(port), "--no-timers"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(60, server.kill)  # a silent hang must not block the suite
    watchdog.start()
    try:
        assert server.stdout is not None
        banner = _read_until(server.stdout, "Log in:")
        assert f"serving on http://127.0.0.1:{port}/api" in banner
        assert f'"activationCode": "{member["activationCode"]}"' in banner  # a real login
        body = {"program": program["code"], "activationCode": member["activationCode"]}
        deadline = time.monotonic() + 10
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/api/mobile/login", json=body)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the host did not answer"
                time.sleep(0.1)
        assert response.status_code == 200, response.text
        assert response.json()["membership"]["membershipNumber"] == member["membershipNumber"]
        _wait_until_digital(env)
        store = SqliteDocumentStore(tmp_path / "data" / "documents.sqlite")
        content = store.read(Container.PROGRAMS, program["code"], program["code"]).body["content"]
        assert {h["code"] for h in program["hotels"]} <= {
            h["code"] for h in content["app"]["hotels"]
        }
        store.close()
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait(10)
