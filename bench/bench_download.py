"""5. Download: peak memory while a 500 MB result streams to disk, vs reading it whole.

Each method runs in a fresh interpreter so its peak RSS is its own. The file is served
from loopback by a plain HTTP server (a sparse file: cheap to make, real bytes on the wire).
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

SIZE = 500 * 1024 * 1024

# Peak RSS from VmHWM: it starts afresh at exec, unlike ru_maxrss, which a child inherits
# from the parent that forked it.
PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"

OURS = """
import sys, time
from pathlib import Path
import veo_widgets as veo
from veo_widgets.schema._models import Job
client = veo.Client("unused", "http://127.0.0.1:9")
start = time.perf_counter()
client.download(Job("bench", "completed", video_url=sys.argv[1]), Path(sys.argv[2]))
print(PEAK, time.perf_counter() - start)
"""

NAIVE = """
import sys, time
from pathlib import Path
import httpx, veo_widgets
start = time.perf_counter()
Path(sys.argv[2]).write_bytes(httpx.get(sys.argv[1], timeout=60).content)
print(PEAK, time.perf_counter() - start)
"""

BASELINE = """
import veo_widgets, httpx
print(PEAK, 0)
"""


def main() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "big.mp4"
        with open(source, "wb") as handle:
            handle.truncate(SIZE)
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=tmp)
        handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/big.mp4"
        results = {}
        for name, code in (
            ("idle interpreter", BASELINE),
            ("ours (streamed)", OURS),
            ("read whole, then write", NAIVE),
        ):
            out = subprocess.run(
                [sys.executable, "-c", code.replace("PEAK", PEAK), url, str(Path(tmp) / "out.mp4")],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            results[name] = (int(out[0]) / 1024, float(out[1]))
        server.shutdown()
    idle = results["idle interpreter"][0]
    rows = [[name, peak, peak - idle, seconds] for name, (peak, seconds) in results.items()]
    return table("Download: 500 MB to disk", ["method", "peak RSS MB", "above idle MB", "seconds"], rows)


if __name__ == "__main__":
    main()
