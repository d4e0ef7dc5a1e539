"""The system packages step (``scripts/system-deps.sh``, ``make system-deps``), no server.

``make demo`` and ``make test`` must reach the step before anything else
(``make -n`` in a copy of the Makefile, no venv yet); the script, run with a
PATH of fake tools, installs nothing when all is there, prints the exact
``sudo apt-get install -y ...`` line and stops without running apt-get when
something is missing and it is not root (``SYSTEM_DEPS_EUID`` stands for the
user id), and as root runs apt-get (a fake that records its arguments).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "system-deps.sh"
BASH = shutil.which("bash") or "/bin/bash"
BASE = ["openjdk-17-jre-headless", "maven"]
BROWSER = ["chromium", "chromium-driver"]


# --- the Makefile ------------------------------------------------------------------------------

@pytest.fixture
def fresh_copy(tmp_path) -> Path:
    """The Makefile, pyproject.toml and scripts/ in a folder without a venv or stamps."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "scripts", tmp_path / "scripts")
    return tmp_path


def dry_run(folder: Path, *args: str) -> list[str]:
    """The commands ``make -n ARGS`` would run, one per line."""
    # not the flags of a make this test may run under (make test)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    proc = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [line.rstrip() for line in proc.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("target, flags", [("demo", ""), ("test", " --tests"),
                                           ("test-slow", " --tests"), ("neo4j", ""),
                                           ("install", ""), ("bench", "")])
@pytest.mark.parametrize("jobs", [[], ["-j4"]], ids=["serial", "parallel"])
def test_targets_reach_system_deps_first(fresh_copy, target, flags, jobs):
    lines = dry_run(fresh_copy, *jobs, target)
    step = f"bash scripts/system-deps.sh{flags}"
    assert lines[0].endswith(step), lines
    assert sum("system-deps.sh" in line for line in lines) == 1, lines
    if target not in ("install",):
        # the venv is made after it (the stamp is absent in the copy)
        assert any(" -m venv " in line for line in lines[1:]), lines


def test_test_targets_select_the_slow_marker(fresh_copy):
    (test_cmd,) = [line for line in dry_run(fresh_copy, "test") if "pytest" in line]
    (slow_cmd,) = [line for line in dry_run(fresh_copy, "test-slow") if "pytest" in line]
    assert "-m 'not slow'" in test_cmd or '-m "not slow"' in test_cmd
    assert "-m slow" in slow_cmd and "not slow" not in slow_cmd


def test_ci_uses_the_same_script():
    run = (REPO / ".ci" / "run").read_text()
    assert "scripts/system-deps.sh --tests" in run
    assert "apt-get" not in run


# --- the script ----------------------------------------------------------------------------------

def fake_tool(folder: Path, name: str, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def java_saying(version: str) -> str:
    # java -version writes to stderr
    return f"echo 'openjdk version \"{version}\" 2025-04-15' >&2"


@pytest.fixture
def bin_dir(tmp_path) -> Path:
    """A PATH folder with a fake apt-get that records its arguments (and,
    asked to install, puts there the fake tools of the packages it was given)."""
    folder, pool = tmp_path / "bin", tmp_path / "pool"
    folder.mkdir()
    pool.mkdir()
    tools = {"openjdk-17-jre-headless": ("java", java_saying("17.0.15")),
             "maven": ("mvn", "exit 0"), "chromium": ("chromium", "exit 0"),
             "chromium-driver": ("chromedriver", "exit 0"), "make": ("make", "exit 0"),
             "python3-venv": ("python3", "exit 0")}
    for package, (tool, body) in tools.items():
        fake_tool(pool, package, body)
    fake_tool(folder, "apt-get", f"""echo "$@" >> {tmp_path / 'apt.log'}
[ "$1" = install ] || exit 0
for p in "$@"; do
  case "$p" in
""" + "\n".join(f"    {package}) /bin/cp {pool / package} {folder / tool} ;;"
                 for package, (tool, _) in tools.items()) + """
  esac
done""")
    return folder


def everything(folder: Path, java: str = "17.0.15", browser: bool = True) -> None:
    fake_tool(folder, "java", java_saying(java))
    for name in ("mvn", "make", "python3") + (("chromium", "chromedriver") if browser else ()):
        fake_tool(folder, name)


def run_script(folder: Path, *args: str, euid: int) -> subprocess.CompletedProcess:
    env = {"PATH": str(folder), "SYSTEM_DEPS_EUID": str(euid), "HOME": str(folder)}
    return subprocess.run([BASH, str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=60)


def apt_calls(folder: Path) -> list[str]:
    log = folder.parent / "apt.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize("euid", [0, 1000])
@pytest.mark.parametrize("args", [(), ("--tests",)])
def test_nothing_to_do_when_all_is_there(bin_dir, euid, args):
    everything(bin_dir)
    proc = run_script(bin_dir, *args, euid=euid)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == proc.stderr == ""
    assert apt_calls(bin_dir) == []


def test_browser_only_checked_for_tests(bin_dir):
    everything(bin_dir, browser=False)
    assert run_script(bin_dir, euid=1000).returncode == 0
    proc = run_script(bin_dir, "--tests", euid=1000)
    assert proc.returncode == 1
    assert "    sudo apt-get install -y chromium chromium-driver\n" in proc.stderr


@pytest.mark.parametrize("args, packages", [((), BASE), (("--tests",), BASE + BROWSER)])
def test_not_root_prints_the_command_and_stops(bin_dir, args, packages):
    fake_tool(bin_dir, "make")
    fake_tool(bin_dir, "python3")
    proc = run_script(bin_dir, *args, euid=1000)
    assert proc.returncode == 1
    assert f"    sudo apt-get install -y {' '.join(packages)}\n" in proc.stderr
    assert "no java" in proc.stderr and "no mvn" in proc.stderr
    assert apt_calls(bin_dir) == []
    assert not (bin_dir / "java").exists()


def test_old_java_counts_as_missing(bin_dir):
    everything(bin_dir, java="11.0.2")
    proc = run_script(bin_dir, "--tests", euid=1000)
    assert proc.returncode == 1
    assert "    sudo apt-get install -y openjdk-17-jre-headless\n" in proc.stderr
    assert "java 11 (Neo4j needs 17+)" in proc.stderr
    fake_tool(bin_dir, "java", java_saying("1.8.0_402"))
    assert "java 8 (Neo4j needs 17+)" in run_script(bin_dir, euid=1000).stderr
    fake_tool(bin_dir, "java", java_saying("21"))
    assert run_script(bin_dir, euid=1000).returncode == 0


def test_python_without_venv_module(bin_dir):
    everything(bin_dir)
    fake_tool(bin_dir, "python3", "exit 1")      # import ensurepip fails, as on bare Debian
    proc = run_script(bin_dir, euid=1000)
    assert proc.returncode == 1
    assert "    sudo apt-get install -y python3-venv\n" in proc.stderr


def test_root_installs_with_apt_get(bin_dir):
    fake_tool(bin_dir, "make")
    fake_tool(bin_dir, "python3")
    proc = run_script(bin_dir, "--tests", euid=0)
    assert proc.returncode == 0, proc.stderr
    assert apt_calls(bin_dir) == ["update -qq",
                                  "install -y -qq " + " ".join(BASE + BROWSER)]
    # and the next run only looks
    assert run_script(bin_dir, "--tests", euid=0).returncode == 0
    assert len(apt_calls(bin_dir)) == 2


def test_root_fails_if_java_is_still_old_after_install(bin_dir):
    everything(bin_dir, java="11.0.2")
    apt = bin_dir / "apt-get"
    apt.write_text(f"#!/bin/sh\necho \"$@\" >> {bin_dir.parent / 'apt.log'}\n")
    proc = run_script(bin_dir, euid=0)
    assert proc.returncode == 1
    assert "still missing" in proc.stderr and "update-alternatives" in proc.stderr


def test_unknown_option(bin_dir):
    assert run_script(bin_dir, "--browser", euid=1000).returncode == 2
