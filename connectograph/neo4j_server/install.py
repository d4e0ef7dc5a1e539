"""Install a pinned Neo4j 5.26 LTS server and APOC core from Maven artifacts.

Neo4j publishes its server as Maven artifacts (``org.neo4j:neo4j``,
``org.neo4j.app:neo4j-server``, ``org.neo4j:neo4j-command-line`` for
neo4j-admin, ``org.neo4j.client:neo4j-browser``) but no longer attaches the
unix tarball to them. Maven's ``dependency:copy-dependencies`` resolves them
with all their libraries into ``lib/``; launched as
``java -cp 'plugins/*:lib/*' org.neo4j.server.CommunityEntryPoint`` they form a
complete Community server with Bolt, HTTP and Browser. Downloads are cached in
``~/.m2``, so a second install is offline and fast.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from ..errors import JavaNotFoundError, MavenNotFoundError, Neo4jServerError, ServerNotInstalledError
from .settings import APOC_VERSION, BROWSER_VERSION, NEO4J_VERSION, install_dir

MIN_JAVA_MAJOR = 17
_MARKER = "installed.json"
# Libraries APOC brings that the server already ships in a newer version.
_APOC_EXCLUDED = "commons-lang3,commons-text,asm,slf4j-api"


def java_major_version(java: str = "java") -> int:
    """Major version of the ``java`` on the PATH.

    Raises
    ------
    JavaNotFoundError
        If there is no ``java`` or its version cannot be read.
    """
    path = shutil.which(java)
    if path is None:
        raise JavaNotFoundError(
            f"Java {MIN_JAVA_MAJOR}+ is needed to run Neo4j but 'java' is not on the PATH; "
            "install it (Debian: apt-get install openjdk-17-jre-headless)")
    out = subprocess.run([path, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        raise JavaNotFoundError(f"could not read the Java version from: {out.strip()[:200]}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8" style
        major = int(match.group(2))
    return major


def check_java() -> None:
    """Raise :class:`JavaNotFoundError` unless Java 17 or newer is available."""
    major = java_major_version()
    if major < MIN_JAVA_MAJOR:
        raise JavaNotFoundError(
            f"Neo4j {NEO4J_VERSION} needs Java {MIN_JAVA_MAJOR}+, found Java {major}; "
            "install a newer JDK and put it first on the PATH")


def is_installed() -> bool:
    """True if the pinned server and APOC are installed in :func:`install_dir`."""
    marker = install_dir() / _MARKER
    if not marker.exists():
        return False
    info = json.loads(marker.read_text())
    return info == _versions()


def _versions() -> dict:
    return {"neo4j": NEO4J_VERSION, "apoc": APOC_VERSION, "browser": BROWSER_VERSION}


def require_installed() -> Path:
    """Return the install folder; raise :class:`ServerNotInstalledError` if absent."""
    if not is_installed():
        raise ServerNotInstalledError(
            f"Neo4j {NEO4J_VERSION} is not installed in {install_dir()}; "
            "run 'connectograph neo4j install'")
    return install_dir()


def _pom(name: str) -> str:
    text = resources.files("connectograph.neo4j_server").joinpath(name).read_text()
    return (text.replace("@NEO4J_VERSION@", NEO4J_VERSION)
                .replace("@APOC_VERSION@", APOC_VERSION)
                .replace("@BROWSER_VERSION@", BROWSER_VERSION))


def _maven_copy(pom_text: str, work: Path, output: Path, extra: list[str], echo) -> None:
    work.mkdir(parents=True, exist_ok=True)
    (work / "pom.xml").write_text(pom_text)
    cmd = [shutil.which("mvn") or "mvn", "-B", "-q", "-f", str(work / "pom.xml"),
           "dependency:copy-dependencies", f"-DoutputDirectory={output}",
           "-DincludeScope=runtime", *extra]
    echo(f"  resolving with Maven into {output} ...")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        raise Neo4jServerError("Maven could not resolve the Neo4j artifacts:\n  "
                               + "\n  ".join(tail))


def install(force: bool = False, echo=print) -> Path:
    """Install Neo4j (server, neo4j-admin, Browser) and APOC core.

    Parameters
    ----------
    force : bool
        Reinstall even if the pinned versions are present.
    echo : callable
        Progress messages go here.

    Returns
    -------
    Path
        The install folder.

    Raises
    ------
    JavaNotFoundError, MavenNotFoundError, Neo4jServerError
    """
    check_java()
    target = install_dir()
    if is_installed() and not force:
        echo(f"Neo4j {NEO4J_VERSION} with APOC {APOC_VERSION} already installed in {target}")
        return target
    if shutil.which("mvn") is None:
        raise MavenNotFoundError(
            "Maven ('mvn') is needed to download Neo4j's jars but is not on the PATH; "
            "install it (Debian: apt-get install maven)")
    echo(f"Installing Neo4j {NEO4J_VERSION} + APOC core {APOC_VERSION} into {target}")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    _maven_copy(_pom("server-pom.xml"), staging / "maven" / "server", staging / "lib", [], echo)
    _maven_copy(_pom("apoc-pom.xml"), staging / "maven" / "apoc", staging / "plugins",
                [f"-DexcludeArtifactIds={_APOC_EXCLUDED}"], echo)
    if not any((staging / "lib").glob("neo4j-command-line-*.jar")):
        raise Neo4jServerError(f"Maven finished but {staging/'lib'} holds no neo4j jars")
    (staging / _MARKER).write_text(json.dumps(_versions()))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    echo(f"Installed: {len(list((target / 'lib').glob('*.jar')))} server jars, "
         f"{len(list((target / 'plugins').glob('*.jar')))} plugin jars")
    return target
