"""``datatrail token``: a secret printed once, kept hashed, refused twice, revoked."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from datatrail.cli.main import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from datatrail.store import open_store
from datatrail.store.tokens import verify_token


def test_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["token", "create", "ci-uploader", *data]) == EXIT_OK
    out = capsys.readouterr()
    secret = out.out.strip()
    assert secret.startswith("dt_") and len(secret) > 40 and "shown once" in out.err
    db = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("datatrail.sqlite3*"))  # the file and its WAL
    assert secret.encode() not in db and hashlib.sha256(secret.encode()).hexdigest().encode() in db  # only its hash is kept
    store = open_store(None, tmp_path / "data")
    with store.begin() as conn:
        assert verify_token(conn, secret) is not None
    assert main(["token", "create", "ci-uploader", *data]) == EXIT_INPUT
    assert "exists already" in capsys.readouterr().err
    assert main(["token", "list", *data]) == EXIT_OK
    assert capsys.readouterr().out.startswith("ci-uploader\tlive\t")
    assert main(["token", "revoke", "ci-uploader", *data]) == EXIT_OK
    assert main(["token", "revoke", "ci-uploader", *data]) == EXIT_INPUT
    with store.begin() as conn:
        assert verify_token(conn, secret) is None
    assert main(["token", "create", *data]) == EXIT_USAGE
    store.engine.dispose()


def test_service_commands_refuse_bad_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--jobs", "0", "--data-dir", str(tmp_path)]) == EXIT_USAGE
    assert main(["serve", "--port", "70000", "--data-dir", str(tmp_path)]) == EXIT_USAGE
    assert "--port 1-65535" in capsys.readouterr().err
