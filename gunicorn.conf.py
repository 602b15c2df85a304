"""gunicorn settings read automatically from the working directory.

Once a worker has loaded the app, its long-lived objects are moved out of
the garbage collector's reach (gc.freeze): otherwise full collections over
~120,000 tracked objects pause a page for ~60 ms and set its 95th percentile
(measured by bench/).

The master names this start of the server before it starts its workers: with
SHARED_CACHE_URL set, they share what they render under that name, and never
read what an earlier start kept (other code, or a database since restored).
It also tells the workers how many they are (rate limits, app/__init__.py).
"""
import gc
import os
import secrets

os.environ["ACCORD_CACHE_GENERATION"] = secrets.token_hex(8)


def on_starting(server):
    """The workers learn how many they are: the app then counts rate limits where all of them see them."""
    os.environ["ACCORD_WORKERS"] = str(server.cfg.workers)


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
