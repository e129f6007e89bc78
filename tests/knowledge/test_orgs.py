"""The organisation table: integrity of the curated facts, and host matching."""

from __future__ import annotations

import json
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import pytest

import datatrail.knowledge.orgs as orgs
from datatrail.knowledge.geo import is_country_code
from datatrail.knowledge.orgs import (
    anycast_prefix,
    home_countries,
    match_domain,
    network,
    normalise_host,
    organisation,
    registrable_domain,
    special_use_domain,
    top_parent,
)

DATA = Path(orgs.__file__).parent / "data" / "orgs.json"


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return doc


def test_public_api() -> None:
    assert sorted(orgs.__all__) == sorted([
        "Organisation", "DomainMatch", "NetworkInfo", "AnycastPrefix", "normalise_host", "special_use_domain",
        "registrable_domain", "organisation", "top_parent", "home_countries", "match_domain", "network",
        "anycast_prefix", "dataset_info", "table_size",
    ])


# --- integrity of the curated data -------------------------------------------------------

def test_header() -> None:
    doc = _doc()
    assert doc["format"] == 1 and doc["name"] == "datatrail-orgs"
    assert "CC BY-NC" in doc["source"]  # says which lists were NOT used
    assert doc["license"].startswith("Apache-2.0")


def test_every_country_is_an_iso_code() -> None:
    for org_id, org in _doc()["organisations"].items():
        codes = [org["country"]] if org["country"] is not None else []
        codes += org.get("operations", [])
        for code in codes:
            assert is_country_code(code), (org_id, code)


def test_every_parent_exists_and_every_group_has_a_home_country() -> None:
    table = _doc()["organisations"]
    for org_id, org in table.items():
        parent = org["parent"]
        assert parent is None or parent in table, org_id
        if org["country"] is None:
            assert parent is not None, f"{org_id}: a country or a parent is required"
        top = top_parent(organisation(org_id))
        assert top.parent is None and top.country is not None


def test_every_organisation_says_where_its_facts_come_from() -> None:
    table = _doc()["organisations"]
    parents = {org.get("parent") for org in table.values()}
    for org_id, org in table.items():
        assert org["name"].strip(), org_id
        assert len(org["source"]) >= 10, org_id
        # A domain of its own, unless it is only there as the owner of others (a holding company).
        assert org.get("domains") or org.get("hosting") or org_id in parents, org_id
        assert set(org) <= {"name", "country", "parent", "since", "operations", "source", "note", "domains", "hosting", "services"}


def test_domains_are_normalised_and_registrable() -> None:
    seen: dict[str, str] = {}
    for org_id, org in _doc()["organisations"].items():
        for domain in org.get("domains", []) + org.get("hosting", []):
            assert normalise_host(domain) == domain, domain
            base = registrable_domain(domain)
            assert base is not None and (domain == base or domain.endswith("." + base)), domain
            assert domain not in seen, f"{domain}: {seen.get(domain)} and {org_id}"
            seen[domain] = org_id


def test_services_belong_to_their_organisation() -> None:
    for org_id, org in _doc()["organisations"].items():
        for host in org.get("services", {}):
            match = match_domain(host)
            assert match is not None and match.organisation.id == org_id, host


def test_asns_and_anycast_prefixes_reference_known_organisations() -> None:
    doc = _doc()
    for number, entry in doc["asns"].items():
        assert number.isdigit() and 0 < int(number) < 2**32
        assert entry["org"] is None or entry["org"] in doc["organisations"], number
        assert isinstance(entry["anycast_or_cdn"], bool)
        if entry["org"] is None:
            assert entry.get("note"), number
    for prefix in doc["anycast_prefixes"]:
        assert prefix["org"] in doc["organisations"]
        assert prefix["service"]


def test_loader_rejects_inconsistent_tables() -> None:
    base: dict[str, Any] = {
        "name": "t", "version": "1", "source": "s", "license": "l", "date": "d", "asns": {}, "anycast_prefixes": [],
        "organisations": {"a": {"name": "A", "country": "US", "parent": None, "source": "x", "domains": ["a.com"]}},
    }
    orgs._build(base, "0")
    dup = json.loads(json.dumps(base))
    dup["organisations"]["b"] = {"name": "B", "country": "US", "parent": None, "source": "x", "domains": ["a.com"]}
    with pytest.raises(ValueError, match="claimed"):
        orgs._build(dup, "0")
    orphan = json.loads(json.dumps(base))
    orphan["organisations"]["a"]["parent"] = "missing"
    with pytest.raises(ValueError, match="unknown parent"):
        orgs._build(orphan, "0")
    cycle = json.loads(json.dumps(base))
    cycle["organisations"]["a"]["parent"] = "b"
    cycle["organisations"]["b"] = {"name": "B", "country": "US", "parent": "a", "source": "x", "domains": ["b.com"]}
    with pytest.raises(ValueError, match="cycle"):
        orgs._build(cycle, "0")
    homeless = json.loads(json.dumps(base))
    homeless["organisations"]["a"]["country"] = None
    with pytest.raises(ValueError, match="no country"):
        orgs._build(homeless, "0")


# --- the SDK vendors every scan meets ----------------------------------------------------

VENDORS: dict[str, list[str]] = {
    "tencent": ["qq.com", "weixin.qq.com", "wechat.com", "tencent.com", "gtimg.cn", "qpic.cn", "myqcloud.com",
                "tencentcloudapi.com", "bugly.qq.com"],
    "alibaba": ["alibaba.com", "aliyun.com", "alicdn.com", "taobao.com", "mmstat.com", "aliyuncs.com"],
    "umeng": ["umeng.com", "umengcloud.com"],
    "autonavi": ["amap.com", "autonavi.com"],
    "ant_group": ["alipay.com"],
    "baidu": ["baidu.com", "bdstatic.com", "bdimg.com"],
    "bytedance": ["bytedance.com", "pangle.io", "pangolin-sdk-toutiao.com", "snssdk.com", "toutiao.com", "byteoversea.com",
                  "ibytedtos.com", "ipstatp.com", "pstatp.com", "bytedance.net"],
    "tiktok": ["tiktok.com", "tiktokv.com"],
    "aurora_mobile": ["jpush.cn", "jiguang.cn", "jpush.io"],
    "getui": ["getui.com", "igexin.com", "gepush.com"],
    "xiaomi": ["xiaomi.com", "mi.com", "xiaomi.net", "miui.com"],
    "huawei": ["huawei.com", "hicloud.com", "dbankcloud.com"],
    "honor": ["hihonor.com"],
    "oppo": ["oppo.com", "heytapmobi.com", "heytapmobile.com"],
    "vivo": ["vivo.com.cn", "vivoglobal.com"],
    "meizu": ["meizu.com", "flyme.cn"],
    "msa": ["msa-alliance.cn"],
    "china_mobile": ["10086.cn", "cmpassport.com"],
    "china_unicom": ["wostore.cn", "10010.com"],
    "china_telecom": ["189.cn", "ctyun.cn"],
    "iflytek": ["iflytek.com", "xfyun.cn"],
    "sina": ["sina.com.cn", "sinaimg.cn"],
    "weibo": ["weibo.com", "weibo.cn"],
    "qihoo_360": ["360.cn", "360.com", "qhimg.com"],
    "netease": ["163.com", "126.net", "netease.com", "127.net"],
    "kochava": ["kochava.com"],
    "appsflyer": ["appsflyer.com", "appsflyersdk.com", "onelink.me"],
    "adjust": ["adjust.com", "adjust.io", "adj.st"],
    "branch": ["branch.io", "app.link"],
    "meta": ["facebook.com", "facebook.net", "fbcdn.net", "graph.facebook.com"],
    "instagram": ["instagram.com"],
    "whatsapp": ["whatsapp.net"],
    "google": ["google.com", "googleapis.com", "gstatic.com", "app-measurement.com", "firebaseio.com", "crashlytics.com",
               "doubleclick.net", "googlesyndication.com", "googleadservices.com", "admob.com", "google-analytics.com",
               "youtube.com", "gvt1.com", "1e100.net"],
    "unity": ["unity3d.com", "unityads.unity3d.com"],
    "applovin": ["applovin.com", "applvn.com"],
    "ironsource": ["is.com", "supersonicads.com"],
    "yandex": ["yandex.ru", "yandex.net", "yandex.com", "appmetrica.yandex.com", "mc.yandex.ru", "yastatic.net"],
    "vk": ["vk.com", "vk.ru", "userapi.com", "vkuser.net", "mail.ru", "mytarget.ru"],
    "sentry": ["sentry.io"],
    "aws": ["amazonaws.com", "cloudfront.net"],
    "microsoft": ["azureedge.net", "msecnd.net", "appcenter.ms"],
    "cloudflare": ["cloudflare.com"],
    "akamai": ["akamaihd.net"],
    "fastly": ["fastly.net"],
    "apple": ["apple.com"],
    "x_corp": ["twitter.com", "x.com"],
    "snap": ["snapchat.com"],
    "criteo": ["criteo.com"],
    "moloco": ["moloco.com"],
    "mintegral": ["mintegral.com"],
    "inmobi": ["inmobi.com"],
    "vungle": ["vungle.com"],
    "chartboost": ["chartboost.com"],
    "tapjoy": ["tapjoy.com"],
    "onesignal": ["onesignal.com"],
    "braze": ["braze.com"],
    "amplitude": ["amplitude.com"],
    "mixpanel": ["mixpanel.com"],
    "segment": ["segment.io"],
    "new_relic": ["newrelic.com"],
    "datadog": ["datadoghq.com"],
    "bugsnag": ["bugsnag.com"],
    "flurry": ["flurry.com"],
    "comscore": ["scorecardresearch.com"],
    "nielsen": ["imrworldwide.com"],
    "samsung": ["samsung.com"],
    "kuaishou": ["kuaishou.com"],
    "pinduoduo": ["pinduoduo.com"],
    "temu": ["temu.com"],
    "shein": ["shein.com"],
    "kaspersky": ["kaspersky.com"],
    "telegram": ["telegram.org", "t.me"],
}


@pytest.mark.parametrize(("org_id", "host"), [(o, h) for o, hosts in VENDORS.items() for h in hosts])
def test_vendor_hosts(org_id: str, host: str) -> None:
    match = match_domain(host)
    assert match is not None, host
    assert match.organisation.id == org_id


@pytest.mark.parametrize(("org_id", "home"), [
    ("tencent", "CN"), ("umeng", "CN"), ("aurora_mobile", "CN"), ("getui", "CN"), ("tiktok", "CN"), ("honor", "CN"),
    ("yandex", "RU"), ("vk", "RU"), ("meta", "US"), ("google", "US"), ("adjust", "US"), ("appsflyer", "IL"),
    ("ironsource", "US"), ("mintegral", "CN"), ("inmobi", "IN"), ("criteo", "FR"), ("samsung", "KR"),
    ("telegram", "AE"), ("hotjar", "FR"),
])
def test_home_countries(org_id: str, home: str) -> None:
    assert home_countries(organisation(org_id))[0] == home


def test_parents() -> None:
    assert top_parent(organisation("adjust")).id == "applovin"
    assert organisation("adjust").country == "DE"
    assert top_parent(organisation("google")).id == "alphabet"
    assert top_parent(organisation("chartboost")).id == "take_two"
    assert top_parent(organisation("tiktok")).id == "bytedance"
    assert top_parent(organisation("honor")).id == "honor"  # separate from Huawei since 2020
    assert organisation("ant_group").parent is None  # an Alibaba affiliate, not a subsidiary


def test_operations_differ_from_declared_headquarters() -> None:
    assert home_countries(organisation("temu")) == ("IE", ("CN",))
    assert home_countries(organisation("shein")) == ("SG", ("CN",))
    assert home_countries(organisation("tencent")) == ("CN", ())


# --- host handling -----------------------------------------------------------------------

def test_match_walks_from_the_host_down_to_the_registrable_domain() -> None:
    m = match_domain("a.b.weixin.qq.com")
    assert m is not None and m.matched == "qq.com" and m.service == "WeChat (Weixin)" and not m.hosting
    m = match_domain("examplebucket.cos.ap-guangzhou.myqcloud.com")
    assert m is not None and m.hosting and m.organisation.id == "tencent"
    m = match_domain("appmetrica.yandex.com")
    assert m is not None and m.service == "AppMetrica"
    assert match_domain("unknown-vendor.example.org") is None
    assert match_domain("com") is None


def test_registrable_domain_uses_icann_rules_only() -> None:
    assert registrable_domain("weixin.qq.com") == "qq.com"
    assert registrable_domain("bucket.s3.eu-west-1.amazonaws.com") == "amazonaws.com"  # private PSL section ignored
    assert registrable_domain("someone.github.io") == "github.io"
    assert registrable_domain("a.vivo.com.cn") == "vivo.com.cn"
    assert registrable_domain("bbc.co.uk") == "bbc.co.uk"
    assert registrable_domain("cn") is None
    assert registrable_domain("printer.local") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("WeiXin.QQ.com.", "weixin.qq.com"),
    ("*.qq.com", "qq.com"),
    ("bücher.de", "xn--bcher-kva.de"),
    ("_dmarc.example.com", "_dmarc.example.com"),
    ("-bad.com", None),
    ("a..b", None),
    ("has space.com", None),
    ("1.2.3.4", None),
    ("", None),
    ("x" * 64 + ".com", None),
])
def test_normalise_host(raw: str, expected: str | None) -> None:
    assert normalise_host(raw) == expected


def test_special_use_names() -> None:
    assert special_use_domain("printer.local") == "local"
    assert special_use_domain("localhost") == "localhost"
    assert special_use_domain("abc.onion") == "onion"
    assert special_use_domain("qq.com") is None
    assert special_use_domain("notlocal") is None


def test_networks_and_anycast_prefixes() -> None:
    cloudflare = network(13335)
    assert cloudflare is not None and cloudflare.anycast_or_cdn and cloudflare.organisation is not None
    assert cloudflare.organisation.id == "cloudflare"
    tencent = network(132203)
    assert tencent is not None and not tencent.anycast_or_cdn
    amazon = network(16509)
    assert amazon is not None and not amazon.anycast_or_cdn and amazon.note and "CloudFront" in amazon.note
    assert network(64512) is None
    dns = anycast_prefix(ip_address("8.8.4.4"))
    assert dns is not None and dns.organisation.id == "google"
    dns6 = anycast_prefix(ip_address("2606:4700:4700::1111"))
    assert dns6 is not None and dns6.organisation.id == "cloudflare"
    assert anycast_prefix(ip_address("8.8.9.1")) is None


def test_since_is_a_past_year_under_a_parent() -> None:
    import datetime

    dated = {k: v for k, v in _doc()["organisations"].items() if "since" in v}
    assert {"tapjoy", "ironsource", "fyber", "flurry"} <= set(dated)
    for org_id, raw in dated.items():
        assert raw["parent"] is not None, org_id
        assert raw["since"].isdigit() and 1990 <= int(raw["since"]) <= datetime.date.today().year, org_id


def test_an_acquisition_says_the_current_owner_and_since_when() -> None:
    from datatrail.knowledge.attribution import attribute_host

    hit = attribute_host("ws.tapjoyads.com")
    assert hit.organisation == "Tapjoy, Inc." and hit.parent == "Unity Software Inc."
    assert any("part of Unity Software Inc. (US) since 2022" in f.fact for f in hit.evidence)


def test_the_table_says_its_size() -> None:
    from datatrail.knowledge.orgs import table_size

    doc = _doc()
    orgs_n = len(doc["organisations"])
    domains = sum(len(o.get("domains", ())) for o in doc["organisations"].values())
    hosting = sum(len(o.get("hosting", ())) for o in doc["organisations"].values())
    assert table_size() == (f"{orgs_n} organisations, {domains} domains and {hosting} hosting domains, "
                            f"{len(doc['asns'])} AS numbers")
