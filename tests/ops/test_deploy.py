"""docs/deploy: the systemd units pass `systemd-analyze verify` (and its offline
security review), and the container recipe says what a council's platform team
checks first: non-root, state in a volume, a health check. Built where a container
builder with a reachable base image exists; skipped, saying why, where not."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

DEPLOY = ROOT / "docs" / "deploy"
UNITS = ("mailbot.service", "mailbot-once.service", "mailbot-once.timer")
INSTALLED = "/opt/mailbot/venv/bin/mailbot"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(SYSTEMD_ANALYZE is None,
                                   reason="systemd-analyze is not installed here")


def units_here(tmp_path: Path) -> list[Path]:
    """The units as shipped, but pointing at this checkout's mailbot: `verify` checks
    that ExecStart= names an executable, and /opt/mailbot is not installed here."""
    here = Path(sys.executable).parent / "mailbot"
    assert here.exists(), f"{here}: mailbot's console script (scripts/setup installs it)"
    copies = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        (tmp_path / name).write_text(text.replace(INSTALLED, str(here)))
        copies.append(tmp_path / name)
    return copies


@needs_systemd
def test_the_units_pass_systemd_analyze_verify_without_a_warning(tmp_path: Path) -> None:
    assert SYSTEMD_ANALYZE is not None
    ran = subprocess.run([SYSTEMD_ANALYZE, "verify", *map(str, units_here(tmp_path))],
                         capture_output=True, text=True, check=False)
    # verify exits 0 on a line it could not parse and only warns: any output is a fault
    assert (ran.returncode, ran.stdout + ran.stderr) == (0, "")


@needs_systemd
def test_the_service_is_rated_ok_by_systemd_s_offline_security_review(tmp_path: Path) -> None:
    assert SYSTEMD_ANALYZE is not None
    service = units_here(tmp_path)[0]
    ran = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=true", str(service)],
                         capture_output=True, text=True, check=False)
    level = re.search(r"Overall exposure level for mailbot\.service: ([\d.]+) (\w+)", ran.stdout)
    assert level, ran.stdout[-1000:] + ran.stderr
    assert float(level.group(1)) <= 2.0 and level.group(2) == "OK", level.group(0)


def test_the_service_runs_as_its_own_user_with_a_private_state_folder() -> None:
    unit = (DEPLOY / "mailbot.service").read_text()
    for line in ("User=mailbot", "StateDirectory=mailbot", "StateDirectoryMode=0700", "UMask=0077",
                 "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                 "PrivateDevices=yes", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                 "SystemCallFilter=@system-service", "Restart=on-failure",
                 f"ExecStart={INSTALLED} run --state /var/lib/mailbot "
                 "--config /etc/mailbot/routing.yaml"):
        assert line in unit.splitlines(), f"mailbot.service lacks {line}"
    assert "LoadCredential=" in unit, "secrets come as systemd credentials"


def test_the_container_runs_as_a_non_root_user_with_state_in_a_volume() -> None:
    recipe = (DEPLOY / "Containerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim$", recipe, re.M)
    assert re.search(r"^USER mailbot$", recipe, re.M), "not root"
    assert 'VOLUME ["/var/lib/mailbot"]' in recipe
    assert re.search(r"^HEALTHCHECK .*\n\s+CMD \[.*\"health\"", recipe, re.M)
    assert "/etc/mailbot:/etc/mailbot:ro" in recipe, "the configuration is mounted read-only"
    # what the recipe copies exists, and the command it runs is mailbot's own
    for source in re.findall(r"^COPY (.+) \./?\S*$", recipe, re.M):
        for name in source.split():
            assert (ROOT / name).exists(), f"Containerfile copies {name}, which is not in the checkout"


def test_the_container_keeps_mailbots_bytecode_made_at_build(tmp_path: Path) -> None:
    """PYTHONDONTWRITEBYTECODE in the image: the .pyc files are made once, at build (issue
    12: every command compiled mailbot's modules again, about 0.1 s). The recipe's own
    step, run here into a cache of its own, compiles every module."""
    recipe = (DEPLOY / "Containerfile").read_text()
    step = re.search(r"(/opt/mailbot/venv/bin/python) -m compileall -q (/opt/mailbot/mailbot)$",
                     recipe, re.M)
    assert step and "PYTHONDONTWRITEBYTECODE=1" in recipe
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "pyc")}
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "mailbot")],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    made = list((tmp_path / "pyc").rglob("*.pyc"))
    assert len(made) >= len(list((ROOT / "mailbot").rglob("*.py")))


def _docker_daemon() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "docker is not installed here"
    info = subprocess.run([docker, "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        return "no docker daemon runs here (" + (info.stderr.strip().splitlines() or ["?"])[-1] + ")"
    return None


def test_the_container_builds(tmp_path: Path) -> None:
    why = _docker_daemon()
    if why:
        pytest.skip(why)
    ran = subprocess.run(["docker", "build", "-q", "-f", str(DEPLOY / "Containerfile"),
                          "-t", "mailbot-test", str(ROOT)],
                         capture_output=True, text=True, timeout=1800, check=False)
    if ran.returncode != 0 and re.search(r"pull|registry|resolve|timeout|network", ran.stderr, re.I):
        pytest.skip("the base image cannot be fetched from here: " + ran.stderr.strip()[-300:])
    assert ran.returncode == 0, ran.stderr[-3000:]
