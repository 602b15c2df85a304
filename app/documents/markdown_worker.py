"""The Markdown render process: texts on stdin, safe HTML on stdout, one after the other, under a memory limit.

    python app/documents/markdown_worker.py --memory-mb 512

Each request is a byte (1: for print), the 4-byte big-endian lengths of the id prefix and of the text,
then both in UTF-8; each answer a status byte (o: HTML, r: RecursionError, m: MemoryError, e: another
error), a 4-byte length and the HTML (or the error's name). The parent (markdown_bounds.BoundedRenderer)
kills this process when it is over its time; RLIMIT_AS makes an allocation past the memory limit fail
here instead of in the web server. It ends when its stdin closes. It does not import the Flask app (a
fast start): markdown_core.py is loaded by its path.
"""
from __future__ import annotations

import argparse
import importlib.util
import resource
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    del sys.path[0]  # run as a script: the package's own module names must not shadow anything


def _load_core():
    spec = importlib.util.spec_from_file_location("accord_markdown_core", HERE / "markdown_core.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read_exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory-mb", type=int, default=512)
    args = parser.parse_args()
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    core = _load_core()
    converter = core.new_converter()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    request = struct.Struct(">?II")
    while True:
        header = _read_exactly(stdin, request.size)
        if header is None:
            return 0
        for_print, prefix_length, text_length = request.unpack(header)
        data = _read_exactly(stdin, prefix_length + text_length)
        if data is None:
            return 0
        prefix, text = data[:prefix_length].decode("utf-8"), data[prefix_length:].decode("utf-8")
        try:
            status, answer = b"o", core.render(converter, text, prefix, for_print).encode("utf-8")
        except RecursionError:
            status, answer = b"r", b"RecursionError"
        except MemoryError:
            status, answer = b"m", b"MemoryError"
        except Exception as error:  # noqa: BLE001 - any failure of the converter is an answer, not a crash
            status, answer = b"e", type(error).__name__.encode()
        if status != b"o":
            converter = core.new_converter()  # a conversion that failed midway leaves nothing behind
        stdout.write(struct.pack(">cI", status, len(answer)) + answer)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
