"""POST /api/v1/checks under gunicorn, beside a bare endpoint of the same app returning a
fixed JSON body, both loaded by wrk from a second process on loopback in the same run.

Reports requests per second, p50 and p99 latency. Needs wrk (Debian package `wrk`).
Run: .venv/bin/python bench/bench_api.py [--seconds 10] [--workers 2] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.orders import order_documents  # noqa: E402

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
local bodies = {}
local f = io.open("%s", "r")
for line in f:lines() do bodies[#bodies + 1] = line end
f:close()
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[(n %% #bodies) + 1])
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not start at {url}")


def _api_token(env: dict[str, str]) -> str:
    """A fresh database with a technician and their API token, made with the app's CLI."""
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "pharmacy_app"]
    subprocess.run([*flask, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            *flask,
            "create-user",
            "bench",
            "--role",
            "technician",
            "--password",
            "amber lantern quietly hums",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    made = subprocess.run(
        [*flask, "create-token", "bench"], env=env, check=True, capture_output=True, text=True
    )
    return made.stdout.strip()


def _wrk(url: str, script: Path, args: argparse.Namespace) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {
        "rps": rps,
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "errors": int(non2xx[1]) if non2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    work = Path(tempfile.mkdtemp(prefix="pharmacy-bench-"))
    bodies = work / "bodies.jsonl"
    bodies.write_text("\n".join(json.dumps(d) for d in order_documents(500)) + "\n")
    script = work / "post.lua"
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "SECRET_KEY": "bench-only",
        "PYTHONPATH": str(ROOT),
    }
    token = _api_token(env)
    script.write_text(LUA % (token, bodies))
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.wsgi_bench:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/api/v1/openapi.json")
        _wrk(f"{base}/api/v1/checks", script, argparse.Namespace(**{**vars(args), "seconds": 2}))
        results = {}
        for name, path in (
            ("baseline /api/bench/fixed", "/api/bench/fixed"),
            ("POST /api/v1/checks", "/api/v1/checks"),
        ):
            results[name] = _wrk(base + path, script, args)
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"gunicorn {args.workers} sync workers, wrk 1 thread x {args.connections} connections, "
        f"{args.seconds}s each, 500 varied order documents"
    )
    for name, r in results.items():
        print(
            f"  {name:24} {r['rps']:>8,.0f} req/s  p50 {r['p50_ms']:.2f} ms  "
            f"p99 {r['p99_ms']:.2f} ms  non-2xx {r['errors']}"
        )
    ratio = results["POST /api/v1/checks"]["rps"] / results["baseline /api/bench/fixed"]["rps"]
    print(f"  checks / baseline throughput: {ratio:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
