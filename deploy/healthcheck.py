#!/usr/bin/env python3
"""The image's HEALTHCHECK: GET a URL, exit 0 on a 2xx answer and 1 otherwise.

    parcelwatch-healthcheck [URL]

URL defaults to $HEALTHCHECK_URL (the Dockerfile sets the webhook's /healthz;
compose sets each process's own). Standard library only: the slim image has no curl.
"""

import os
import sys
import urllib.request


def main(argv: list[str]) -> int:
    url = argv[0] if argv else os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8080/healthz")
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            return 0 if 200 <= answer.status < 300 else 1
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
