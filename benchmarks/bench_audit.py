"""The server's audit log: time per line with the signed head (`saferkit serve --audit-key`) beside plain lines.

Anchor, in the same run: the same lines written without a key (hash chain only).
Run: python benchmarks/bench_audit.py [--lines 500]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def per_line_ms(log_path: Path, key: Path | None, lines: int) -> float:
    from saferkit.serving.audit import AuditLog

    log = AuditLog(log_path, key)
    started = time.perf_counter()
    for number in range(lines):
        log.write(method="POST", endpoint="/v1/match", status=200, outcome="ok", images=[f"{number:064x}"])
    log.close()
    return (time.perf_counter() - started) / lines * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    args = parser.parse_args()
    from saferkit.core.keys import generate_keypair

    with tempfile.TemporaryDirectory() as tmp:
        key, _ = generate_keypair(Path(tmp) / "server.pem")
        plain = per_line_ms(Path(tmp) / "plain.jsonl", None, args.lines)
        signed = per_line_ms(Path(tmp) / "signed.jsonl", key, args.lines)
    print(f"audit log, {args.lines} lines: plain {plain:.3f} ms per line (anchor), signed head {signed:.3f} ms per line, "
          f"{signed / plain:.0f}x the anchor")


if __name__ == "__main__":
    main()
