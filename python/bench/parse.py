"""parse_response against json.loads of the same bytes, against the official `cloudflare` SDK
turning the same bytes into its models, and build_request; on the bench's data set (the bytes
the Rust bench wrote). Run by scripts/bench.sh in its venv (target/bench/venv: the built wheel,
`cloudflare` 4.x, httpx):

    python python/bench/parse.py <data dir> <results.json>

Baseline and subject run in alternating batches (the order flips every round); a side's time is
the median of its batch means, the ratio the median of the per-round ratios. Nothing is asserted.

The official SDK is measured two ways, both its own code:
- `full`: `client.accounts.members.list(account_id=...)` (and `accounts.list`, `accounts.get`)
  over an `httpx.MockTransport` that answers with the bytes: the SDK's whole path (request
  building, httpx, `_process_response`, model construction), without a network;
- `parse`: `client._process_response(...)` replayed with the `cast_to` and options the SDK used
  for that call, on a fresh `httpx.Response` holding the bytes: its response parsing only
  (`response.json()` then `construct_type` into `SyncV4PagePaginationArray[Member]` etc.).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any, Callable, Dict, Tuple

import cloudflare_tenant as ct
from cloudflare_tenant import _native

BATCH_S = 0.005
ROUNDS = 31
ACCOUNT_ID = "023e105f4ecef8ad9ca31a8372d0c353"

SETS = [
    ("members page (1,000)", "members_page", "accounts.members.list"),
    ("accounts page (1,000)", "accounts_page", "accounts.list"),
    ("single account", "single_account", "accounts.get"),
]


def _calibrate(fn: Callable[[], Any]) -> int:
    """How many calls make a batch of BATCH_S: doubled until a batch takes that long (timeit's
    autorange), which warms the code up too; one cold call sized batches too short."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - start >= BATCH_S or n >= 1_000_000:
            return n
        n *= 2


def _batch(fn: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def paired(base: Callable[[], Any], subject: Callable[[], Any], rounds: int = ROUNDS) -> Dict[str, float]:
    """Median seconds per call of each side and the median per-round ratio subject / base."""
    nb, ns = _calibrate(base), _calibrate(subject)
    bs, ss, rs = [], [], []
    for r in range(rounds):
        if r % 2 == 0:
            b = _batch(base, nb)
            s = _batch(subject, ns)
        else:
            s = _batch(subject, ns)
            b = _batch(base, nb)
        bs.append(b)
        ss.append(s)
        rs.append(s / b)
    return {"base": statistics.median(bs), "subject": statistics.median(ss), "ratio": statistics.median(rs)}


def fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e9:.0f} ns"


# ---- the official SDK ------------------------------------------------------------------------


def official(bodies: Dict[str, bytes]) -> Tuple[Dict[str, Callable[[], Any]], Dict[str, Callable[[], Any]], str]:
    """Per operation: the SDK's full call over a mock transport, and its parse path alone."""
    try:
        import cloudflare
        import httpx
    except ImportError as error:  # the key is left out then
        print(f"official SDK not available: {error}", file=sys.stderr)
        return {}, {}, ""

    current: Dict[str, bytes] = {}

    def handler(request: "httpx.Request") -> "httpx.Response":
        return httpx.Response(200, headers={"content-type": "application/json"}, content=current["body"])

    client = cloudflare.Cloudflare(
        api_token="bench-token", max_retries=0, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    calls = {
        "accounts.members.list": lambda: client.accounts.members.list(account_id=ACCOUNT_ID),
        "accounts.list": lambda: client.accounts.list(),
        "accounts.get": lambda: client.accounts.get(account_id=ACCOUNT_ID),
    }
    full: Dict[str, Callable[[], Any]] = {}
    parse: Dict[str, Callable[[], Any]] = {}
    for operation, call in calls.items():
        body = bodies[operation]
        # Record what the SDK hands its response parsing for this call.
        recorded: Dict[str, Any] = {}
        original = client._process_response

        def spy(**kwargs: Any) -> Any:
            recorded.update(kwargs)
            return original(**kwargs)

        client._process_response = spy  # type: ignore[method-assign]
        current["body"] = body
        try:
            model = call()
        finally:
            del client._process_response
        _check_official(operation, model, body)
        request = recorded["response"].request

        def run_full(call: Callable[[], Any] = call, body: bytes = body) -> Any:
            current["body"] = body
            return call()

        def run_parse(kwargs: Dict[str, Any] = dict(recorded), body: bytes = body, request: Any = request) -> Any:
            response = httpx.Response(
                200, headers={"content-type": "application/json"}, content=body, request=request
            )
            return client._process_response(**{**kwargs, "response": response})

        full[operation] = run_full
        parse[operation] = run_parse
    return full, parse, cloudflare.__version__


def _check_official(operation: str, model: Any, body: bytes) -> None:
    """The SDK really read the body into its models (the comparison is of equal work)."""
    expected = json.loads(body)["result"]
    if operation == "accounts.get":
        assert model.id == expected["id"], model
        return
    items = model.result
    assert len(items) == len(expected), (operation, len(items))
    first = items[0]
    assert first.id == expected[0]["id"]
    if operation == "accounts.members.list":
        assert type(first).__name__ == "Member", type(first)
        assert first.roles and type(first.roles[0]).__name__ != "dict", first.roles
        assert items[1].policies and items[1].policies[0].permission_groups


# ---- main ------------------------------------------------------------------------------------


def main() -> None:
    data_dir = sys.argv[1] if len(sys.argv) > 1 else "target/bench/data"
    out = sys.argv[2] if len(sys.argv) > 2 else None
    bodies = {}
    for _, file, operation in SETS:
        with open(os.path.join(data_dir, f"{file}.json"), "rb") as f:
            bodies[operation] = f.read()

    results: Dict[str, Any] = {}
    rows = []
    full, sdk_parse, sdk_version = official(bodies)
    if sdk_version:
        results["py.official_sdk_version"] = sdk_version
    for label, _, operation in SETS:
        body = bodies[operation]
        parsed = ct.parse_response(operation, 200, {}, body)
        expected = json.loads(body)["result"]
        # The package read the body (same items as json.loads finds).
        if isinstance(expected, list):
            assert len(parsed["result"]) == len(expected), (operation, len(parsed["result"]))
        else:
            assert parsed["result"]["id"] == expected["id"], operation

        def ours(operation: str = operation, body: bytes = body) -> Any:
            return ct.parse_response(operation, 200, {}, body)

        def loads(body: bytes = body) -> Any:
            return json.loads(body)

        vs_loads = paired(loads, ours)
        native = paired(loads, lambda: _native.check_response(operation, 200, [], body))
        # The Python layer over the native check (json.loads of the body, secret fields).
        wrapper = paired(lambda: _native.check_response(operation, 200, [], body), ours)
        row = [label, len(body), vs_loads["base"], vs_loads["subject"], vs_loads["ratio"], None, None, None]
        results[f"py.{operation}.parse_ratio"] = vs_loads["ratio"]
        results[f"py.{operation}.native_ratio"] = native["ratio"]
        results[f"py.{operation}.python_layer_ratio"] = wrapper["ratio"]
        results[f"py.{operation}.json_loads_ms"] = vs_loads["base"] * 1e3
        results[f"py.{operation}.parse_ms"] = vs_loads["subject"] * 1e3
        if operation in full:
            # The SDK takes ~0.5 s per members page here: fewer rounds for the big pages.
            rounds = 15 if len(body) > 100_000 else ROUNDS
            vs_full = paired(full[operation], ours, rounds)
            vs_parse = paired(sdk_parse[operation], ours, rounds)
            results[f"py.{operation}.official_full_ms"] = vs_full["base"] * 1e3
            results[f"py.{operation}.official_parse_ms"] = vs_parse["base"] * 1e3
            results[f"py.{operation}.vs_official_ratio"] = vs_full["ratio"]
            results[f"py.{operation}.vs_official_parse_ratio"] = vs_parse["ratio"]
            row[5:] = [vs_full["base"], vs_full["ratio"], vs_parse["ratio"]]
        if operation == "accounts.members.list":
            results["py_parse_ratio"] = vs_loads["ratio"]
            results["py.members.native_ms"] = native["subject"] * 1e3
            if operation in full:
                results["py_vs_official_ratio"] = results[f"py.{operation}.vs_official_ratio"]
        rows.append(row)

    # build_request: one by-name accounts.create, against building the same request by hand.
    params = {"name": "Acme Corp", "unit_id": "0d6a5b3bb0e94e5c9f6e9c6d8b8f7a11", "business_name": "Acme Corporation"}
    credentials = {"api_token": "bench-token-0123456789abcdef0123456789abcdef"}
    built = ct.build_request("accounts.create", params, credentials)
    user_agent = built.headers["user-agent"]

    def by_hand() -> Any:
        return (
            "POST",
            "https://api.cloudflare.com/client/v4/accounts",
            {
                "accept": "application/json",
                "content-type": "application/json",
                "user-agent": user_agent,
                "authorization": "Bearer " + credentials["api_token"],
            },
            json.dumps(params, separators=(",", ":")).encode(),
        )

    build = paired(by_hand, lambda: ct.build_request("accounts.create", params, credentials))
    results["py_build_us"] = build["subject"] * 1e6
    results["py.build.by_hand_us"] = build["base"] * 1e6
    results["py.build.ratio_vs_by_hand"] = build["ratio"]

    print(
        f"{'data':<24} {'bytes':>9} {'json.loads':>11} {'parse_resp':>11} {'ratio':>6}"
        f" {'SDK full':>11} {'x SDK':>6} {'x SDK parse':>11}"
    )
    for label, n, base, subject, ratio, sdk, r_full, r_parse in rows:
        sdk_cols = f" {fmt(sdk):>11} {r_full:>6.3f} {r_parse:>11.3f}" if sdk is not None else ""
        print(f"{label:<24} {n:>9} {fmt(base):>11} {fmt(subject):>11} {ratio:>6.2f}{sdk_cols}")
    print(
        f"members page: native check {results['py.members.native_ms']:.2f} ms (x json.loads "
        f"{results['py.accounts.members.list.native_ratio']:.2f}); the Python layer over it x"
        f"{results['py.accounts.members.list.python_layer_ratio']:.3f}"
    )
    if sdk_version:
        print(f"official SDK: cloudflare {sdk_version} (default: construct without validation)")
    print(
        f"build_request accounts.create: {results['py_build_us']:.2f} us "
        f"(by hand {results['py.build.by_hand_us']:.2f} us, x{build['ratio']:.1f})"
    )
    if out:
        with open(out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
