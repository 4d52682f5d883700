"""`python -m testing.serve`: the test emulator alone, in its own process, until killed.

The first line on stdout is the endpoint (`http://127.0.0.1:PORT`); nothing else is
printed there. Point boto3 at it with AWS_ENDPOINT_URL and steer it through the
control routes (control.py, `RemoteEmulator`). `EmulatorProcess` starts one from
Python and stops it again.

moto burns CPU on every request: in its own process it stays out of the CPU
measured for reconcile (bench/run.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType, TracebackType

from testing.control import RemoteEmulator

START_TIMEOUT = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testing.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument("--region", default="us-east-1", help="region for requests that name none")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every AWS call (default 0)")
    args = parser.parse_args(argv)

    from testing.emulator import TestEmulator  # imports moto: only once we are really serving

    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with TestEmulator(region=args.region, host=args.host, port=args.port) as emulator:
        emulator.set_latency(args.latency)
        print(emulator.endpoint, flush=True)
        while not stop.wait(1.0):
            pass
    return 0


class EmulatorProcess:
    """`python -m testing.serve` as a child process; `control` steers it."""

    def __init__(self, *, latency: float = 0.0, region: str = "us-east-1", python: str = sys.executable) -> None:
        self._argv = [python, "-m", "testing.serve", "--port", "0", "--latency", str(latency), "--region", region]
        self._process: subprocess.Popen[str] | None = None
        self.endpoint = ""

    @property
    def control(self) -> RemoteEmulator:
        if not self.endpoint:
            raise RuntimeError("the emulator process is not started")
        return RemoteEmulator(self.endpoint)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> EmulatorProcess:
        # The child imports `testing` (and `reconciler`, when not installed) from where this process found it.
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        process = subprocess.Popen(self._argv, stdout=subprocess.PIPE, text=True, env=env)
        self._process = process
        timer = threading.Timer(START_TIMEOUT, process.kill)  # a child that never prints is not waited on forever
        timer.start()
        try:
            line = process.stdout.readline().strip() if process.stdout else ""
        finally:
            timer.cancel()
        if not line.startswith("http"):
            self.stop()
            raise RuntimeError(f"the emulator process did not start (first line: {line!r})")
        self.endpoint = line
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        self.endpoint = ""
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
