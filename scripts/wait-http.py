#!/usr/bin/env python3
"""Waits until an HTTP URL answers (any status), for at most 20 s.

    python3 scripts/wait-http.py http://127.0.0.1:PORT/healthz
"""

import sys
import time
import urllib.error
import urllib.request

url = sys.argv[1]
for _ in range(200):
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(f"wait-http: {url} did not answer in 20 s")
