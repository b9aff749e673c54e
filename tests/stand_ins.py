"""`python -m tests.stand_ins`: the app on its Azure adapters, on this machine, in one command
(`make run-stand-ins`): Azurite (queues), the Cosmos DB server (documents), the AI Search
stand-in (membership search), a PostgreSQL cluster (the SoR) and the webhook receiver
(notifications) start on free loopback ports; the SoR is seeded; the host serves on
127.0.0.1:7071 until Ctrl-C, which stops everything. Nothing persists: every server keeps its
data in memory or a temporary directory."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from tests.azure_backend import azure_settings
from tests.servers import Servers, postgres_url


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stand_ins", description=__doc__)
    parser.add_argument("--members", type=int, default=500, help="demo members to seed")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7071)
    args = parser.parse_args()
    # A SIGTERM (a supervisor, `timeout`) stops the servers as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    servers = Servers()
    data_dir = tempfile.mkdtemp(prefix="mosaic-stand-ins-")
    try:
        environment = {
            **os.environ,
            **azure_settings(servers),
            "MOSAIC_DATA_DIR": data_dir,
            # The Cosmos DB server's certificate is self-signed (it is only ever on loopback).
            "PYTHONWARNINGS": "ignore:Unverified HTTPS request",
            "MOSAIC_SOR_URL": postgres_url(servers.postgres()),
            "MOSAIC_TOKEN_SECRET": "stand-ins-token-secret-long-enough-for-hs256",
        }
        python = sys.executable
        seed = [python, "-m", "mosaic", "demo", "seed", "--members", str(args.members)]
        subprocess.run(seed, env=environment, check=True)
        # Sample members and keys of this run (`demo show` in another shell would read the
        # embedded backend, not these servers).
        subprocess.run([python, "-m", "mosaic", "demo", "show"], env=environment, check=False)
        print(f"admin key: {environment['MOSAIC_ADMIN_KEY']}", flush=True)
        serve = [python, "-m", "mosaic", "serve", "--host", args.host, "--port", str(args.port)]
        return subprocess.run(serve, env=environment, check=False).returncode
    except KeyboardInterrupt:
        return 0
    finally:
        servers.stop_all()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
