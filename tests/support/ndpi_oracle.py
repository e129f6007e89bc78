"""Reading nDPI's expected outputs (``tests/cfgs/default/result/*.out``) as an oracle for flow names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NdpiFlow", "read_ndpi_flows", "SUPPORTED_PROTOCOLS"]

# nDPI names flows for many protocols; datatrail reads names from these (master protocol of "proto: X.Y/MASTER.APP").
SUPPORTED_PROTOCOLS = frozenset({"TLS", "HTTP", "DNS", "QUIC"})
_LINE = re.compile(r"^\s*\d+\s+(TCP|UDP)\s+(\S+)\s+<?->\s+(\S+)\s+.*?\[proto: [\d.]+/([^\]]+)\]")
_NAME = re.compile(r"\[Hostname/SNI: ([^\]]*)\]")


@dataclass(frozen=True, slots=True)
class NdpiFlow:
    transport: str
    a: str
    b: str
    master: str
    hostname: str | None


def read_ndpi_flows(path: Path) -> list[NdpiFlow]:
    out: list[NdpiFlow] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        name = _NAME.search(line)
        out.append(NdpiFlow(m.group(1).lower(), m.group(2), m.group(3), m.group(4).split(".")[0],
                            name.group(1).lower() if name and name.group(1) else None))
    return out
