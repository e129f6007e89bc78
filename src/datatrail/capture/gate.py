"""``capture --fail-on``: what in a capture makes the command exit 1, and why, one line per reason."""

from __future__ import annotations

from dataclasses import dataclass

from datatrail.capture.personal_data import RULE_IDS
from datatrail.knowledge.jurisdictions import COMPELLED_ACCESS, flag_title
from datatrail.model.capture import CaptureReport

__all__ = ["CAPTURE_GATE_KINDS", "CaptureGate", "parse_capture_gate"]

CAPTURE_GATE_KINDS = ("personal-data", "flagged-destinations", "compelled-access")
"""The kinds ``--fail-on`` takes for captures, besides the NET rule IDs."""


@dataclass(frozen=True, slots=True)
class CaptureGate:
    kinds: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.kinds or self.rules)

    def reasons(self, report: CaptureReport) -> list[str]:
        """Why the capture trips the gate: one line per destination and kind of data or flag; [] when it does not."""
        out: list[str] = []
        seen: set[tuple[str, str, str]] = set()
        for hit in report.personal_data:
            if "personal-data" not in self.kinds and hit.rule_id not in self.rules:
                continue
            where = report.flows[hit.flow].destination if 0 <= hit.flow < len(report.flows) else "?"
            key = (where, hit.rule_id, hit.label)
            if key not in seen:
                seen.add(key)
                out.append(f"{hit.label} ({hit.rule_id}) sent to {where}")
        for d in report.destinations:
            for flag in d.flags:
                flag_id, _, country = flag.partition(":")
                if "flagged-destinations" in self.kinds or (flag_id == COMPELLED_ACCESS and "compelled-access" in self.kinds):
                    title = flag_title(flag_id, country, report.viewer) or flag_id
                    out.append(f"{d.name} is flagged: {title} ({country})")
        return out


def parse_capture_gate(text: str) -> CaptureGate:
    """``"personal-data,NET002"`` -> CaptureGate; raises ValueError naming what is accepted."""
    kinds: set[str] = set()
    rules: set[str] = set()
    for word in (w.strip() for w in text.split(",")):
        if not word or word.lower() == "none":
            continue
        if word.lower() in CAPTURE_GATE_KINDS:
            kinds.add(word.lower())
        elif word.upper() in RULE_IDS:
            rules.add(word.upper())
        else:
            raise ValueError(f"{word!r} is neither a kind ({', '.join(CAPTURE_GATE_KINDS)}) nor a rule ID "
                             f"({', '.join(RULE_IDS)})")
    return CaptureGate(frozenset(kinds), frozenset(rules))
