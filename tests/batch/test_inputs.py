"""Walking directory arguments: a walk stays inside the tree it was given and never opens what is not a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from datatrail.batch.inputs import discover


def _apk(path: Path) -> bool:
    return path.suffix == ".apk"


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a.apk").write_bytes(b"PK")
    (root / "sub" / "b.apk").write_bytes(b"PK")
    (root / "notes.txt").write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "c.apk").write_bytes(b"PK")
    (root / "out-dir").symlink_to(outside, target_is_directory=True)     # leads out of the tree
    (root / "out-file.apk").symlink_to(outside / "c.apk")                # leads out of the tree
    (root / "in-file.apk").symlink_to(root / "sub" / "b.apk")            # stays inside: followed
    (root / "loop").symlink_to(root, target_is_directory=True)           # inside, entered once
    (root / "proc").symlink_to("/proc/self", target_is_directory=True)   # never, even when asked
    (root / "mtab").symlink_to("/proc/self/mounts")
    os.mkfifo(root / "pipe.apk")                                         # never opened
    return root


def _names(root: Path, follow: bool) -> list[str]:
    return [str(item.relative) for item in discover([root], _apk, follow_symlinks=follow).inputs]


def test_a_walk_stays_inside_its_tree(tree: Path) -> None:
    found = discover([tree], _apk)
    assert [str(item.relative) for item in found.inputs] == ["a.apk", "in-file.apk", "sub/b.apk"]
    assert found.links_not_followed == 2  # out-dir and out-file.apk
    assert found.special == 3  # proc, mtab, pipe.apk
    assert found.skipped == 1  # notes.txt
    notes = found.notes()
    assert notes[0] == "datatrail: 2 symbolic links leading out of the directory not followed (--follow-symlinks follows them)"
    assert notes[1] == "datatrail: 3 FIFOs, devices, sockets or links into /proc, /sys or /dev not opened"


def test_following_links_is_asked_for_and_still_skips_system_trees(tree: Path) -> None:
    found = discover([tree], _apk, follow_symlinks=True)
    assert [str(item.relative) for item in found.inputs] == ["a.apk", "in-file.apk", "out-file.apk", "out-dir/c.apk", "sub/b.apk"]
    assert found.links_not_followed == 0
    assert found.special == 3


def test_a_tree_without_anything_left_alone_says_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.apk").write_bytes(b"PK")
    found = discover([tmp_path], _apk)
    assert found.notes() == [] and len(found.inputs) == 1
