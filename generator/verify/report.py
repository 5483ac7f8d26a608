"""What `scaffold verify` found: findings that name a HARDENING.md row, and how to show them.

A finding is data first (row, check, what was seen, how to fix it, the paths involved),
so that a test or a CI step can filter it; the text form is for people. Everything in a
finding may come from the image (file names, labels, commands): the text form escapes every
control character field by field (generator.output.one_line); JSON escapes them by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from generator.errors import EXIT_FINDINGS, EXIT_OK, ScaffoldError
from generator.output import one_line
from generator.verify import CHECKS

#: how many paths a finding shows in text (JSON carries them all)
TEXT_PATHS = 8


class CannotVerify(ScaffoldError):
    """The image cannot be checked at all (no docker client or daemon, no such image, an unreadable
    archive): one line, exit 2."""


ROWS = {check.name: check.row for check in CHECKS}


@dataclass(frozen=True)
class Finding:
    """One way the image breaks the contract."""

    check: str
    seen: str
    fix: str
    paths: List[str] = field(default_factory=list)

    @property
    def row(self) -> str:
        return ROWS[self.check]

    def to_json(self) -> Dict[str, Any]:
        return {"row": self.row, "check": self.check, "seen": self.seen, "fix": self.fix, "paths": self.paths}

    def text(self) -> str:
        lines = [f"{self.row:<5} {self.check}: {one_line(self.seen)}"]
        if self.paths:
            shown = ", ".join(one_line("/" + path.lstrip("/")) for path in self.paths[:TEXT_PATHS])
            more = f" (and {len(self.paths) - TEXT_PATHS} more; --json lists all)" if len(self.paths) > TEXT_PATHS else ""
            lines.append(f"      {shown}{more}")
        lines.append(f"      fix: {self.fix}")
        return "\n".join(lines)


@dataclass
class Report:
    """The result of verifying one image: findings, which checks ran, and facts worth knowing."""

    image: str
    image_id: str = ""
    findings: List[Finding] = field(default_factory=list)
    #: check name -> why it was not run (skipped checks only)
    skipped: Dict[str, str] = field(default_factory=dict)
    #: check name -> what part of it could not be judged (the check ran otherwise)
    notes: Dict[str, str] = field(default_factory=dict)
    #: what was measured: layers, files, whiteouts, the package database and its size, ...
    facts: Dict[str, Any] = field(default_factory=dict)
    #: with --base: that image, and the findings its layers account for alone (shown, not failing)
    base: str = ""
    inherited: List[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.passed else EXIT_FINDINGS

    def rows(self) -> List[str]:
        """The HARDENING.md rows with findings, in check order."""
        rows = [check.row for check in CHECKS if any(f.check == check.name for f in self.findings)]
        return [row for index, row in enumerate(rows) if row not in rows[:index]]

    def status(self, check: str) -> str:
        if check in self.skipped:
            return "skipped"
        return "finding" if any(f.check == check for f in self.findings) else "ok"

    def to_json(self) -> Dict[str, Any]:
        return {
            "image": self.image, "id": self.image_id, "passed": self.passed,
            "findings": [finding.to_json() for finding in self.findings],
            **({"base": self.base, "inherited": [finding.to_json() for finding in self.inherited]} if self.base else {}),
            "checks": [{"check": c.name, "row": c.row, "status": self.status(c.name),
                        **({"skipped": self.skipped[c.name]} if c.name in self.skipped else {}),
                        **({"note": self.notes[c.name]} if c.name in self.notes else {})} for c in CHECKS],
            "facts": self.facts,
        }

    def text(self, paint: Optional[Any] = None) -> str:
        """The report for people; `paint(code, text)` colours words (the CLI's, or none)."""
        def color(code: str, text: str) -> str:
            return paint(code, text) if paint else text

        count = len(self.findings)
        verdict = color("32", "passes") if self.passed else color("31", f"{count} finding{'s' if count > 1 else ''}")
        facts = self.facts
        about = ", ".join(part for part in (
            self.image_id[:19] if self.image_id else "",
            f"{facts['layers']} layers" if "layers" in facts else "",
            f"{facts['files']} files" if "files" in facts else "",
        ) if part)
        lines = [f"{one_line(self.image)} ({about}): {verdict}"]
        for finding in self.findings:
            lines.append("")
            lines.append(finding.text())
        if self.inherited:
            count = len(self.inherited)
            lines.append("")
            lines.append(f"inherited from the base {one_line(self.base)}: {count} finding{'s' if count > 1 else ''} "
                         "its layers alone account for (they do not fail this image; the base's own verify lists them)")
            for finding in self.inherited:
                lines.append("")
                lines.append(finding.text())
        lines.append("")
        for check in CHECKS:
            state = self.status(check.name)
            word, code = {"ok": ("ok", "32"), "finding": ("FAIL", "31"), "skipped": ("skip", "33")}[state]
            note = self.skipped.get(check.name) or self.notes.get(check.name)
            note = f"  ({one_line(note)})" if note else ""
            lines.append(f"  {color(code, f'{word:<4}')} {check.row:<5} {check.name}{note}")
        return "\n".join(lines)
