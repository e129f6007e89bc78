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
from datatrail.formats.android.dex_flow import (
    ARRAY,
    CALL,
    CARRY_RECEIVER,
    CARRY_RESULT,
    CUT,
    FIELD,
    RETURN,
    Use,
    argument_sources,
    constant_argument,
    receiver_constant,
    receiver_constants,
    sibling_constants,
    try_blocks,
    walk_from,
)
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
    assert (CALL, ix.m(URL, "<init>"), 1) in _calls(uses)
    assert (CALL, ix.m(LOG, "d"), 0) in _calls(uses)


def new_instance(a: int) -> bytes:
    return u16(0x22 | a << 8, 0)  # the type index does not matter to the walk


def new_array(a: int, size: int) -> bytes:
    return u16(0x23 | (a | size << 4) << 8, 0)


def _calls(uses: list[Use]) -> list[tuple[int, int, int]]:
    return [(u.kind, u.target, u.position) for u in uses]


def test_a_builder_carries_the_string_to_what_its_text_is_given() -> None:
    def fn(ix: Index) -> bytes:
        return (new_instance(1) + const_string(0, ix.s(HOST)) + virtual(ix.m(SB, "append"), 1, 0) + move_result_object(1)
                + virtual(ix.m(SB, "toString"), 1) + move_result_object(3) + virtual(ix.m(INTENT, "setData"), 2, 3)
                + RETURN_VOID)

    carry = {(SB, "append"): CARRY_RESULT | CARRY_RECEIVER, (SB, "toString"): CARRY_RESULT}
    uses, ix, _ = _walk(fn, carry)
    assert _calls(uses) == [(CALL, ix.m(INTENT, "setData"), 1)]
    # Without the knowledge that append returns the builder, the append is where it goes.
    uses, ix, _ = _walk(fn)
    assert _calls(uses) == [(CALL, ix.m(SB, "append"), 1)]


def test_a_container_from_elsewhere_is_where_the_value_leaves() -> None:
    """A builder or list the method did not create (a field's, a parameter's) holds the value
    after the method returns: whoever holds it may use it anywhere."""
    def from_field(ix: Index) -> bytes:
        # sget-object v1, HOST (a builder kept in a field); append(v1, v0); return-void
        return (u16(0x62 | 1 << 8, ix.f(APP, "HOST")) + const_string(0, ix.s(HOST)) + virtual(ix.m(SB, "append"), 1, 0)
                + RETURN_VOID)

    carry = {(SB, "append"): CARRY_RESULT | CARRY_RECEIVER}
    uses, _ix, _ = _walk(from_field, carry)
    assert uses == [Use(ARRAY)]


def test_an_array_the_method_creates_carries_the_value_to_what_reads_it() -> None:
    def fn(ix: Index) -> bytes:
        # v1 = new String[2]; v1[v2] = url; v3 = v1[v2]; Log.d(v3, v3); return-void
        return (const_string(0, ix.s(HOST)) + u16(0x12 | (2 | 2 << 4) << 8) + new_array(1, 2)
                + u16(0x4D | 0 << 8, 1 | 2 << 8) + u16(0x46 | 3 << 8, 1 | 2 << 8) + static(ix.m(LOG, "d"), 3, 3) + RETURN_VOID)

    uses, ix, _ = _walk(fn)
    assert _calls(uses) == [(CALL, ix.m(LOG, "d"), 0), (CALL, ix.m(LOG, "d"), 1)]  # each argument holding it


def test_a_filled_new_array_holds_the_value() -> None:
    def fn(ix: Index) -> bytes:
        # filled-new-array {v0}; move-result-object v1; Sdk.config(v1)
        return (const_string(0, ix.s(HOST)) + invoke(0x24, 0, 0) + move_result_object(1)
                + static(ix.m("Lcom/other/Sdk;", "config"), 1) + RETURN_VOID)

    uses, ix, _ = _walk(fn)
    assert _calls(uses) == [(CALL, ix.m("Lcom/other/Sdk;", "config"), 0)]


def test_an_array_from_elsewhere_is_where_the_value_leaves() -> None:
    def fn(ix: Index) -> bytes:
        # v1 = HOST (a field holding an array); v1[v2] = url
        return (u16(0x62 | 1 << 8, ix.f(APP, "HOST")) + const_string(0, ix.s(HOST)) + u16(0x12 | (2 | 0 << 4) << 8)
                + u16(0x4D | 0 << 8, 1 | 2 << 8) + RETURN_VOID)

    uses, _ix, _ = _walk(fn)
    assert uses == [Use(ARRAY)]


def test_copies_follow_and_writes_end_the_value() -> None:
    def fn(ix: Index) -> bytes:
        # move-object v3, v0; const/4 v0, 0; then only v3 still holds it.
        return (const_string(0, ix.s(HOST)) + u16(0x07 | (3 | 0 << 4) << 8) + u16(0x12 | (0 | 0 << 4) << 8)
                + static(ix.m(LOG, "d"), 0, 0) + static(ix.m("Lcom/other/Sdk;", "config"), 3) + RETURN_VOID)

    uses, ix, _ = _walk(fn)
    assert _calls(uses) == [(CALL, ix.m("Lcom/other/Sdk;", "config"), 0)]


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
    assert _calls(uses) == [(CALL, ix.m(LOG, "d"), 0), (CALL, ix.m(LOG, "d"), 1)]


def test_a_loop_ends() -> None:
    def fn(ix: Index) -> bytes:
        # 0 const-string v0; 2 invoke Log.d(v0, v0); 5 goto -3 (back to 2): forever.
        return const_string(0, ix.s(HOST)) + static(ix.m(LOG, "d"), 0, 0) + u16(0x28 | (0xFD << 8))

    uses, ix, _ = _walk(fn)
    assert _calls(uses) == [(CALL, ix.m(LOG, "d"), 0), (CALL, ix.m(LOG, "d"), 1)]


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


BUILDER = "Landroid/net/Uri$Builder;"
KEY = "android.intent.extra.TEXT"
PREFIX = "https://api.example.org/v2/blog/"


def _built(fn, strings: list[str]) -> tuple[DexFile, CodeRefs, Index]:
    refs_ = [*REFS, (INTENT, "putExtra"), (BUILDER, "scheme"), (BUILDER, "authority"), (SB, "<init>")]
    built = build_code_dex(_code(fn), refs=refs_, fields=FIELDS, strings=[HOST, *strings])
    dex = DexFile(built.blob, "flow.dex")
    return dex, CodeRefs(dex), built.index


def _call_at(refs: CodeRefs, ix: Index, dex: DexFile, method: tuple[str, str], carry: dict[tuple[str, str], int] | None = None) -> tuple[int, int, int]:
    """(start, end, at) of the call of ``method`` the walk of HOST's site reaches."""
    flags = {ix.m(*k): v for k, v in (carry or {}).items()}
    (site,) = refs.sites(strings=[ix.s(HOST)])[(2, ix.s(HOST))]
    uses = walk_from(refs, site.pos, site.start, site.end, frozenset([dex.buffer[site.pos + 1]]),
                     lambda m: flags.get(m, 0), step_over=True, stop=lambda t, _p, _a: t == ix.m(*method))
    (at,) = [u.at for u in uses if u.kind == CALL and u.target == ix.m(*method)]
    return site.start, site.end, at


def test_the_constant_key_of_a_call_is_read_back() -> None:
    def fn(ix: Index) -> bytes:
        # const-string v1 KEY; const-string v0 HOST; new-instance v2; putExtra(v2, v1, v0)
        return (const_string(1, ix.s(KEY)) + const_string(0, ix.s(HOST)) + new_instance(2)
                + virtual(ix.m(INTENT, "putExtra"), 2, 1, 0) + RETURN_VOID)

    dex, refs, ix = _built(fn, [KEY])
    start, end, at = _call_at(refs, ix, dex, (INTENT, "putExtra"))
    assert constant_argument(refs, start, end, at, 1) == ix.s(KEY)
    assert constant_argument(refs, start, end, at, 2) == ix.s(HOST)
    assert constant_argument(refs, start, end, at, 0) is None  # an object, not a constant


def test_a_key_that_differs_by_path_is_not_a_constant() -> None:
    def fn(ix: Index) -> bytes:
        # 0 const-string v1 KEY; 2 if-eqz v3 +4 -> 6; 4 const-string v1 HOST; 6 const-string v0 HOST; 8 putExtra(v2, v1, v0)
        return (const_string(1, ix.s(KEY)) + u16(0x38 | 3 << 8, 4) + const_string(1, ix.s(HOST)) + const_string(0, ix.s(HOST))
                + virtual(ix.m(INTENT, "putExtra"), 2, 1, 0) + RETURN_VOID)

    built = build_code_dex(_code(fn), refs=[*REFS, (INTENT, "putExtra")], fields=FIELDS, strings=[HOST, KEY])
    dex = DexFile(built.blob, "flow.dex")
    refs, ix = CodeRefs(dex), built.index
    sites = refs.sites(strings=[ix.s(HOST)])[(2, ix.s(HOST))]
    start, end = sites[0].start, sites[0].end
    at = start + 2 * 8
    assert dex.buffer[at] == 0x6E
    assert constant_argument(refs, start, end, at, 1) is None
    assert constant_argument(refs, start, end, at, 2) == ix.s(HOST)


def test_the_scheme_a_builder_was_given_is_read_back_through_its_results() -> None:
    def fn(ix: Index) -> bytes:
        # v0 = new Uri.Builder; v0 = v0.scheme("uri"); v0.authority(HOST)
        return (new_instance(0) + const_string(1, ix.s("uri")) + virtual(ix.m(BUILDER, "scheme"), 0, 1) + move_result_object(0)
                + const_string(1, ix.s(HOST)) + virtual(ix.m(BUILDER, "authority"), 0, 1) + RETURN_VOID)

    dex, refs, ix = _built(fn, ["uri"])
    carry = {(BUILDER, "scheme"): CARRY_RESULT | CARRY_RECEIVER}
    start, end, at = _call_at(refs, ix, dex, (BUILDER, "authority"), carry)
    flags = {ix.m(*k): v for k, v in carry.items()}
    scheme = receiver_constant(refs, start, end, at, lambda m: m == ix.m(BUILDER, "scheme"), lambda m: flags.get(m, 0))
    assert scheme == ix.s("uri")
    # Without knowing that scheme() returns its builder, the register was overwritten: unknown.
    assert receiver_constant(refs, start, end, at, lambda m: m == ix.m(BUILDER, "scheme"), lambda m: 0) is None


def test_what_a_string_builder_holds_before_an_append() -> None:
    def fn(ix: Index) -> bytes:
        # v0 = new StringBuilder(); v0 = v0.append(PREFIX); v0 = v0.append(v2); v0.append(HOST)
        return (new_instance(0) + invoke(0x70, ix.m(SB, "<init>"), 0) + const_string(1, ix.s(PREFIX))
                + virtual(ix.m(SB, "append"), 0, 1) + move_result_object(0) + virtual(ix.m(SB, "append"), 0, 2)
                + move_result_object(0) + const_string(1, ix.s(HOST)) + virtual(ix.m(SB, "append"), 0, 1) + RETURN_VOID)

    dex, refs, ix = _built(fn, [PREFIX])
    carry = {(SB, "append"): CARRY_RESULT | CARRY_RECEIVER}
    start, end, at = _call_at(refs, ix, dex, (SB, "append"), carry)
    flags = {ix.m(*k): v for k, v in carry.items()}
    appended = receiver_constants(refs, start, end, at, lambda m: m in (ix.m(SB, "append"), ix.m(SB, "<init>")),
                                  lambda m: flags.get(m, 0))
    assert appended == [ix.s(PREFIX)]  # the non-constant append in between says nothing


def test_try_blocks_read_like_dexdump_says(tmp_path: Path) -> None:
    """Every try block of a real app's code, with its handlers, as dexdump lists them."""
    if shutil.which("dexdump") is None:
        pytest.skip("dexdump not installed (apt-get install dexdump)")
    with zipfile.ZipFile(HERE / "branch-testbed.apk") as z:
        blob = z.read("classes.dex")
    (tmp_path / "classes.dex").write_bytes(blob)
    out = subprocess.run(["dexdump", "-d", str(tmp_path / "classes.dex")], capture_output=True, timeout=300).stdout.decode("utf-8", "replace")
    expected: dict[int, list[tuple[int, int, list[int]]]] = {}
    start = -1
    lines = out.splitlines()
    for k, line in enumerate(lines):
        if m := re.match(r"([0-9a-f]{6}):\s+\|\[([0-9a-f]{6})\] ", line):
            start = int(m[2], 16) + 16
        elif m := re.match(r"\s+catches\s+: (\d+)", line):
            blocks: list[tuple[int, int, list[int]]] = []
            j = k + 1
            while j < len(lines) and (b := re.match(r"\s+0x([0-9a-f]{4}) - 0x([0-9a-f]{4})", lines[j])):
                targets = []
                j += 1
                while j < len(lines) and (h := re.match(r"\s+\S.* -> 0x([0-9a-f]{4})$", lines[j])) and " - 0x" not in lines[j]:
                    targets.append(start + 2 * int(h[1], 16))
                    j += 1
                blocks.append((start + 2 * int(b[1], 16), start + 2 * int(b[2], 16), targets))
            if int(m[1]):
                expected[start] = blocks
    dex = DexFile(blob, "classes.dex")
    assert len(expected) >= 100
    for first, blocks in expected.items():
        end = first + 2 * struct.unpack_from("<I", blob, first - 4)[0]
        assert try_blocks(dex.buffer, first, end) == blocks, hex(first)


def _code_item(insns: bytes, tries: list[tuple[int, int, int]], handlers: bytes) -> tuple[bytes, int, int]:
    """A code item alone: header (registers, ins, outs, tries_size, debug, insns_size), insns,
    padding, tries, handler list; with where its instructions lie."""
    head = struct.pack("<HHHHII", 2, 0, 0, len(tries), 0, len(insns) // 2)
    pad = b"\0\0" if (len(insns) // 2) % 2 else b""
    table = b"".join(struct.pack("<IHH", *t) for t in tries)
    blob = head + insns + pad + table + handlers
    return blob, 16, 16 + len(insns)


def test_try_blocks_of_hand_made_code() -> None:
    # One try over units 0-1 with a typed handler at unit 2 and a catch-all at unit 3: a list of one
    # handler whose size is -1 (sleb128 0x7f: one typed pair, then a catch-all address).
    handlers = bytes([1]) + bytes([0x7F]) + bytes([7, 2]) + bytes([3])
    blob, start, end = _code_item(u16(0x12, 0x12, 0x0E, 0x0E), [(0, 2, 1)], handlers)
    assert try_blocks(blob, start, end) == [(start, start + 4, [start + 4, start + 6])]
    # Cut short, the table says nothing.
    assert try_blocks(blob[:-2], start, end) is None
    # Hostile: 4,000 tries each claiming 60 handlers (or a list running past the file) are refused,
    # not walked.
    many = bytes([1]) + bytes([60]) + bytes([1, 0]) * 60
    blob, start, end = _code_item(u16(0x0E), [(0, 1, 1)] * 4000, many)
    assert try_blocks(blob, start, end) is None


NETINFO = "Landroid/net/NetworkInfo;"
STRING = "Ljava/lang/String;"
SDK = "Lcom/other/Sdk;"


def test_the_call_a_compared_value_came_from() -> None:
    def fn(ix: Index) -> bytes:
        # 0 v0 = v2.getExtraInfo(); 4 v0 = v0.toLowerCase(); 8 const-string v1 HOST; 10 v0.startsWith(v1)
        # 13 if-eqz v3 +3 -> 16; 15 v0 = v3 (the parameter); 16 v0.startsWith(v1)
        return (virtual(ix.m(NETINFO, "getExtraInfo"), 2) + move_result_object(0) + virtual(ix.m(STRING, "toLowerCase"), 0)
                + move_result_object(0) + const_string(1, ix.s(HOST)) + virtual(ix.m(STRING, "startsWith"), 0, 1)
                + u16(0x38 | 3 << 8, 3) + u16(0x07 | (0 | 3 << 4) << 8) + virtual(ix.m(STRING, "startsWith"), 0, 1)
                + RETURN_VOID)

    built = build_code_dex(_code(fn), refs=[*REFS, (NETINFO, "getExtraInfo"), (STRING, "toLowerCase"), (STRING, "startsWith")],
                           fields=FIELDS, strings=[HOST])
    dex = DexFile(built.blob, "flow.dex")
    refs, ix = CodeRefs(dex), built.index
    (site,) = refs.sites(strings=[ix.s(HOST)])[(2, ix.s(HOST))]
    first, second = site.start + 2 * 10, site.start + 2 * 16
    assert dex.buffer[first] == 0x6E and dex.buffer[second] == 0x6E
    lower = {ix.m(STRING, "toLowerCase"): CARRY_RESULT}
    assert argument_sources(refs, site.start, site.end, first, 0, lambda m: lower.get(m, 0)) == [ix.m(NETINFO, "getExtraInfo")]
    # Not knowing that toLowerCase returns its receiver's text, it is where the value came from.
    assert argument_sources(refs, site.start, site.end, first, 0, lambda m: 0) == [ix.m(STRING, "toLowerCase")]
    assert argument_sources(refs, site.start, site.end, first, 1, lambda m: 0) is None  # a constant
    # On one path to the second comparison the value is a parameter: unknown.
    assert argument_sources(refs, site.start, site.end, second, 0, lambda m: lower.get(m, 0)) is None


def test_the_constants_other_calls_of_a_method_are_given() -> None:
    names = ["com.facebook.katana", "com.twitter.android"]

    def fn(ix: Index) -> bytes:
        # Sdk.config(NAME0); Sdk.config(NAME1); Sdk.config(v2); Sdk.config(HOST); Log.d(HOST)
        return (const_string(0, ix.s(names[0])) + static(ix.m(SDK, "config"), 0)
                + const_string(0, ix.s(names[1])) + static(ix.m(SDK, "config"), 0) + static(ix.m(SDK, "config"), 2)
                + const_string(0, ix.s(HOST)) + static(ix.m(SDK, "config"), 0) + static(ix.m(LOG, "d"), 0) + RETURN_VOID)

    built = build_code_dex(_code(fn), refs=REFS, fields=FIELDS, strings=[HOST, *names])
    dex = DexFile(built.blob, "flow.dex")
    refs, ix = CodeRefs(dex), built.index
    (site,) = refs.sites(strings=[ix.s(HOST)])[(2, ix.s(HOST))]
    at = site.start + 2 * 15
    assert dex.buffer[at] == 0x71  # the call given HOST
    assert sorted(sibling_constants(refs, site.start, site.end, at, 0)) == sorted(ix.s(n) for n in names)
    assert sibling_constants(refs, site.start, site.end, site.start + 2 * 18, 0) == []  # Log.d is called once
    assert sibling_constants(refs, site.start, site.end, at, 1) == []  # no such argument
