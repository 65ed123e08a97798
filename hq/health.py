"""Health and metrics endpoints for load balancers and monitoring (health unauthenticated
like ``GET /v1/hq``; /metrics behind a bearer token or loopback, `hq.metrics`):

- ``GET /healthz``: 200 ``{"status":"alive"}`` while the process answers (a liveness probe:
  restart the process when it fails);
- ``GET /readyz``: 200 when the database answers, the blob store takes a durable write and
  the data directory's free space is above ``HQ_MIN_FREE`` (the floor under which uploads are
  refused with 507); otherwise 503 with ``{"status":"unready","checks":{...}}`` naming each
  failing check (a readiness probe: send no traffic while it fails);
- ``GET /metrics``: Prometheus text (`hq.metrics`).

What /metrics shows (decision 31): counts, sizes and latencies labelled by route template,
record kind, status and error code. No device, officer, party, case or record id and no
content ever appears in it. It still tells the bureau's volume of work (records per kind
per hour): only a loopback client or the holder of ``HQ_METRICS_TOKEN`` reads it.
"""

from __future__ import annotations

import asyncio
import shutil

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from hq.metrics import DatabaseFigures, Metrics
from hq.state import HQState

__all__ = ["PROBE_TIMEOUT_S", "health_routes"]

PROBE_TIMEOUT_S = 5.0
_NO_STORE = {"Cache-Control": "no-store"}


def _blob_store_writable(state: HQState) -> None:
    """Write a small object durably where uploads are staged, and remove it."""
    state.blobs.probe()


async def _check(check: object, *args: object) -> str:
    try:
        await asyncio.wait_for(run_in_threadpool(check, *args),  # type: ignore[arg-type]
                               PROBE_TIMEOUT_S)
    except TimeoutError:
        return "timed out"
    except Exception as exc:  # what failed is the answer; the probe itself must not fail
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def health_routes(state: HQState, metrics: Metrics, figures: DatabaseFigures) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "alive"}, headers=_NO_STORE)

    async def readyz(request: Request) -> Response:
        checks = {"database": await _check(figures.ping),
                  "blob_store": await _check(_blob_store_writable, state)}
        free = shutil.disk_usage(state.config.data_dir).free
        floor = state.config.min_free
        checks["free_space"] = ("ok" if free >= floor else
                                f"{free} bytes free, below the floor of {floor}")
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ready else "unready", "checks": checks},
                            status_code=200 if ready else 503, headers=_NO_STORE)

    async def metrics_text(request: Request) -> Response:
        refused = metrics.refusal(request)  # the token, or loopback only (hq.metrics)
        if refused is not None:
            return refused
        held = await run_in_threadpool(figures.read)
        return PlainTextResponse(metrics.render(held), headers=_NO_STORE,
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    return [Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_text, methods=["GET"])]
