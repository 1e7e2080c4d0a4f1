"""API keys (file, environment, digests, constant-time identify), rate limits and thread plans."""

from __future__ import annotations

import pytest

from saferkit.core.errors import UserError
from saferkit.serving.config import DEFAULT_FORMATS, serve_config
from saferkit.serving.keys import ENV_VAR, ApiKeys, key_id, presented_key, session_keys
from saferkit.serving.ratelimit import RateLimiter
from saferkit.serving.server import is_loopback, require_safe_bind
from saferkit.serving.threads import plan_threads

A, B, C = "alpha-key-0123456789", "bravo-key-0123456789", "charlie-key-0123456789"


def test_keys_from_file_and_environment(tmp_path):
    path = tmp_path / "keys.txt"
    path.write_text(f"# team keys\n{A}\n\n  {B}  \n", encoding="utf-8")
    keys = ApiKeys.load(path, environ={ENV_VAR: f" {C} ,"})
    assert len(keys) == 3
    assert keys.identify(A) == key_id(A)
    assert keys.identify(B) == key_id(B)
    assert keys.identify(C) == key_id(C)
    assert keys.identify("not-a-key-0123456789") is None
    assert keys.identify("") is None and keys.identify(None) is None


def test_keys_are_held_only_as_digests():
    keys = ApiKeys([A])
    held = repr(vars(keys))
    assert A not in held and A.encode().hex() not in held
    assert key_id(A) != key_id(B) and key_id(A) == key_id(A)
    assert A not in key_id(A)


def test_bad_key_sources_are_clear_errors(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        ApiKeys.load(tmp_path / "missing.txt", environ={})
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(UserError, match="holds no keys"):
        ApiKeys.load(empty, environ={})
    with pytest.raises(UserError, match="shorter than"):
        ApiKeys(["short"])
    assert len(ApiKeys.load(None, environ={})) == 0


def test_presented_key_accepts_bearer_and_x_api_key():
    assert presented_key({"authorization": f"Bearer {A}"}) == A
    assert presented_key({"authorization": f"bearer  {A}"}) == A
    assert presented_key({"x-api-key": A}) == A
    assert presented_key({"authorization": f"Basic {A}"}) is None
    assert presented_key({}) is None


def test_rate_limiter_allows_a_burst_then_refills_per_key():
    now = [100.0]
    limiter = RateLimiter(rate_per_s=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.allow("k")[0] for _ in range(4)] == [True, True, True, False]
    allowed, wait = limiter.allow("k")
    assert not allowed and wait == pytest.approx(0.5)
    assert limiter.allow("other")[0], "each key has its own bucket"
    now[0] += 0.5
    assert limiter.allow("k")[0]
    assert not limiter.allow("k")[0]
    unlimited = RateLimiter(rate_per_s=0, burst=1)
    assert all(unlimited.allow("k")[0] for _ in range(100))


def test_thread_plan_never_exceeds_cores():
    assert (plan_threads(None, None, cores=2).workers, plan_threads(None, None, cores=2).threads) == (2, 1)
    assert (plan_threads(None, None, cores=16).workers, plan_threads(None, None, cores=16).threads) == (4, 4)
    assert plan_threads(None, 2, cores=8).workers == 4
    assert plan_threads(1, None, cores=8).threads == 8
    assert plan_threads(3, None, cores=8).threads == 2
    assert plan_threads(2, 4, cores=8).threads == 4
    with pytest.raises(UserError, match="exceeds the 8 cores"):
        plan_threads(3, 3, cores=8)
    with pytest.raises(UserError, match="more than the 2 cores"):
        plan_threads(4, None, cores=2)
    with pytest.raises(UserError):
        plan_threads(0, None, cores=2)
    with pytest.raises(UserError):
        plan_threads(None, 0, cores=2)


def test_binding_beyond_loopback_needs_keys():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("example.org")
    require_safe_bind("127.0.0.1", 0)
    require_safe_bind("0.0.0.0", 1)
    with pytest.raises(UserError, match="without API keys"):
        require_safe_bind("0.0.0.0", 0)


def test_session_keys_use_the_configured_keys_or_make_one_for_loopback_only():
    configured = session_keys(None, "0.0.0.0", environ={ENV_VAR: A})
    assert configured.generated is None and configured.keys.identify(A) == key_id(A)
    made = session_keys(None, "127.0.0.1", environ={})
    assert made.generated is not None and len(made.keys) == 1
    assert made.keys.identify(made.generated) == key_id(made.generated)
    assert session_keys(None, "127.0.0.1", environ={}).generated != made.generated  # a new one each start
    with pytest.raises(UserError, match="without API keys"):
        session_keys(None, "0.0.0.0", environ={})


def test_serve_config_from_options_refuses_what_cannot_work(tmp_path):
    config = serve_config(formats=" jpeg, png ,", max_body_mb=1.5, audit_log=tmp_path / "audit.jsonl")
    assert config.limits.allowed_formats == ("JPEG", "PNG")
    assert config.limits.max_body_bytes == int(1.5 * 1024 * 1024)
    assert serve_config().limits.allowed_formats == DEFAULT_FORMATS
    with pytest.raises(UserError, match="--formats names no format"):
        serve_config(formats=" , ")
    for bad in ({"max_batch_size": 0}, {"max_images": 0}, {"max_body_mb": 0}, {"max_queue_delay_ms": -1}):
        with pytest.raises(UserError, match="must be positive"):
            serve_config(**bad)
