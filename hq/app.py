"""The HQ web application: Starlette routes for the wire protocol of docs/protocols/sync.md.

`create_app` opens the data directory (`state.open_hq`), finishes the uploads a stop left
complete but not receipted (`finalize.recover`), and serves:

- ``GET /v1/hq``, ``POST /v1/enrol`` (enrolment, unsigned: the one-time code authenticates);
- ``POST /v1/officers`` (an officer's HQ key, signed by the device and that key, `officers`);
- ``POST /v1/sync/manifest``, ``POST /v1/records``, ``POST /v1/audit/leaves`` (signed
  requests);
- ``GET /v1/log/head``, ``GET /v1/log/consistency`` (HQ's receipt log);
- ``OPTIONS|POST /v1/uploads``, ``HEAD|PATCH|DELETE /v1/uploads/{id}`` (the tus subset);
- ``GET /v1/ref/manifest``, ``GET /v1/ref/{name}/{version}`` (reference data);
- ``GET /healthz``, ``GET /readyz``, ``GET /metrics`` (for the operator, `hq.health`).
- ``/room/…``: the supervision room's web pages (`hq.web`).

Every refusal is the JSON of `errors.HQError`; every response carries ``SR-HQ-Time`` and
``SR-Request-Id``, and every request is counted and logged (`hq.requestlog`). The janitor
runs at start and every ``HQ_JANITOR_MINUTES`` (`hq.janitor`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from hq import enrolment, officers, records_api, refdata, uploads, web
from hq import janitor as janitor_pass
from hq.auth import HQTimeMiddleware
from hq.blobs import BlobStoreUnavailable
from hq.config import HQConfig
from hq.db import is_disk_full
from hq.errors import HQError, error_response
from hq.finalize import recover
from hq.health import health_routes
from hq.metrics import DatabaseFigures, Metrics
from hq.opsconfig import OpsSettings
from hq.records_api import disk_full, json_response
from hq.requestlog import RequestLogMiddleware
from hq.state import HQState, open_hq

__all__ = ["create_app"]

Handler = Callable[[HQState, Request], Awaitable[Response]]


def create_app(config: HQConfig, settings: OpsSettings | None = None) -> Starlette:
    settings = settings or OpsSettings.from_env()
    state = open_hq(config)
    metrics, figures = Metrics(settings.metrics_token), DatabaseFigures(state)

    def bind(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(state, request)
        return endpoint

    async def hq_info(state: HQState, request: Request) -> Response:
        return json_response(enrolment.hq_info(state))

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HQError)
        metrics.refused(exc.code)
        return error_response(exc)

    async def gone(request: Request, exc: Exception) -> Response:
        return Response(status_code=400)  # the device hung up mid-body: nobody reads this

    async def database_error(request: Request, exc: Exception) -> Response:
        # The database rolled the transaction back: nothing was half-committed.
        if is_disk_full(exc):
            metrics.refused("disk_full")
            return error_response(disk_full())
        if state.db.postgres:  # the server is away (a restart): the next request reconnects
            return error_response(HQError(503, "unavailable", "HQ's database is unavailable",
                                          {"Retry-After": "5"}))
        raise exc

    async def store_down(request: Request, exc: Exception) -> Response:
        # The object store is down or failing (hq.blobs_s3): nothing was committed.
        return error_response(HQError(503, "unavailable", f"HQ's blob store: {exc}",
                                      {"Retry-After": "30"}))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await recover(state)
        task = asyncio.create_task(janitor_pass.run_periodically(state, settings))
        yield
        task.cancel()
        figures.close()
        state.close()

    routes = [
        Route("/v1/hq", bind(hq_info), methods=["GET"]),
        Route("/v1/enrol", bind(enrolment.post_enrol), methods=["POST"]),
        Route("/v1/officers", bind(officers.post_officer), methods=["POST"]),
        Route("/v1/sync/manifest", bind(records_api.post_manifest), methods=["POST"]),
        Route("/v1/records", bind(records_api.post_record), methods=["POST"]),
        Route("/v1/audit/leaves", bind(records_api.post_audit_leaves), methods=["POST"]),
        Route("/v1/log/head", bind(records_api.get_log_head), methods=["GET"]),
        Route("/v1/log/restores", bind(records_api.get_log_restores), methods=["GET"]),
        Route("/v1/log/consistency", bind(records_api.get_log_consistency), methods=["GET"]),
        Route("/v1/ref/manifest", bind(refdata.get_ref_manifest), methods=["GET"]),
        Route("/v1/ref/{name}/{version:int}", bind(refdata.get_dataset), methods=["GET"]),
        Route("/v1/uploads", bind(uploads.options_uploads), methods=["OPTIONS"]),
        Route("/v1/uploads", bind(uploads.post_upload), methods=["POST"]),
        Route("/v1/uploads/{upload_id}", bind(uploads.head_upload), methods=["HEAD"]),
        Route("/v1/uploads/{upload_id}", bind(uploads.patch_upload), methods=["PATCH"]),
        Route("/v1/uploads/{upload_id}", bind(uploads.delete_upload), methods=["DELETE"]),
        *health_routes(state, metrics, figures),
        web.room(state),  # the supervision room (电子监察室), under /room
    ]
    handlers = {HQError: refused, ClientDisconnect: gone,
                **dict.fromkeys(state.db.operational_errors, database_error),
                BlobStoreUnavailable: store_down}
    app = Starlette(routes=routes, middleware=[Middleware(RequestLogMiddleware, metrics=metrics),
                                         Middleware(HQTimeMiddleware)],
                    exception_handlers=handlers, lifespan=lifespan)
    app.state.hq = state
    return app
