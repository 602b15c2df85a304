"""gunicorn settings read automatically from the working directory.

Once a worker has loaded the app, its long-lived objects are moved out of
the garbage collector's reach (gc.freeze): otherwise full collections over
~120,000 tracked objects pause a page for ~60 ms and set its 95th percentile
(measured by bench/).

The master tells the workers how many they are (rate limits, app/__init__.py).
"""
import gc
import os


def on_starting(server):
    """The workers learn how many they are: the app then counts rate limits where all of them see them."""
    os.environ["ACCORD_WORKERS"] = str(server.cfg.workers)


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
