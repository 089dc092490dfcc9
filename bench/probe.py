#!/usr/bin/env python3
"""A probe beside a load: one keep-alive connection sending history reads one after another for a
while, timing each, so the latency of what the server admits can be told from what it sheds
(wrk's percentiles mix fast 503s in). Prints one RESULT line like the wrk scripts: percentiles of
the admitted (2xx) answers; errors are only failures other than a 503 (those are counted as shed).

usage: probe.py PORT SECONDS  (BENCH_TOKENS, BENCH_USERS, BENCH_CONVS as for the wrk scripts)"""
import http.client
import json
import os
import random
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
tokens = open(os.environ["BENCH_TOKENS"]).read().split()
users, convs = int(os.environ["BENCH_USERS"]), int(os.environ["BENCH_CONVS"])
admitted, shed, other = [], 0, 0
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
start = time.monotonic()
while time.monotonic() - start < seconds:
    j = random.randint(1, convs)
    path = "/v1/conversations/00000000-0000-4000-8000-%012x/messages?order=desc&limit=20" % j
    headers = {"Authorization": "Bearer " + tokens[j % users]}
    sent = time.perf_counter_ns()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        other += 1
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        continue
    took_us = (time.perf_counter_ns() - sent) // 1000
    if 200 <= response.status < 300:
        admitted.append(took_us)
    elif response.status == 503:
        shed += 1
    else:
        other += 1
elapsed_us = int((time.monotonic() - start) * 1e6)
admitted.sort()


def pct(p):
    return admitted[min(len(admitted) - 1, int(len(admitted) * p / 100))] if admitted else 0


print("RESULT " + json.dumps({"requests": len(admitted) + shed + other, "duration_us": elapsed_us,
                              "errors": other, "shed": shed, "p50_us": pct(50), "p99_us": pct(99),
                              "p999_us": pct(99.9)}))
