"""monitoring/ucdhcp-alerts.yml: `promtool check rules` where promtool is installed; always a
parse of the file as Prometheus loads it (groups of rules, each alert with an expression,
labels and annotations), four of the conditions docs/operating.md (Metrics) lists: no
replies, replies dropped, a failed reload, kernel receive drops; and every ucdhcp metric an
expression names is one a running ucdhcp exports (scraped from a real service)."""

import asyncio
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.programs import tool_or_skip

from ..integration.loopback import serving
from .metrics_service import metrics_service, scrape

RULES = Path(__file__).resolve().parents[2] / "monitoring" / "ucdhcp-alerts.yml"
NODE_EXPORTER = {"node_netstat_Udp_RcvbufErrors", "up"}  # not ucdhcp's own metrics


def alerts() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    found = {}
    for group in document["groups"]:
        assert set(group) == {"name", "rules"}
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            found[rule["alert"]] = rule
    return found


def metric_names(expression: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers not followed by `(` and not inside
    braces (labels) or brackets (ranges), minus keywords."""
    outside = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", " ", expression)
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*(?!\s*\()", outside))
    keywords = {"by", "without", "unless", "and", "or", "on", "ignoring", "bool"}
    return {word for word in words if (word not in keywords and "_" in word) or word == "up"}


def test_promtool_checks_the_rules() -> None:
    result = subprocess.run(
        [tool_or_skip("promtool"), "check", "rules", str(RULES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_has_an_expression_severity_and_summary() -> None:
    for name, rule in alerts().items():
        assert re.fullmatch(r"Ucdhcp[A-Z][A-Za-z]+", name), name
        expression = rule["expr"]
        assert expression.count("(") == expression.count(")"), name
        assert expression.count("{") == expression.count("}"), name
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        if "for" in rule:
            assert re.fullmatch(r"\d+[smh]", rule["for"]), name


def test_the_rules_cover_silence_drops_reload_failures_and_kernel_drops() -> None:
    expressions = {name: rule["expr"] for name, rule in alerts().items()}
    assert "ucdhcp_replies_total" in expressions["UcdhcpNoReplies"]
    assert "ucdhcp_requests_total" in expressions["UcdhcpNoReplies"]
    assert "by (instance, cause)" in expressions["UcdhcpRepliesDropped"]
    assert 'result="failed"' in expressions["UcdhcpConfigReloadFailed"]
    assert "node_netstat_Udp_RcvbufErrors" in expressions["UcdhcpKernelReceiveDrops"]


@pytest.mark.asyncio
async def test_every_ucdhcp_metric_the_rules_name_is_exported(tmp_path: Path) -> None:
    async with serving(metrics_service(tmp_path)) as loopback:
        port = loopback.service.metrics_port
        assert port is not None
        _, body = await asyncio.wait_for(scrape(port), 10)
    exported = set()
    for family in text_string_to_metric_families(body):
        exported |= {family.name, f"{family.name}_total"}
    named = set().union(*(metric_names(rule["expr"]) for rule in alerts().values()))
    assert named - NODE_EXPORTER, named  # the extraction finds ucdhcp's metrics
    assert named - NODE_EXPORTER <= exported, named - NODE_EXPORTER - exported
