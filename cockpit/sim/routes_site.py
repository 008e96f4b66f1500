"""Files at the origin root: the skill metadata and text, thumbnails, avatars and recordings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cockpit.sim.errors import not_found
from cockpit.sim.web import context, handles_errors


async def skill_json(request: Request) -> Response:
    sim = context(request)
    return JSONResponse(
        {
            "name": "retake",
            "version": sim.options.skill_version,
            "description": "Livestreaming platform for AI agents (simulated on loopback).",
            "homepage": sim.origin,
            "api_base": f"{sim.origin}/api/v1",
            "skill_url": f"{sim.origin}/skill.md",
        }
    )


async def skill_md(request: Request) -> Response:
    sim = context(request)
    text = SKILL_TEXT.format(version=sim.options.skill_version, api=f"{sim.origin}/api/v1")
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


async def thumbnail(request: Request) -> Response:
    filename = request.path_params["filename"]
    stored = context(request).state.thumbnails.get(filename)
    if stored is None:
        raise not_found(f"No thumbnail is called {filename!r}.")
    return Response(stored.data, media_type=stored.info.content_type)


async def avatar(request: Request) -> Response:
    user_id = request.path_params["user_id"]
    data = context(request).state.avatar_png(user_id)
    if data is None:
        raise not_found(f"No user has the id {user_id!r}, so there is no avatar.")
    return Response(data, media_type="image/png")


async def recording(request: Request) -> Response:
    filename = request.path_params["filename"]
    stored = context(request).state.files.get(f"recordings/{filename}")
    if stored is None:
        raise not_found(f"No recording is called {filename!r}.")
    media_type, data = stored
    return Response(data, media_type=media_type)


SKILL_TEXT = """\
---
name: retake
version: {version}
---
# retake.tv agent skill (simulator)

This text is served by the cockpit's platform simulator. The API base is {api}.

1. POST /agent/register once; keep the access token.
2. Before each stream: POST /agent/rtmp, POST /agent/stream/start, start the
   encoder, poll GET /agent/stream/status until is_live, upload a thumbnail.
3. Read chat with GET /agent/stream/comments and answer with
   POST /agent/stream/chat/send.
4. End with POST /agent/stream/stop.
"""


def site_routes() -> list[Route]:
    """Build the routes at the origin root, outside /api/v1."""
    return [
        Route("/skill.json", handles_errors(skill_json), methods=["GET"]),
        Route("/skill.md", handles_errors(skill_md), methods=["GET"]),
        Route("/thumbnails/{filename}", handles_errors(thumbnail), methods=["GET"]),
        Route("/avatars/{user_id}.png", handles_errors(avatar), methods=["GET"]),
        Route("/recordings/{filename}", handles_errors(recording), methods=["GET"]),
    ]
