"""The review page's web server (Starlette): this machine only, a token on every request, two folders.

Every request needs the session's random token: in the page's address (?token=), which sets a
same-site cookie for the page's own requests, or in the X-Review-Token header. A request that
changes anything (POST) needs the header and, when the browser sends one, an Origin of this
server: another web site's page cannot send the header without a CORS grant, which this
server never gives. The Host must be this server's (against DNS rebinding). Images are served
only from the input and output folders, by a path relative to one of them that stays inside
it after every symlink is followed; only the gallery's images and reference photos under the
input are served. The page writes nothing but the hints and references CSVs.
"""

import collections
import dataclasses
import hmac
import os
import secrets
import threading
import time

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from pipeline.colorize import guidance as colorize_guidance
from pipeline.io import images
from pipeline.review import gallery as review_gallery, photos as review_photos

STATIC = os.path.join(os.path.dirname(__file__), "static")
STATIC_FILES = {"review.js": "text/javascript", "review.css": "text/css"}
COOKIE = "colorize_review_token"
PAGE_LIMIT = 200  # gallery entries per request at most
THUMBNAILS_CACHED = 2000


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass
class Review:
    """What one review session serves: the two folders, the CSVs it writes, the model, its token."""

    input: str
    output: str
    hints: str | None = None  # the --hints CSV that Save writes
    references: str | None = None  # the --references CSV that Save writes a reference into
    model: str = ""
    token: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(24))
    allowed_hosts: tuple = ()  # "127.0.0.1:8765" and the like, set when the port is known

    def __post_init__(self):
        self.input = os.path.realpath(self.input)
        self.output = os.path.realpath(self.output)
        self.entries = review_gallery.read_gallery(self.input, self.output)
        self.known = {entry.path: entry for entry in self.entries}
        self.counts = collections.Counter(entry.status for entry in self.entries)
        self.desk = review_photos.PhotoDesk(self.model)
        self.save_lock = threading.Lock()
        self.thumbnails = {}

    def file_in(self, side, relative_path):
        """The real path of an image under the input ("input") or output ("output") folder; Refused otherwise."""
        root = {"input": self.input, "output": self.output}.get(side)
        if root is None:
            raise Refused(404, f"no such folder {side!r}")
        return inside(root, relative_path)

    def guidance_of(self, relative_path):
        """(hints as the page's dicts, reference relative to the input folder or None) of an image, from the CSVs."""
        found_hints, reference = [], None
        if self.hints and os.path.exists(self.hints):
            for _, row in colorize_guidance.read_csv(self.hints, colorize_guidance.HINTS_CSV):
                if row["path"] == relative_path:
                    found_hints.append({"x": float(row["x"]), "y": float(row["y"]), "color": row["color"],
                                        "radius": float(row.get("radius") or 0)})
        if self.references and os.path.exists(self.references):
            folder = os.path.dirname(os.path.abspath(self.references))
            for _, row in colorize_guidance.read_csv(self.references, colorize_guidance.REFERENCES_CSV):
                if row["path"] == relative_path:
                    reference = os.path.relpath(os.path.realpath(os.path.join(folder, row["reference"])), self.input)
        return found_hints, reference


def inside(root, relative_path):
    """The real path of `relative_path` under `root`, a regular file; Refused (403) for a path that leaves
    it (.., an absolute path, a symlink out) and 404 for one that is not there."""
    if not relative_path or "\0" in relative_path or os.path.isabs(relative_path) or relative_path.startswith("\\"):
        raise Refused(403, "only paths relative to the review's folders are served")
    parts = relative_path.replace("\\", "/").split("/")
    if any(part in ("..", "") for part in parts) or os.path.splitdrive(relative_path)[0]:
        raise Refused(403, "a path may not leave the review's folders")
    real = os.path.realpath(os.path.join(root, *parts))
    if os.path.commonpath([real, root]) != root:
        raise Refused(403, "that path leads out of the review's folders")
    if not os.path.isfile(real):
        raise Refused(404, f"no file {relative_path}")
    return real


def make_app(review):
    """The Starlette application of one review session."""

    def refuse(error):
        return JSONResponse({"error": str(error)}, status_code=error.status)

    def check(request, writes=False):
        if review.allowed_hosts and request.headers.get("host") not in review.allowed_hosts:
            raise Refused(403, "this server answers only at its own address")
        header = request.headers.get("x-review-token", "")
        if writes and not header:
            raise Refused(403, "changes need the X-Review-Token header (the page sends it)")
        given = header or request.query_params.get("token", "") or (
            "" if writes else request.cookies.get(COOKIE, ""))
        if not hmac.compare_digest(given.encode(), review.token.encode()):
            raise Refused(403, "a valid token is needed: open the address colorize-review printed")
        if writes:
            origin = request.headers.get("origin")
            if origin is not None and origin.removeprefix("http://") not in review.allowed_hosts:
                raise Refused(403, f"a request from {origin} may not change anything here")

    def guarded(handler, writes=False):
        async def endpoint(request):
            try:
                check(request, writes)
                return await handler(request)
            except Refused as error:
                return refuse(error)
            except images.UnusableImage as error:
                return JSONResponse({"error": f"{error.reason}: {error.detail}"}, status_code=422)
            except ValueError as error:
                return JSONResponse({"error": str(error)}, status_code=400)
        return endpoint

    async def page(request):
        with open(os.path.join(STATIC, "index.html"), encoding="utf-8") as file:
            html = file.read().replace("{{TOKEN}}", review.token)
        response = Response(html, media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                     "Content-Security-Policy": "default-src 'self'; img-src 'self' blob:; "
                                                                "style-src 'self'; script-src 'self'; frame-ancestors 'none'"})
        response.set_cookie(COOKIE, review.token, httponly=True, samesite="strict")
        return response

    async def static(request):
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            raise Refused(404, f"no file {name}")
        return FileResponse(os.path.join(STATIC, name), media_type=STATIC_FILES[name])

    async def gallery(request):
        offset = max(0, int(request.query_params.get("offset", 0)))
        limit = min(PAGE_LIMIT, max(1, int(request.query_params.get("limit", 60))))
        chosen = review.entries[offset:offset + limit]
        return JSONResponse({"total": len(review.entries), "offset": offset, "counts": review.counts,
                             "items": [entry.as_json() for entry in chosen],
                             "saves_hints": bool(review.hints), "saves_references": bool(review.references)})

    async def image(request):
        side, relative_path = request.path_params["side"], request.path_params["path"]
        path = review.file_in(side, relative_path)
        if side == "output" and relative_path not in review.known:
            raise Refused(403, "only the run's own outputs are served from the output folder")
        if request.query_params.get("size") == "thumb":
            key = (path, os.stat(path).st_mtime_ns)
            data = review.thumbnails.get(key)
            if data is None:
                data = await run_in_threadpool(review_photos.thumbnail_bytes, path)
                if len(review.thumbnails) >= THUMBNAILS_CACHED:
                    review.thumbnails.pop(next(iter(review.thumbnails)))
                review.thumbnails[key] = data
            return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=60"})
        shown = await run_in_threadpool(review.desk.shown, path)
        return Response(await run_in_threadpool(review_photos.encode_jpeg, shown.pixels), media_type="image/jpeg")

    def photo_of(relative_path):
        if relative_path not in review.known:
            raise Refused(404, f"{relative_path} is not an image of this run")
        return review.file_in("input", relative_path)

    async def photo(request):
        relative_path = request.query_params.get("path", "")
        path = photo_of(relative_path)
        shown = await run_in_threadpool(review.desk.shown, path)
        found_hints, reference = review.guidance_of(relative_path)
        entry = review.known[relative_path]
        return JSONResponse({**entry.as_json(), "width": shown.width, "height": shown.height,
                             "hints": found_hints, "reference": reference,
                             "has_output": os.path.isfile(os.path.join(review.output, relative_path)),
                             "references": [item.path for item in review.entries
                                            if item.status == "passed_through"]})

    def palette_of(reference):
        if not reference:
            return None
        return review.desk.palette(review.file_in("input", reference))

    async def suggest(request):
        body = await request.json()
        path = photo_of(body.get("path", ""))
        shown = review.desk.shown(path)
        hint_list = review_photos.parse_hints(body.get("hints", []), shown.width, shown.height)
        x, y = float(body["x"]), float(body["y"])
        if not (0 <= x < shown.width and 0 <= y < shown.height):
            raise ValueError(f"the point x={x:g}, y={y:g} is outside the photo ({shown.width} x {shown.height})")
        palette = await run_in_threadpool(palette_of, body.get("reference"))
        colors = await run_in_threadpool(review.desk.suggestions, path, x, y, hint_list, palette)
        return JSONResponse({"colors": colors})

    async def preview(request):
        body = await request.json()
        path = photo_of(body.get("path", ""))
        shown = review.desk.shown(path)
        hint_list = review_photos.parse_hints(body.get("hints", []), shown.width, shown.height)
        started = time.monotonic()
        palette = await run_in_threadpool(palette_of, body.get("reference"))
        data, confidence = await run_in_threadpool(review.desk.preview, path, hint_list, palette)
        return Response(data, media_type="image/jpeg", headers={
            "X-Confidence": f"{confidence:.4f}", "X-Preview-Seconds": f"{time.monotonic() - started:.3f}",
            "Cache-Control": "no-store"})

    async def save(request):
        body = await request.json()
        relative_path = body.get("path", "")
        path = photo_of(relative_path)
        shown = review.desk.shown(path)
        items = body.get("hints", [])
        review_photos.parse_hints(items, shown.width, shown.height)  # checked before anything is written
        reference = body.get("reference") or None
        if not review.hints:
            raise Refused(409, "this review has no hints file: start colorize-review with --hints FILE.csv")
        if reference:
            if not review.references:
                raise Refused(409, "to save a reference photo, start colorize-review with --references FILE.csv")
            review.file_in("input", reference)
        with review.save_lock:
            colorize_guidance.replace_image_rows(review.hints, colorize_guidance.HINTS_CSV, relative_path,
                                                 review_photos.hint_rows(items))
            if review.references:
                folder = os.path.dirname(os.path.abspath(review.references))
                rows = [{"reference": os.path.relpath(os.path.join(review.input, reference), folder)}] \
                    if reference else []
                colorize_guidance.replace_image_rows(review.references, colorize_guidance.REFERENCES_CSV,
                                                     relative_path, rows)
        return JSONResponse({"saved": len(items), "hints": review.hints,
                             "reference": reference, "references": review.references})

    routes = [
        Route("/", guarded(page)),
        Route("/static/{name}", guarded(static)),
        Route("/api/gallery", guarded(gallery)),
        Route("/api/photo", guarded(photo)),
        Route("/api/suggest", guarded(suggest, writes=True), methods=["POST"]),
        Route("/api/preview", guarded(preview, writes=True), methods=["POST"]),
        Route("/api/save", guarded(save, writes=True), methods=["POST"]),
        Route("/image/{side}/{path:path}", guarded(image)),
    ]
    return Starlette(routes=routes, middleware=[Middleware(NoSniff)])


class NoSniff:
    """Every response says its type is what it claims (no MIME sniffing) and may not be framed."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-content-type-options", b"nosniff"),
                                                                 (b"x-frame-options", b"DENY")]
            await send(message)
        await self.app(scope, receive, sending)
