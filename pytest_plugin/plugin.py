"""The pytest fixtures: ``smsmock`` (in-process: requests, httpx and aiohttp) and ``smsmock_server`` (a live server).

Import cost: pytest imports this module in every run of every project where smsmock is installed, so at
import time it takes only pytest and the standard library. Flask, the specs, responses, waitress and
smsmock's own modules are imported inside the fixtures and hooks that need them, when a test uses them.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:
    from flask import Flask

    from smsmock.state import RateLimit

    from .handle import SmsMock
    from .server import LiveServer

__all__ = ["smsmock", "smsmock_server"]

MARKER = (
    "smsmock(seed=None, strict=True, rate_limits=None, base_urls=None, block_network=False): "
    "configure the smsmock fixtures for this test"
)
OPTIONS = {"seed", "strict", "rate_limits", "base_urls", "block_network"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smsmock", "SMS provider mocks (smsmock)")
    group.addoption("--smsmock-seed", metavar="FILE", help="seed YAML for the smsmock fixtures (default: the demo seed)")
    group.addoption(
        "--smsmock-no-strict",
        action="store_true",
        default=None,
        help="do not fail tests whose requests break a provider's contract",
    )
    group.addoption(
        "--smsmock-base-url",
        action="append",
        default=[],
        metavar="PROVIDER=URL",
        help="also answer this base URL in-process (repeatable; e.g. quickflow=https://sms.example.co.ke/api/method)",
    )
    group.addoption(
        "--smsmock-block-network",
        action="store_true",
        default=None,
        help="refuse every non-loopback connection while an smsmock fixture is active",
    )
    parser.addini("smsmock_seed", "seed YAML for the smsmock fixtures", default="")
    parser.addini("smsmock_base_urls", "more base URLs answered in-process, as provider=URL lines", type="linelist", default=[])
    parser.addini("smsmock_block_network", "refuse every non-loopback connection during smsmock tests", type="bool", default=False)
    parser.addini("smsmock_strict", "fail tests whose requests break a provider's contract", type="bool", default=True)
    parser.addini(
        "smsmock_rate_limits",
        "rate limits as provider=limit/window lines, e.g. smsflow=5/60",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    seed_file = config.getoption("smsmock_seed") or config.getini("smsmock_seed")
    if seed_file:  # a missing or unreadable file is a usage error now, not an error in every test
        _seed_file(Path(config.rootpath, seed_file))


def _rate_limits(lines: list[str]) -> dict[str, RateLimit]:
    from smsmock.state import RateLimit

    limits = {}
    for line in lines:
        name, _, rule = line.partition("=")
        limit, _, window = rule.partition("/")
        try:
            limits[name.strip()] = RateLimit(int(limit), int(window or 60))
        except ValueError:
            raise pytest.UsageError(f"smsmock_rate_limits: {line!r} is not provider=limit/window") from None
    return limits


def _base_urls(lines: list[str], where: str) -> dict[str, list[str]]:
    urls: dict[str, list[str]] = {}
    for line in lines:
        name, _, url = line.partition("=")
        if not url.strip():
            raise pytest.UsageError(f"{where}: {line!r} is not provider=URL")
        urls.setdefault(name.strip(), []).append(url.strip())
    return urls


class _Settings:
    """Seed, strictness, rate limits, base URLs and the network rule for one test: marker over command line over ini."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        config = request.config
        marker = request.node.get_closest_marker("smsmock")
        options = dict(marker.kwargs) if marker else {}
        unknown = set(options) - OPTIONS
        if unknown:
            raise pytest.UsageError(f"@pytest.mark.smsmock: unknown options {sorted(unknown)}")
        no_strict = config.getoption("smsmock_no_strict")
        strict_default = False if no_strict else config.getini("smsmock_strict")
        self.strict: bool = options.get("strict", strict_default)
        seed = options.get("seed")
        seed_file = config.getoption("smsmock_seed") or config.getini("smsmock_seed")
        if seed is None:
            self.seed: dict[str, Any] = _seed_file(Path(config.rootpath, seed_file)) if seed_file else _default_seed()
        elif isinstance(seed, dict):
            self.seed = seed
        else:
            self.seed = _seed_file(Path(config.rootpath, seed))
        from smsmock.state import RateLimit

        self.rate_limits = _rate_limits(config.getini("smsmock_rate_limits"))
        for name, rule in (options.get("rate_limits") or {}).items():
            limit, window = rule if isinstance(rule, tuple) else (rule, 60)
            self.rate_limits[name] = RateLimit(limit, window)
        # Base URLs add up: the ini's, the command line's and the marker's are all answered.
        self.base_urls = _base_urls(config.getini("smsmock_base_urls"), "smsmock_base_urls")
        for name, urls in _base_urls(config.getoption("smsmock_base_url"), "--smsmock-base-url").items():
            self.base_urls.setdefault(name, []).extend(urls)
        self.marked_base_urls = bool(options.get("base_urls"))  # the test's own: smsmock_server cannot answer them
        for name, urls in (options.get("base_urls") or {}).items():
            self.base_urls.setdefault(name, []).extend([urls] if isinstance(urls, str) else urls)
        block = options.get("block_network", config.getoption("smsmock_block_network"))
        self.block_network: bool = bool(config.getini("smsmock_block_network") if block is None else block)


_SEEDS: dict[Path | None, dict[str, Any]] = {}


def _default_seed() -> dict[str, Any]:
    if None not in _SEEDS:
        from smsmock.seeds import default_seed

        _SEEDS[None] = default_seed()
    return _SEEDS[None]


def _seed_file(path: Path) -> dict[str, Any]:
    """A seed file, read once per session (the same object lets a reset skip re-checking it)."""
    if path not in _SEEDS:
        from smsmock.seeds import load_seed  # YAML only: pytest_configure reads the seed file with this

        try:
            _SEEDS[path] = load_seed(path)
        except (OSError, ValueError) as exc:
            raise pytest.UsageError(f"smsmock seed: {exc}") from exc
    return _SEEDS[path]


_HANDLES = pytest.StashKey[list]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A contract violation fails the test itself (not only its teardown) when the test body passed."""
    result = yield
    for handle in item.stash.get(_HANDLES, []):
        failure = handle.failure()
        if failure and not handle.reported:
            handle.reported = True
            pytest.fail(failure, pytrace=False)
    return result


def _run(handle: SmsMock, settings: _Settings, request: pytest.FixtureRequest, app: Flask | None) -> Iterator[SmsMock]:
    """Reset, apply the test's limits, intercept (``app``: in-process), hand the handle over, enforce the contract."""
    from .intercept import Interception, Sites

    sites = Sites.documented(handle.mock)  # under either fixture: the guard keeps clients off the real hosts
    try:
        if app is None and settings.marked_base_urls:
            raise ValueError("smsmock_server serves at its own base_url: base_urls apply to the smsmock fixture")
        # The suite's base URLs (ini, command line) are answered in-process under smsmock; under smsmock_server
        # they are guarded like the documented hosts: a client still pointed at its real site is refused.
        for name, urls in settings.base_urls.items():
            for url in urls:
                sites.add(name, url)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    handle.strict = settings.strict
    request.node.stash.setdefault(_HANDLES, []).append(handle)
    try:
        handle.begin(settings.seed)
    except ValueError as exc:  # the seed's records are checked here, on first use (a dry run: nothing changed)
        pytest.fail(f"smsmock: the seed is not valid: {exc}", pytrace=False)
    for name, rule in settings.rate_limits.items():
        handle.mock.set_limit(name, rule.limit, rule.window)
    handle.interception = Interception(app, sites, settings.block_network).start()
    try:
        yield handle
    finally:
        handle.interception.stop()
        handle.end()
    failure = handle.failure()
    if failure and not handle.reported:  # the body raised, or a later teardown sent requests
        pytest.fail(failure, pytrace=False)


@pytest.fixture(scope="session")
def _smsmock_app() -> Flask:
    """One app for every in-process test of the session (reset per test: cheap isolation)."""
    from smsmock.app import create_app

    return create_app()


@pytest.fixture
def smsmock(request: pytest.FixtureRequest, _smsmock_app: Flask) -> Iterator[SmsMock]:
    """The three providers in-process: requests, httpx and aiohttp calls to their base URLs reach the mock."""
    from smsmock.spec import load_bundled

    from .handle import SmsMock

    base_urls = {name: spec.base_url for name, spec in load_bundled().items()}
    handle = SmsMock(_smsmock_app, base_urls)
    yield from _run(handle, _Settings(request), request, _smsmock_app)


@pytest.fixture(scope="session")
def _smsmock_live() -> Iterator[LiveServer]:
    """One live server for the session, on 127.0.0.1 and a free port."""
    from smsmock.app import create_app

    from .server import LiveServer

    with LiveServer(create_app()) as server:
        yield server


@pytest.fixture
def smsmock_server(request: pytest.FixtureRequest, _smsmock_live: LiveServer) -> Iterator[SmsMock]:
    """The three providers on a real HTTP server (any client); ``smsmock_server.<provider>.base_url``."""
    from smsmock.spec import load_bundled

    from .handle import SmsMock

    base_urls = {name: _smsmock_live.url + spec.base_path for name, spec in load_bundled().items()}
    handle = SmsMock(_smsmock_live.app, base_urls)
    yield from _run(handle, _Settings(request), request, None)
