"""The bytecode flow walk: hand-assembled methods whose answer is known instruction by instruction,
dexdump as the oracle that the walk reads real code as dexdump does, and hostile code that must
end within its budget."""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from datatrail.formats.android.dex import DexFile
from datatrail.formats.android.dex_code import CodeRefs
from datatrail.formats.android.dex_flow import ARRAY, CALL, CARRY_RECEIVER, CARRY_RESULT, CUT, FIELD, RETURN, Use, walk_from
from tests.support.dex_code_factory import Index, build_code_dex, u16
from tests.support.realworld import HERE

APP = "Lcom/example/App;"
SB = "Ljava/lang/StringBuilder;"
URL = "Ljava/net/URL;"
LOG = "Landroid/util/Log;"
INTENT = "Landroid/content/Intent;"
HOST = "https://api.example.com/v1"


def const_string(a: int, idx: int) -> bytes:
    return u16(0x1A | a << 8, idx)


def invoke(op: int, method: int, *regs: int) -> bytes:
    c = list(regs) + [0] * (5 - len(regs))
    return u16(op | (len(regs) << 4 | c[4]) << 8, method, c[0] | c[1] << 4 | c[2] << 8 | c[3] << 12)


def static(method: int, *regs: int) -> bytes:
    return invoke(0x71, method, *regs)


def virtual(method: int, *regs: int) -> bytes:
    return invoke(0x6E, method, *regs)


def move_result_object(a: int) -> bytes:
    return u16(0x0C | a << 8)


RETURN_VOID = u16(0x0E)
REFS = [(URL, "<init>"), (LOG, "d"), (SB, "append"), (SB, "toString"), (INTENT, "setData"), ("Lcom/other/Sdk;", "config")]
FIELDS = [(APP, "HOST")]


def _code(fn):
    return {APP: [("m", fn)]}


def _walk(fn, carry: dict[tuple[str, str], int] | None = None) -> tuple[list[Use], Index, CodeRefs]:
    built = build_code_dex(_code(fn), refs=REFS, fields=FIELDS, strings=[HOST])
    dex = DexFile(built.blob, "flow.dex")
    refs = CodeRefs(dex)
    ix = built.index
    flags = {ix.m(*k): v for k, v in (carry or {}).items()}
    (site,) = refs.sites(strings=[ix.s(HOST)])[(2, ix.s(HOST))]
    uses = walk_from(refs, site.pos, site.start, site.end, frozenset([dex.buffer[site.pos + 1]]),
                     lambda m: flags.get(m, 0), step_over=True)
    assert not dex.log.items
    return uses, ix, refs


def test_both_sides_of_a_branch_are_followed() -> None:
    def fn(ix: Index) -> bytes:
        # 0 const-string v0; 2 if-eqz v1, +5 -> 7; 4 invoke URL.<init>(v2, v0); 7 invoke Log.d(v0, v0); 10 return
        return (const_string(0, ix.s(HOST)) + u16(0x38 | 1 << 8, 5) + invoke(0x70, ix.m(URL, "<init>"), 2, 0)
                + static(ix.m(LOG, "d"), 0, 0) + RETURN_VOID)

    uses, ix, _ = _walk(fn)
    assert Use(CALL, ix.m(URL, "<init>"), 1) in uses
    assert Use(CALL, ix.m(LOG, "d"), 0) in uses


def test_a_builder_carries_the_string_to_what_its_text_is_given() -> None:
    def fn(ix: Index) -> bytes:
        return (const_string(0, ix.s(HOST)) + virtual(ix.m(SB, "append"), 1, 0) + move_result_object(1)
                + virtual(ix.m(SB, "toString"), 1) + move_result_object(3) + virtual(ix.m(INTENT, "setData"), 2, 3)
                + RETURN_VOID)

    carry = {(SB, "append"): CARRY_RESULT | CARRY_RECEIVER, (SB, "toString"): CARRY_RESULT}
    uses, ix, _ = _walk(fn, carry)
    assert uses == [Use(CALL, ix.m(INTENT, "setData"), 1)]
    # Without the knowledge that append returns the builder, the append is where it goes.
    uses, ix, _ = _walk(fn)
    assert uses == [Use(CALL, ix.m(SB, "append"), 1)]


def test_copies_follow_and_writes_end_the_value() -> None:
    def fn(ix: Index) -> bytes:
        # move-object v3, v0; const/4 v0, 0; then only v3 still holds it.
        return (const_string(0, ix.s(HOST)) + u16(0x07 | (3 | 0 << 4) << 8) + u16(0x12 | (0 | 0 << 4) << 8)
                + static(ix.m(LOG, "d"), 0, 0) + static(ix.m("Lcom/other/Sdk;", "config"), 3) + RETURN_VOID)

    uses, ix, _ = _walk(fn)
    assert uses == [Use(CALL, ix.m("Lcom/other/Sdk;", "config"), 0)]


def test_returned_stored_and_put_in_an_array() -> None:
    def ret(ix: Index) -> bytes:
        return const_string(1, ix.s(HOST)) + u16(0x11 | 1 << 8)

    def store(ix: Index) -> bytes:
        return const_string(1, ix.s(HOST)) + u16(0x69 | 1 << 8, ix.f(APP, "HOST")) + u16(0x4D | 1 << 8, 2 | 3 << 8) + RETURN_VOID

    assert _walk(ret)[0] == [Use(RETURN)]
    uses, ix, _ = _walk(store)
    assert uses == [Use(FIELD, ix.f(APP, "HOST")), Use(ARRAY)]


def test_switch_targets_are_followed() -> None:
    def fn(ix: Index) -> bytes:
        # 0 const-string v0; 2 packed-switch v1, +10 (payload at 12); 5 return-void;
        # 6 invoke Log.d(v0, v0); 9 return-void; 10 nop (align); 12 payload: 1 case -> 6 (+4)
        return (const_string(0, ix.s(HOST)) + u16(0x2B | 1 << 8) + struct.pack("<i", 10) + RETURN_VOID
                + static(ix.m(LOG, "d"), 0, 0) + RETURN_VOID + u16(0, 0) + u16(0x0100, 1) + struct.pack("<ii", 0, 4))

    uses, ix, _ = _walk(fn)
    assert uses == [Use(CALL, ix.m(LOG, "d"), 0)]


def test_a_loop_ends() -> None:
    def fn(ix: Index) -> bytes:
        # 0 const-string v0; 2 invoke Log.d(v0, v0); 5 goto -3 (back to 2): forever.
        return const_string(0, ix.s(HOST)) + static(ix.m(LOG, "d"), 0, 0) + u16(0x28 | (0xFD << 8))

    uses, ix, _ = _walk(fn)
    assert uses == [Use(CALL, ix.m(LOG, "d"), 0)]


def test_random_code_ends_without_error() -> None:
    rng = random.Random(20261207)
    for _ in range(200):
        noise = bytes(rng.randrange(256) for _ in range(2 * rng.randrange(1, 200)))

        def fn(ix: Index, noise: bytes = noise) -> bytes:
            return const_string(0, ix.s(HOST)) + noise

        uses, _ix, _refs = _walk(fn)
        assert all(u.kind in (CALL, RETURN, FIELD, ARRAY, CUT) for u in uses)


def test_calls_the_walk_reports_are_calls_dexdump_shows(tmp_path: Path) -> None:
    """On a real app: every call the walk says a URL reaches is an invoke dexdump lists in the
    same method, with the URL's register among its arguments or reached from it."""
    if shutil.which("dexdump") is None:
        pytest.skip("dexdump not installed (apt-get install dexdump)")
    apk = HERE / "branch-testbed.apk"
    checked = 0
    with zipfile.ZipFile(apk) as z:
        names = sorted(n for n in z.namelist() if re.fullmatch(r"classes\d*\.dex", n))
        blobs = {n: z.read(n) for n in names}
    for name, blob in blobs.items():
        dex = DexFile(blob, name)
        refs = CodeRefs(dex)
        wanted = [i for i, s in enumerate(dex.strings()) if s.startswith("http")]
        sites = refs.sites(strings=wanted)
        if not sites:
            continue
        (tmp_path / name).write_bytes(blob)
        out = subprocess.run(["dexdump", "-d", str(tmp_path / name)], capture_output=True, timeout=300).stdout.decode("utf-8", "replace")
        # Per method (class, name): the method indexes its code invokes, per dexdump.
        invoked: dict[tuple[str, str], set[int]] = {}
        cls = method = ""
        for line in out.splitlines():
            if m := re.match(r"\s+Class descriptor\s+: '(.+)'", line):
                cls = m[1]
            elif m := re.match(r"\s+name\s+: '(.+)'", line):
                method = m[1]
            elif m := re.search(r"invoke-[a-z/-]+ .*// method@([0-9a-f]+)", line):
                invoked.setdefault((cls, method), set()).add(int(m[1], 16))
        for found in sites.values():
            for site in found:
                owner = refs.method_at(site.pos)
                assert owner is not None
                uses = walk_from(refs, site.pos, site.start, site.end, frozenset([blob[site.pos + 1]]), lambda m: 0, step_over=True)
                for u in uses:
                    if u.kind == CALL and u.target >= 0:
                        assert u.target in invoked[owner], (name, owner, u)
                        checked += 1
    assert checked >= 10


def test_many_switches_over_one_huge_payload_stay_bounded() -> None:
    """Hostile code: 200 switches sharing a 65,535-entry payload. Targets already reached are not
    queued again and each costs a step, so the walk ends at once, saying it was cut."""
    size = 0xFFFF

    def fn(ix: Index) -> bytes:
        n = 200
        head = const_string(0, ix.s(HOST))  # 2 units
        body = b""
        for k in range(n):  # each packed-switch is 3 units; payload after them all (+ return-void)
            at = 2 + 3 * k
            payload_at = 2 + 3 * n + 1
            payload_at += payload_at % 2  # payloads are 4-byte aligned (code starts aligned)
            body += u16(0x2B | 0 << 8) + struct.pack("<i", payload_at - at)
        code = head + body + RETURN_VOID
        if (len(code) // 2) % 2:
            code += u16(0)
        # every case jumps back to the first switch (unit 2)
        first_switch_rel = [2 - (2 + 3 * k) for k in range(1)]
        return code + u16(0x0100, size) + struct.pack("<i", 0) + struct.pack(f"<{size}i", *([first_switch_rel[0]] * size))

    uses, _ix, _refs = _walk(fn)
    assert Use(CUT) in uses
