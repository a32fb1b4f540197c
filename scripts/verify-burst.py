#!/usr/bin/env python3
"""Memory of `origami serve` under bursts of large verify bodies.

Usage: scripts/verify-burst.py HOST:PORT API_PID [CONCURRENT] [ROUNDS]

Sends ROUNDS (3) bursts of CONCURRENT (8) requests at once, each a ~16 MiB
`POST /v1/verify` body whose proof is random bytes (refused with 400 once it is
read, parsed and decoded), and prints the API process's resident and peak
memory (VmRSS, VmHWM) before, after each burst and after 15 s idle.
Start the service first, e.g.
  origami serve --verify-only --keys DIR --listen 127.0.0.1:18080
"""
import base64
import http.client
import json
import os
import sys
import threading
import time


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = f"{int(value.split()[0]) // 1024} MiB"
    return fields


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    host, port = sys.argv[1].rsplit(":", 1)
    pid = int(sys.argv[2])
    concurrent = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    proof = base64.b64encode(os.urandom(12 * 1024 * 1024 - 4096)).decode()
    body = json.dumps({"proof": proof, "steps": 2}).encode()
    print(f"body {len(body) / 2**20:.1f} MiB; before: {memory(pid)}")
    statuses = []

    def one():
        connection = http.client.HTTPConnection(host, int(port), timeout=300)
        connection.request("POST", "/v1/verify", body, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        statuses.append(answer.status)

    for burst in range(rounds):
        threads = [threading.Thread(target=one) for _ in range(concurrent)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"burst {burst + 1}: statuses {sorted(set(statuses))}; after: {memory(pid)}")
    time.sleep(15)
    print(f"15 s idle: {memory(pid)}")


if __name__ == "__main__":
    main()
