"""Opt-in name resolution (``--resolve``): where hosts point today, recorded as evidence.

A scan never touches the network unless the user asks for this. Every answer
is kept with the resolver that gave it and when, because DNS answers change
over time and differ by place: they are a fact about one moment, not the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from datatrail.model.resolution import Resolution

__all__ = ["Resolution", "Resolver", "system_resolver", "describe_system_resolver", "resolve_hosts"]

Resolver = Callable[[str], list[str]]
"""host -> IP address strings; raises OSError when the name does not resolve."""

_RESOLV_CONF = Path("/etc/resolv.conf")


def system_resolver(host: str) -> list[str]:
    """The operating system's resolver (getaddrinfo), as the app on a device would use it."""
    import socket  # only --resolve touches the network

    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def describe_system_resolver() -> str:
    try:
        text = _RESOLV_CONF.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "system"
    servers = [line.split()[1] for line in text.splitlines() if line.startswith("nameserver") and len(line.split()) > 1]
    return f"system (nameservers {', '.join(servers)})" if servers else "system"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_hosts(
    hosts: Iterable[str],
    resolver: Resolver = system_resolver,
    resolver_name: str | None = None,
    timeout: float = 10.0,
    workers: int = 16,
) -> dict[str, Resolution]:
    """Resolve each host once, in parallel, within ``timeout`` seconds overall.

    A host still unanswered when the time is up gets an error, never a hang.
    """
    name = resolver_name or (describe_system_resolver() if resolver is system_resolver else "injected")
    unique = list(dict.fromkeys(hosts))
    out: dict[str, Resolution] = {}
    if not unique:
        return out
    from concurrent.futures import ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(unique))), thread_name_prefix="resolve")
    try:
        futures = {pool.submit(resolver, host): host for host in unique}
        done, pending = wait(futures, timeout=timeout)
        for future in done:
            host = futures[future]
            try:
                answers = tuple(dict.fromkeys(future.result()))
                out[host] = Resolution(host, name, _now(), answers)
            except OSError as exc:
                out[host] = Resolution(host, name, _now(), (), f"{type(exc).__name__}: {exc}")
        for future in pending:
            host = futures[future]
            out[host] = Resolution(host, name, _now(), (), f"no answer within {timeout:g} s")
    finally:
        # Threads blocked in getaddrinfo cannot be interrupted; don't wait for them.
        pool.shutdown(wait=False, cancel_futures=True)
    return {host: out[host] for host in unique}
