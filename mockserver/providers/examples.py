"""The provider for any other OpenAPI file: it answers from the spec's examples, holding no state."""
from __future__ import annotations

from typing import Any, Callable

from ..errors import Kind, ProviderError
from ..spec import Operation
from .base import Ok, Provider, Reply

__all__ = ["ExampleProvider"]

_STATUS = {
    Kind.AUTH_MISSING: 401,
    Kind.AUTH_INVALID: 401,
    Kind.VALIDATION: 422,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.INSUFFICIENT_BALANCE: 402,
    Kind.RATE_LIMITED: 429,
    Kind.NO_ROUTE: 404,
    Kind.WRONG_METHOD: 405,
    Kind.TOO_LARGE: 413,
}


class ExampleProvider(Provider):
    """Credentials are checked for presence only; answers are the documented examples."""

    name = "examples"

    def load(self, seed: dict[str, Any]) -> None:
        """Nothing to seed: the examples are the data."""

    def snapshot(self) -> dict[str, Any]:
        """No state beyond the spec."""
        return {"spec": self.spec.title, "operations": [op.operation_id for op in self.spec.operations]}

    def authenticate(self, credentials: dict[str, str], operation: Operation) -> str:
        """Any security requirement whose every scheme was sent is enough."""
        if not operation.security or any(not req for req in operation.security):
            return "anonymous"
        if any(req and all(name in credentials for name in req) for req in operation.security):
            return "default"
        raise ProviderError(Kind.AUTH_MISSING, "credentials are missing")

    def handler(self, operation: Operation) -> Callable[[str, dict[str, Any]], Ok]:
        """Answer with the success example."""

        def answer(account: str, args: dict[str, Any]) -> Ok:
            try:
                _, body, _ = self.spec.example(operation, None, None)
            except ValueError:
                body = None
            return Ok(body)

        return answer

    def error_reply(self, error: ProviderError) -> Reply:
        """The operation's documented example for the status when it has one, else a plain JSON error."""
        status = _STATUS[error.kind]
        operation = error.detail.get("operation")
        if isinstance(operation, Operation) and str(status) in operation.responses:
            try:
                return Reply(status, self.spec.example(operation, status, None)[1])
            except ValueError:
                pass
        return Reply(status, {"error": error.kind.value, "message": error.message, "fields": error.fields})
