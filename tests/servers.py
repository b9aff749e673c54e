"""Real servers the test session starts on free loopback ports and stops at its end.

Azurite (Storage queues) and the Cosmos DB wire-protocol server come from the project's own
package.json/package-lock.json (`make install` runs `npm ci`); PostgreSQL from the machine's
binaries (Debian's `postgresql` package); Azure AI Search, which has no emulator, is a stand-in
served in this process (tests/search_standin). Each starts once per session, on first use.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.search_standin import SearchStandIn

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


# Cosmos DB's published emulator key: the npm Cosmos DB server takes any base64 key.
COSMOS_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)


class ServerUnavailable(RuntimeError):
    """A server the tests need could not be started; the message says why and how to fix it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], name: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"{name} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise ServerUnavailable(f"{name} did not listen on {port} within 30 s")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    stop_command: list[str] = field(default_factory=list)
    workdir: Path | None = None

    def stop(self) -> None:
        if self.stop_command:
            subprocess.run(self.stop_command, check=False, capture_output=True, timeout=30)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _node_tool(tool: str) -> Path:
    path = NODE_BIN / tool
    if not path.exists():
        raise ServerUnavailable(f"{path} is missing: run `make install` (npm ci) first")
    return path


def _spawn(name: str, command: list[str], port: int, workdir: Path | None = None) -> Server:
    workdir = workdir or Path(tempfile.mkdtemp(prefix=f"mosaic-{name}-"))
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    _wait_for_port(port, process, name, log)
    return Server(name, port, process=process, workdir=workdir)


def start_azurite() -> Server:
    port = free_port()
    command = [
        str(_node_tool("azurite-queue")),
        "--queueHost",
        "127.0.0.1",
        "--queuePort",
        str(port),
        "--inMemoryPersistence",
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--silent",
    ]
    return _spawn("azurite", command, port)


def azurite_connection_string(server: Server) -> str:
    return (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={AZURITE_KEY};"
        f"QueueEndpoint=http://127.0.0.1:{server.port}/devstoreaccount1;"
    )


def start_azurite_entra() -> Server:
    """Azurite over HTTPS taking Entra ID bearer tokens as well as keys. `--oauth basic` checks a
    token's audience, issuer and lifetime, not its signature; the self-signed certificate for
    127.0.0.1 is `azurite_certificate(server)`, for the client to trust."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="mosaic-azurite-entra-"))
    certificate, key = _self_signed_certificate(workdir)
    command = [
        str(_node_tool("azurite-queue")),
        *("--queueHost", "127.0.0.1", "--queuePort", str(port)),
        *("--cert", str(certificate), "--key", str(key), "--oauth", "basic"),
        *("--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent"),
    ]
    return _spawn("azurite-entra", command, port, workdir)


def azurite_account_url(server: Server) -> str:
    return f"https://127.0.0.1:{server.port}/devstoreaccount1"


def azurite_certificate(server: Server) -> Path:
    assert server.workdir is not None
    return server.workdir / "certificate.pem"


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "certificate.pem", directory / "key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path


# The server's own command line closes the connection after every answer, and a TLS handshake
# per request makes each one ~50 ms; the same server with keep-alive answers in ~8 ms.
_COSMOS_KEEP_ALIVE = (
    "require(process.argv[1]).createHttpsServer({keepAlive: true})"
    ".listen(Number(process.argv[2]), '127.0.0.1')"
)


def start_cosmos() -> Server:
    port = free_port()
    _node_tool("cosmosdb-server")  # installed
    node = shutil.which("node")
    if node is None:
        raise ServerUnavailable("node is not on PATH: the Cosmos DB server runs on Node.js")
    package = ROOT / "node_modules" / "@vercel" / "cosmosdb-server"
    return _spawn("cosmos", [node, "-e", _COSMOS_KEEP_ALIVE, str(package), str(port)], port)


def cosmos_endpoint(server: Server) -> str:
    return f"https://127.0.0.1:{server.port}/"


def _postgres_bin(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), reverse=True):
        return str(candidate)
    raise ServerUnavailable(f"{tool} not found: install Debian's postgresql package")


def start_postgres() -> Server:
    """A private cluster in a temporary directory. initdb refuses root, so as root the cluster
    belongs to the `postgres` user (or `nobody`)."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="mosaic-postgres-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = "postgres" if _user_exists("postgres") else "nobody"
        shutil.chown(workdir, user=user)
        workdir.chmod(0o700)
        run_as = ["runuser", "-u", user, "--"]
    data, log = workdir / "data", workdir / "log"
    initdb = [_postgres_bin("initdb"), "-D", str(data), "-U", "app", "--auth=trust", "-E", "UTF8"]
    _run([*run_as, *initdb, "--locale=C.UTF-8", "--no-sync"], "initdb")
    pg_ctl = _postgres_bin("pg_ctl")
    options = f"-p {port} -h 127.0.0.1 -k {workdir} -c fsync=off -c max_connections=200"
    _run([*run_as, pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o", options, "start"], "start")
    stop = [*run_as, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]
    return Server("postgres", port, stop_command=stop, workdir=workdir)


def postgres_url(server: Server, database: str = "postgres") -> str:
    return f"postgresql+psycopg://app@127.0.0.1:{server.port}/{database}"


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise ServerUnavailable(f"postgres {what} failed: {done.stderr[-2000:]}")


class Servers:
    """Starts each server on first use and stops them all at the end of the session."""

    def __init__(self) -> None:
        self._started: dict[str, Server] = {}
        self._search: SearchStandIn | None = None

    def get(self, name: str, start: Callable[[], Server]) -> Server:
        if name not in self._started:
            self._started[name] = start()
        return self._started[name]

    def azurite(self) -> Server:
        return self.get("azurite", start_azurite)

    def azurite_entra(self) -> Server:
        return self.get("azurite-entra", start_azurite_entra)

    def cosmos(self) -> Server:
        return self.get("cosmos", start_cosmos)

    def postgres(self) -> Server:
        return self.get("postgres", start_postgres)

    def search(self) -> SearchStandIn:
        if self._search is None:
            self._search = SearchStandIn()
        return self._search

    def stop_all(self) -> None:
        for server in self._started.values():
            server.stop()
        self._started.clear()
        if self._search is not None:
            self._search.stop()
            self._search = None
