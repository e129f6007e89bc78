"""The Public Suffix List: registrable domains, one parsed copy for the whole process."""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

from publicsuffixlist import PSLFILE, PublicSuffixList

__all__ = ["public_suffix_list", "registrable_domain", "dataset_info"]


@functools.cache
def public_suffix_list() -> PublicSuffixList:
    # ICANN section only: a host under amazonaws.com belongs to Amazon for attribution,
    # not to whoever registered a private suffix. Unknown TLDs are not hosts.
    return PublicSuffixList(only_icann=True, accept_unknown=False)


def registrable_domain(host: str) -> str | None:
    """eTLD+1 of a lowercase hostname ("weixin.qq.com" -> "qq.com"), or None."""
    result = public_suffix_list().privatesuffix(host)
    return result if isinstance(result, str) else None


@functools.cache
def dataset_info() -> dict[str, str]:
    version = metadata.version("publicsuffixlist")
    stamp = version.rsplit(".", 1)[-1]
    date = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if len(stamp) == 8 and stamp.isdigit() else ""
    return {
        "name": "public-suffix-list",
        "version": version,
        "source": f"Public Suffix List snapshot bundled in PyPI publicsuffixlist {version} (ICANN section only)",
        "license": "MPL-2.0",
        "sha256": hashlib.sha256(Path(PSLFILE).read_bytes()).hexdigest(),
        "date": date,
    }
