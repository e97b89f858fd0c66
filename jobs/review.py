"""Look a colorize run over in the browser, worst first, and fix a photo's colors with a few clicks.

    colorize-review --input scans --output colored --hints hints.csv

Prints the page's address (http://127.0.0.1:PORT/?token=...; only this machine can open it,
and only with the token). The gallery shows every image of the run, input beside output, the
failures first and then the photos whose colors the model is least sure of. Click a photo to
open it: click a point to add a hint (the model's own likely colors there come first), drag
it, delete it, pick a reference photo, and the preview recolors at once. Save writes that
image's rows into the --hints CSV (and its reference into --references), never an image: the
next `colorize ... --hints hints.csv` run, by hand or from cron, redoes exactly that photo at
full resolution. Ctrl-C stops it.
"""

import os
import sys

from jobs import common

DEFAULT_HOST = "127.0.0.1"


def parse_args(argv):
    parser = common.make_parser("colorize-review", __doc__)
    parser.add_argument("--input", required=True, help="The folder of originals the run colorized.")
    parser.add_argument("--output", required=True, help="The run's output folder.")
    parser.add_argument("--hints", help="The hints CSV that Save writes and colorize --hints reads (default: the "
                                        "last run's --hints; created if missing).")
    parser.add_argument("--references", help="The references CSV (path,reference) that Save writes a picked "
                                             "reference photo into (default: the last run's --references).")
    parser.add_argument("--port", type=int, default=0, help="The port (default: a free one).")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="The address to listen on (default 127.0.0.1: this machine only).")
    common.add_model_flag(parser, "the last run's model, else the shipped one")
    common.add_verbose_flag(parser, "TensorFlow's and the web server's")
    return common.parse_flags(parser, argv)


def review_of(args):
    """The server's Review from the flags and the last run's report (its hints, references and model)."""
    from pipeline.review import gallery, server

    if not os.path.isdir(args.input):
        raise ValueError(f"--input {args.input}: no such folder; give the folder of originals the run colorized")
    if not os.path.isdir(args.output):
        raise ValueError(f"--output {args.output}: no such folder; give the folder colorize wrote")
    config = (gallery.last_report(args.output) or {}).get("config", {})
    model = common.model_path(args.model if args.model != common.DEFAULT_MODEL else config.get("model") or args.model)
    return server.Review(input=args.input, output=args.output, hints=args.hints or config.get("hints"),
                         references=args.references or config.get("references"), model=model)


def make_server(review, host, port, verbose=False):
    """(uvicorn.Server, its listening socket, the page's address) for a Review on host:port (0: a free port)."""
    import socket

    import uvicorn

    from pipeline.review import server

    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise ValueError(f"cannot listen on {host}:{port} ({error.strerror}); pass another --port, or 0 for "
                         "a free one") from None
    port = listener.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    review.allowed_hosts = (f"{shown_host}:{port}",) + ((f"localhost:{port}",) if host == DEFAULT_HOST else ())
    config = uvicorn.Config(server.make_app(review), log_level="info" if verbose else "error",
                            access_log=verbose, lifespan="off")
    return uvicorn.Server(config), listener, f"http://{shown_host}:{port}/?token={review.token}"


def serve(app_server, listener, url, ready=None):
    """Run the server until Ctrl-C (or app_server.should_exit); `ready(url)` is called once it listens."""
    if ready is not None:
        original_startup = app_server.startup

        async def startup(sockets=None):
            await original_startup(sockets)
            ready(url)
        app_server.startup = startup
    try:
        app_server.run(sockets=[listener])
    except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then raises it again once it has
        pass


def main(argv=None):
    _, args = common.start(parse_args, argv, tensorflow=False)
    with common.user_errors(after_interrupt="review stopped; the hints saved so far are in the CSV"):
        review = review_of(args)
        if args.host != DEFAULT_HOST:
            print(f"warning: listening on {args.host}: other machines that can reach it may open the page "
                  "with the token", file=sys.stderr)

        def ready(url):
            print(f"review: {url}", flush=True)
            print(f"  {len(review.entries):,} images ({review.counts['failed']:,} failed); Save writes "
                  + (review.hints or "nothing (start with --hints FILE.csv to save hints)")
                  + "; Ctrl-C stops", flush=True)

        app_server, listener, url = make_server(review, args.host, args.port, args.verbose)
        review.desk.warm_up()  # TensorFlow and the model load while the gallery opens
        serve(app_server, listener, url, ready)
    print("review: stopped", flush=True)


if __name__ == "__main__":
    main()
