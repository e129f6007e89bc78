"""The package's public API is small and explicit."""

from __future__ import annotations

import datatrail


def test_all_names_exist_and_nothing_else_is_advertised() -> None:
    assert sorted(datatrail.__all__) == sorted(
        ["__version__", "scan_file", "ScanOptions", "DatatrailError", "InputError", "UnsupportedInput", "CorruptInput", "LimitExceeded"]
    )
    for name in datatrail.__all__:
        assert hasattr(datatrail, name), name


def test_input_errors_share_one_base() -> None:
    for cls in (datatrail.UnsupportedInput, datatrail.CorruptInput, datatrail.LimitExceeded):
        assert issubclass(cls, datatrail.InputError) and issubclass(cls, datatrail.DatatrailError)


def test_version_matches_the_distribution() -> None:
    from importlib.metadata import version

    assert datatrail.__version__ == version("datatrail")
