"""Findings as text for people, JSON for tools, and SARIF 2.1.0 for GitHub code scanning."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Sequence

from generator import __version__
from generator.check.rules import LEVELS, RULES, Finding, Report

INFORMATION_URI = "https://github.com/hardened-scaffold/hardened-scaffold/blob/main/docs/check.md"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: GitHub code scanning's severity for security rules (0-10), by level
_SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}


def text(reports: Sequence[Report]) -> str:
    out: List[str] = []
    for report in reports:
        for finding in report.findings:
            rule = finding.rule
            row = f" {rule.row}" if rule.row else ""
            fixable = "  [--fix]" if rule.fixable else ""
            out.append(f"{finding.path}:{finding.line}: {rule.level}{row} {rule.id}: {rule.title}")
            out.append(f"    seen: {finding.seen}")
            out.append(f"    why:  {rule.why}")
            out.append(f"    fix:  {finding.advice}{fixable}")
    return "\n".join(out) + ("\n" if out else "")


def summary(report: Report) -> str:
    if report.error:
        return report.error
    if not report.findings:
        extra = f" ({report.suppressed} ignored by scaffold-check pragmas)" if report.suppressed else ""
        return f"{report.path}: no findings{extra}"
    counts = [f"{sum(1 for f in report.findings if f.rule.level == level)} {level}{'s' if sum(1 for f in report.findings if f.rule.level == level) != 1 else ''}"
              for level in LEVELS if any(f.rule.level == level for f in report.findings)]
    fixable = sum(1 for f in report.findings if f.rule.fixable)
    tail = f"; {fixable} fixable with --fix" if fixable else ""
    return f"{report.path}: {len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} ({', '.join(counts)}){tail}"


def as_json(reports: Sequence[Report], fixes: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "version": 1,
        "scaffold_version": __version__,
        "files": [{
            "path": report.path,
            "error": report.error or None,
            "findings": [finding.to_json() for finding in report.findings],
            "notes": report.notes,
            "suppressed": report.suppressed,
            **({"fix": fixes[report.path]} if report.path in fixes else {}),
        } for report in reports],
    }


def _uri(path: str) -> str:
    """A path relative to the current directory (what GitHub resolves against the repository root)."""
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_uri()


def sarif(reports: Sequence[Report]) -> Dict[str, Any]:
    """One SARIF 2.1.0 run: every rule described, one result per finding (and per unreadable file)."""
    rules = list(RULES.values())
    index = {rule.id: number for number, rule in enumerate(rules)}
    results: List[Dict[str, Any]] = []
    notifications: List[Dict[str, Any]] = []
    for report in reports:
        if report.error:
            notifications.append({"level": "error", "message": {"text": report.error},
                                  "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(report.path)}}}]})
        for finding in report.findings:
            results.append(_result(finding, index))
    run: Dict[str, Any] = {
        "tool": {"driver": {
            "name": "scaffold check",
            "fullName": "hardened-scaffold check",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule(rule) for rule in rules],
        }},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if notifications:
        run["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": notifications}]
    else:
        run["invocations"] = [{"executionSuccessful": True}]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rule: Any) -> Dict[str, Any]:
    row = f"{rule.row}: " if rule.row.startswith("H") else ""
    markdown = (f"**{row}{rule.title}**\n\n{rule.why}\n\n**Fix:** {rule.advice}\n\n"
                f"Flagged:\n```dockerfile\n{rule.bad}\n```\nPasses:\n```dockerfile\n{rule.good}\n```")
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": f"{row}{rule.title}"},
        "fullDescription": {"text": rule.why},
        "help": {"text": f"{rule.why} Fix: {rule.advice}", "markdown": markdown},
        "helpUri": f"{INFORMATION_URI}#{rule.id}",
        "defaultConfiguration": {"level": rule.level},
        "properties": {"tags": ["security", "dockerfile", rule.row], "security-severity": _SECURITY_SEVERITY[rule.level],
                       "precision": "high"},
    }


def _result(finding: Finding, index: Dict[str, int]) -> Dict[str, Any]:
    rule = finding.rule
    return {
        "ruleId": rule.id,
        "ruleIndex": index[rule.id],
        "level": rule.level,
        "message": {"text": f"{rule.title}: {finding.seen}. Fix: {finding.advice}"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(finding.path)},
            "region": {"startLine": max(1, finding.line)},
        }}],
        "partialFingerprints": {"ruleAndLine/v1": f"{rule.id}:{os.path.basename(finding.path)}:{finding.seen[:80]}"},
    }


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
