#!/usr/bin/env python3
"""Many consoles long-polling /api/v1/changes through one address (a reverse proxy):
N concurrent long-polls from 127.0.0.1, each with its own X-Forwarded-For client.
Prints how many were answered (200/204/...) and how many were closed without an answer.

usage: longpolls.py HOST:PORT TOKEN [--n 200] [--forwarded]
"""
import argparse, threading, http.client, json, time

def poll(host, port, token, since, xff, out):
    h = {"Authorization": "Bearer " + token}
    if xff: h["X-Forwarded-For"] = xff
    t = time.time()
    try:
        c = http.client.HTTPConnection(host, port, timeout=120)
        c.request("GET", f"/api/v1/changes?since={since}&wait=20", headers=h)
        r = c.getresponse(); r.read(); c.close()
        out.append((str(r.status), time.time() - t))
    except (OSError, http.client.HTTPException) as e:
        out.append(("closed: " + type(e).__name__, time.time() - t))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr"); ap.add_argument("token")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--forwarded", action="store_true")
    a = ap.parse_args()
    host, port = a.addr.rsplit(":", 1); port = int(port)
    c = http.client.HTTPConnection(host, port, timeout=30)
    c.request("GET", "/api/v1/changes?since=0", headers={"Authorization": "Bearer " + a.token})
    since = json.loads(c.getresponse().read()).get("seq", 0)
    out, ts = [], []
    for i in range(a.n):
        xff = f"10.7.{i // 250}.{i % 250 + 1}" if a.forwarded else None
        t = threading.Thread(target=poll, args=(host, port, a.token, since, xff, out)); t.start(); ts.append(t)
    for t in ts: t.join()
    kinds = {}
    for k, _ in out: kinds[k] = kinds.get(k, 0) + 1
    print(f"{a.n} long-polls: " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))

main()
