"""The doctor's result: one `Check` per thing looked at, grouped by step, rendered for people
(a checklist with a `fix:` line under each failure) or for machines (JSON).

Strategy: a failure is something that stops a phone signing in; a warning is something that may,
depending on the phone's settings; only failures decide the exit code.
"""

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    SKIP = "skip"  # not checked: an earlier step gave nothing to check


class Step(StrEnum):
    DHCP = "DHCP"
    DNS = "DNS"
    WEB = "Certificate provisioning web service"
    REGISTRAR = "Registrar"
    TIME = "Time"


@dataclass(frozen=True, slots=True)
class Check:
    step: Step
    status: Status
    detail: str  # one line: what was checked and what was found
    fix: str | None = None  # one line: what to change, for failures and warnings

    def as_dict(self) -> dict[str, object]:
        return {
            "step": self.step.name.lower(),
            "status": self.status.value.lower(),
            "detail": self.detail,
            "fix": self.fix,
        }


def ok(step: Step, detail: str) -> Check:
    return Check(step, Status.OK, detail)


def fail(step: Step, detail: str, fix: str) -> Check:
    return Check(step, Status.FAIL, detail, fix)


def warn(step: Step, detail: str, fix: str | None = None) -> Check:
    return Check(step, Status.WARN, detail, fix)


@dataclass(frozen=True, slots=True)
class Checklist:
    subject: str  # the values checked and where they came from
    checks: tuple[Check, ...]

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.status is Status.FAIL)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        counts = {status: 0 for status in Status}
        for check in self.checks:
            counts[check.status] += 1
        warnings = counts[Status.WARN]
        figures = f"{counts[Status.OK]} ok, {warnings} warning{'' if warnings == 1 else 's'}"
        if self.ok:
            return f"result: ok, a phone could sign in as far as the network can tell ({figures})"
        failed = counts[Status.FAIL]
        return f"result: {failed} failure{'s' if failed > 1 else ''}, {figures}"

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "subject": self.subject,
            "checks": [check.as_dict() for check in self.checks],
            "summary": self.summary(),
        }


def render(checklist: Checklist) -> str:
    lines = [f"doctor: {checklist.subject}"]
    step = None
    for check in checklist.checks:
        if check.step is not step:
            step = check.step
            lines.append(step.value)
        lines.append(f"  {check.status.value:<4}  {check.detail}")
        if check.fix is not None:
            lines.append(f"        fix: {check.fix}")
    lines.append(checklist.summary())
    return "\n".join(lines)
