"""Start, stop and inspect a local Neo4j server instance, and run neo4j-admin."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import Neo4jServerError, PortInUseError
from .install import check_java, require_installed
from .settings import DEFAULT_INSTANCE, InstanceSettings, read_connection

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_ENTRY_POINT = "org.neo4j.cli.AdminTool"
_JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
]


@dataclass
class ServerStatus:
    """What :func:`status` found."""

    instance: str
    running: bool
    pid: int | None
    bolt_uri: str
    http_url: str
    answering: bool

    def describe(self) -> str:
        if not self.running:
            return f"instance {self.instance!r}: not running (start: connectograph neo4j start)"
        state = "answering" if self.answering else "starting (Bolt not answering yet)"
        return (f"instance {self.instance!r}: running, pid {self.pid}, {state}\n"
                f"  Bolt:    {self.bolt_uri}\n  Browser: {self.http_url}/browser/")


def _saved_settings_file(name: str) -> Path:
    return InstanceSettings(name=name).root / "instance.json"


def load_settings(name: str = DEFAULT_INSTANCE, **overrides) -> InstanceSettings:
    """Settings of an instance: saved ones if it exists, updated by ``overrides``
    (ignoring None values)."""
    saved: dict = {}
    path = _saved_settings_file(name)
    if path.exists():
        saved = json.loads(path.read_text())
    saved.update({k: v for k, v in overrides.items() if v is not None})
    saved["name"] = name
    return InstanceSettings(**saved)


def _classpath() -> str:
    home = require_installed()
    return f"{home / 'plugins'}/*:{home / 'lib'}/*"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback TCP port that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited child not yet reaped) is not alive.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True


def _read_pid(settings: InstanceSettings) -> int | None:
    try:
        pid = int(settings.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def _bolt_answers(settings: InstanceSettings) -> bool:
    import neo4j
    conn = read_connection(settings)
    if conn is None:
        return False
    try:
        with neo4j.GraphDatabase.driver(conn["uri"], auth=(conn["username"], conn["password"]),
                                        connection_timeout=2) as driver:
            driver.verify_connectivity()
        return True
    except Exception:
        return False


def run_admin(args: list[str], settings: InstanceSettings | None = None,
              capture: bool = True, secrets_in_args: tuple[str, ...] = ()
              ) -> subprocess.CompletedProcess:
    """Run ``neo4j-admin ARGS`` for an instance (e.g. ``["database", "import", "full", ...]``).

    Parameters
    ----------
    secrets_in_args
        Values among ``args`` (e.g. a password) that must never appear in an
        error message; they are replaced by ``***``.

    Raises
    ------
    Neo4jServerError
        If neo4j-admin exits with an error (its output, with secrets redacted,
        is in the message).
    """
    settings = settings or load_settings()
    check_java()
    env = dict(os.environ, NEO4J_HOME=str(settings.root), NEO4J_CONF=str(settings.conf_dir))
    cmd = ["java", f"-Xmx{settings.heap}", "-cp", _classpath(), ADMIN_ENTRY_POINT, *args]
    proc = subprocess.run(cmd, env=env, capture_output=capture, text=True)
    if proc.returncode != 0:
        out = ((proc.stdout or "") + (proc.stderr or "")).strip()
        shown = " ".join(args[:3])
        for secret in secrets_in_args:
            out, shown = out.replace(secret, "***"), shown.replace(secret, "***")
        raise Neo4jServerError(f"neo4j-admin {shown} failed:\n{out[-2000:]}")
    return proc


def configure(settings: InstanceSettings) -> None:
    """Write the instance's folders, ``neo4j.conf`` and, on first use, a
    generated password (set with ``neo4j-admin dbms set-initial-password``
    before the first start and stored in ``connection.json``, mode 600)."""
    for sub in ("conf", "data", "logs", "run", "import", "no-file-import"):
        (settings.root / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(settings.root, 0o700)
    (settings.conf_dir / "neo4j.conf").write_text(settings.neo4j_conf())
    saved = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    _saved_settings_file(settings.name).write_text(json.dumps(saved, indent=2))
    conn = read_connection(settings)
    if conn is None:
        # Hex only: a URL-safe token may start with "-", which neo4j-admin
        # then parses as an option and fails ("Missing required parameter").
        password = secrets.token_hex(16)
        run_admin(["dbms", "set-initial-password", password], settings,
                  secrets_in_args=(password,))
        conn = {"uri": settings.bolt_uri, "username": "neo4j", "password": password}
    conn["uri"] = settings.bolt_uri
    fd = os.open(settings.connection_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(conn, f)
    os.chmod(settings.connection_file, 0o600)


def status(name: str = DEFAULT_INSTANCE) -> ServerStatus:
    """Whether the instance runs and answers on Bolt."""
    settings = load_settings(name)
    pid = _read_pid(settings)
    return ServerStatus(instance=name, running=pid is not None, pid=pid,
                        bolt_uri=settings.bolt_uri,
                        http_url=f"http://127.0.0.1:{settings.http_port}",
                        answering=pid is not None and _bolt_answers(settings))


def check_ports(settings: InstanceSettings) -> None:
    """Raise PortInUseError if another process holds the instance's Bolt or HTTP port
    (only meaningful while the instance itself is stopped)."""
    for label, port in (("Bolt", settings.bolt_port), ("HTTP", settings.http_port)):
        if not _port_free(port):
            raise PortInUseError(
                f"{label} port {port} on 127.0.0.1 is already in use by another process; stop it, "
                f"or choose another port (connectograph neo4j start --{label.lower()}-port N)")


def start(name: str = DEFAULT_INSTANCE, *, bolt_port: int | None = None,
          http_port: int | None = None, heap: str | None = None, pagecache: str | None = None,
          timeout: float = 180.0, echo=print) -> ServerStatus:
    """Start an instance (configuring it on first use) and wait until Bolt answers.

    Parameters
    ----------
    name : str
        Instance name; ``default`` serves the demo, ``test`` the test suite.
    bolt_port, http_port : int, optional
        Loopback ports (default 7687/7474 or the instance's saved ones).
    heap, pagecache : str, optional
        Memory sizes such as ``"2g"``; default sized for the machine.
    timeout : float
        Seconds to wait for Bolt.

    Raises
    ------
    ServerNotInstalledError
        Neo4j is not installed ('connectograph neo4j install').
    PortInUseError
        Another process holds one of the ports.
    Neo4jServerError
        The server exited or did not answer in time (the log's tail is shown).
    """
    settings = load_settings(name, bolt_port=bolt_port, http_port=http_port,
                             heap=heap, pagecache=pagecache)
    current = status(name)
    if current.running:
        if not current.answering:
            _wait_for_bolt(settings, current.pid, timeout)
        echo(f"Neo4j instance {name!r} already running at {settings.bolt_uri}")
        return status(name)
    check_java()
    classpath = _classpath()
    check_ports(settings)
    configure(settings)
    settings.log_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["java", f"-Xms{settings.heap}", f"-Xmx{settings.heap}", *_JVM_FLAGS,
           "-cp", classpath, ENTRY_POINT, f"--home-dir={settings.root}",
           f"--config-dir={settings.conf_dir}", "--console-mode"]
    echo(f"Starting Neo4j instance {name!r} (heap {settings.heap}, page cache "
         f"{settings.pagecache}) on {settings.bolt_uri} ...")
    with open(settings.log_file, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                cwd=settings.root)
    settings.pid_file.write_text(str(proc.pid))
    _wait_for_bolt(settings, proc.pid, timeout)
    echo(f"Neo4j is up: Bolt {settings.bolt_uri}, Browser "
         f"http://127.0.0.1:{settings.http_port}/browser/")
    return status(name)


def _log_tail(settings: InstanceSettings, lines: int = 25) -> str:
    try:
        text = settings.log_file.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text[-lines:])


def _wait_for_bolt(settings: InstanceSettings, pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            raise Neo4jServerError(
                f"Neo4j exited during start-up; the end of {settings.log_file}:\n"
                + _log_tail(settings))
        if _bolt_answers(settings):
            return
        time.sleep(0.5)
    raise Neo4jServerError(
        f"Neo4j did not answer on {settings.bolt_uri} within {timeout:.0f} s; the end of "
        f"{settings.log_file}:\n" + _log_tail(settings))


def stop(name: str = DEFAULT_INSTANCE, timeout: float = 60.0, echo=print) -> bool:
    """Stop an instance (SIGTERM, then SIGKILL after ``timeout``). Returns
    True if a server was running."""
    settings = load_settings(name)
    pid = _read_pid(settings)
    if pid is None:
        echo(f"Neo4j instance {name!r} is not running")
        settings.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.3)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    settings.pid_file.unlink(missing_ok=True)
    echo(f"Stopped Neo4j instance {name!r}")
    return True


def fresh_instance(name: str, *, heap: str | None = None, pagecache: str | None = None,
                   start_server: bool = True) -> InstanceSettings:
    """Wipe the instance ``name`` (server stopped, folder deleted) and set it up
    again on free loopback ports: started, or with ``start_server=False`` only
    configured (no database exists until its first start). For benchmarks and
    tests that need a throw-away server of their own.

    Returns
    -------
    InstanceSettings
        The new instance's settings (``read_connection`` gives its credentials).
    """
    import shutil

    from .install import install
    quiet = lambda s: None  # noqa: E731
    stop(name, echo=quiet)
    shutil.rmtree(InstanceSettings(name=name).root, ignore_errors=True)
    install(echo=quiet)
    ports = dict(bolt_port=free_port(), http_port=free_port(), heap=heap, pagecache=pagecache)
    if start_server:
        start(name, **ports, echo=quiet)
    else:
        configure(load_settings(name, **ports))
    return load_settings(name)
