"""Our Public Suffix List lookup against the publicsuffixlist package's own parser (the oracle)."""

from __future__ import annotations

import pytest
from publicsuffixlist import PublicSuffixList

from datatrail.knowledge.psl import SuffixRules, psl_file, public_suffix_list, registrable_domain


@pytest.fixture(scope="module")
def oracle() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True, accept_unknown=False)


def _hosts_around_every_rule(rules: SuffixRules) -> set[str]:
    hosts: set[str] = set()
    for rule in rules.exact | rules.exception:
        hosts.update(prefix + rule for prefix in ("", "a.", "b.a.", "www.", "city."))
    for parent in rules.wildcard:
        hosts.update(prefix + parent for prefix in ("x.", "a.x.", "b.a.x."))
    # The same hosts as applications write them: punycode.
    hosts |= {h.encode("idna").decode("ascii") for h in list(hosts) if not h.isascii()}
    return hosts


def test_agrees_with_the_package_on_every_rule(oracle: PublicSuffixList) -> None:
    rules = public_suffix_list()
    hosts = _hosts_around_every_rule(rules)
    assert len(hosts) > 30_000
    wrong = [
        h for h in sorted(hosts)
        if (rules.public_suffix(h), rules.registrable_domain(h)) != (oracle.publicsuffix(h), oracle.privatesuffix(h))
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("weixin.qq.com", "qq.com"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("co.uk", None),  # a public suffix is nobody's domain
        ("x.y.kobe.jp", "x.y.kobe.jp"),  # *.kobe.jp: any label under kobe.jp is a suffix
        ("www.city.kobe.jp", "city.kobe.jp"),  # !city.kobe.jp: the exception
        ("foo.s3.amazonaws.com", "amazonaws.com"),  # private section ignored: Amazon's
        ("example.unknowntld", None),
        ("xn--fiqs8s", None),  # 中国, a TLD, in punycode
        ("a.www.xn--fiqs8s", "www.xn--fiqs8s"),
        ("Example.COM.", "example.com"),
        ("a..example.com", None),
        ("xn--zz-bad.com", None),  # an undecodable label
    ],
)
def test_registrable_domain_by_hand(host: str, expected: str | None, oracle: PublicSuffixList) -> None:
    assert registrable_domain(host) == expected
    if host != "xn--zz-bad.com":  # the package lets this through as-is
        assert oracle.privatesuffix(host) == expected


def test_only_the_icann_section_is_read() -> None:
    text = psl_file().read_text(encoding="utf-8")
    assert "amazonaws.com" in text  # it is on the list, in the private section
    assert "s3.amazonaws.com" not in public_suffix_list().exact
    with pytest.raises(ValueError, match="ICANN"):
        SuffixRules.parse("com\nnet\n")
