"""Contract violations seen by the mock, as a test reads them and as a failure message explains them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smsmock.journal import JournalEntry

__all__ = ["ContractViolation", "explain", "violations_of"]


@dataclass(frozen=True)
class ContractViolation:
    """One way a request broke a provider's spec."""

    provider: str | None
    operation: str | None
    method: str
    path: str
    location: str  # query, path, header, body, content-type, auth, operation
    name: str
    message: str
    expected: Any = None
    received: Any = None
    status: int | None = None  # what the mock answered

    def __str__(self) -> str:
        what = f"{self.location} parameter {self.name!r}" if self.location in ("query", "path", "header") else (
            f"body field {self.name!r}" if self.location == "body" and self.name else self.location
        )
        text = f"{what} {self.message}" if self.location != "operation" else self.message
        return text


def violations_of(entry: JournalEntry) -> list[ContractViolation]:
    """The violations one journal entry records (an unmatched request is one itself)."""
    common: dict[str, Any] = {
        "provider": entry.provider,
        "operation": entry.operation,
        "method": entry.method,
        "path": entry.path,
        "status": entry.status,
    }
    if entry.outcome == "unmatched":
        nearest = entry.nearest or []
        hint = "; nearest: " + ", ".join(f"{n['method']} {n['path']} ({n['why']})" for n in nearest) if nearest else ""
        return [ContractViolation(location="operation", name="", message=f"no documented operation: {entry.reason}{hint}", **common)]
    return [
        ContractViolation(location=v.location, name=v.name, message=v.message, expected=v.expected, received=v.received, **common)
        for v in entry.violations
    ]


def explain(violations: list[ContractViolation]) -> str:
    """A failure message: per request, the provider, operation, what the spec wants and what came."""
    lines: list[str] = []
    requests: dict[tuple[Any, ...], list[ContractViolation]] = {}
    for v in violations:
        requests.setdefault((v.provider, v.operation, v.method, v.path, v.status), []).append(v)
    count = len(requests)
    lines.append(f"smsmock: {count} request{'s' if count != 1 else ''} broke the provider contract:")
    for (provider, operation, method, path, status), found in requests.items():
        label = f"{provider or 'no provider'} {operation or '(unknown operation)'}"
        lines.append(f"  {method} {path}  [{label}] answered {status}")
        for v in found:
            detail = ""
            if v.expected is not None and v.location not in ("auth", "operation"):
                detail += f" (spec: {v.expected!r}"
                detail += f"; got {v.received!r})" if v.received is not None else ")"
            lines.append(f"    - {v}{detail}")
    lines.append(
        "Fix the client, or mark the test @pytest.mark.smsmock(strict=False) and assert on smsmock.violations."
    )
    return "\n".join(lines)
