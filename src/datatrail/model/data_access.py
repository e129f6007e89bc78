"""What personal data an app's code can read, API by API, with where it is called."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ApiUse"]


@dataclass(frozen=True, slots=True)
class ApiUse:
    """A privacy-relevant API that some code of the app invokes.

    An invoke found in the bytecode is evidence that the code *can* read the
    data, not that it runs: the call may sit on a path never taken, behind a
    permission the app does not hold, or in an SDK feature left switched off.
    """

    api: str
    """``android.telephony.TelephonyManager.getDeviceId`` (a base class for subclass APIs)."""
    data: str
    """Short label of the data: "IMEI/MEID", "advertising ID", "contacts"."""
    data_categories: tuple[str, ...]
    """Google Play Data safety categories of the data (empty when none fits)."""
    permission: str | None
    """Main permission the platform checks for this API, if any."""
    callers: tuple[str, ...]
    """Dotted names of the classes whose code uses the API, deduplicated, in file order."""
    locations: tuple[str, ...]
    """Up to five evidence strings: ``classes2.dex: Lcom/x/Y;->m``."""
