"""The framework's ceiling: a bare aiohttp handler that parses a SCIM user and answers 201.

It does what any SCIM server on aiohttp must do for POST /Users and nothing more: read the body,
validate it as a core User with scim2-models, give it an id and `meta`, serialize it and answer
201. No storage, no auth, no logging. It serves only POST /Users (and /healthz for start-up),
so the benchmark shows its other steps as n/a.

    python -m tests.bench.ceiling_server --port 8100
"""

import argparse
import datetime
import json
import uuid

from aiohttp import web
from scim2_models import Context, Error, User

MEDIA_TYPE = "application/scim+json"


async def create_user(request: web.Request) -> web.Response:
    try:
        user = User.model_validate(
            json.loads(await request.read()), scim_ctx=Context.RESOURCE_CREATION_REQUEST
        )
    except ValueError as exc:
        error = Error(status=400, scim_type="invalidValue", detail=str(exc)[:200])
        return web.Response(status=400, text=error.model_dump_json(), content_type=MEDIA_TYPE)
    user.id = uuid.uuid4().hex
    now = datetime.datetime.now(datetime.UTC).isoformat()
    body = user.model_dump(scim_ctx=Context.RESOURCE_CREATION_RESPONSE)
    body["meta"] = {"resourceType": "User", "created": now, "lastModified": now}
    return web.Response(status=201, text=json.dumps(body), content_type=MEDIA_TYPE)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/scim/v2/Users", create_user)
    app.router.add_get("/healthz", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(create_app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
