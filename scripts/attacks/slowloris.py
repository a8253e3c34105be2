#!/usr/bin/env python3
"""Slow clients against `govcheck serve`: ADDRS source addresses x PER connections, each
sending a request head one byte every INTERVAL seconds, while a normal client asks
/api/v1/me every second. Prints how long the normal client waited at worst and how many
trickling connections the server cut (and after how long). Stdlib only.

usage: slowloris.py HOST:PORT TOKEN [--addrs 10] [--per 110] [--interval 5] [--duration 60]
"""
import argparse, socket, threading, time, http.client, statistics

HEAD = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 4000 + b"\r\n\r\n"

def trickle(src, host, port, interval, deadline, results):
    s = socket.socket()
    try:
        s.bind((src, 0))
        s.settimeout(10)
        s.connect((host, port))
    except OSError as e:
        results.append(("refused", 0.0, str(e)))
        return
    start = time.time()
    s.settimeout(interval)
    i = 0
    while time.time() < deadline:
        try:
            s.send(HEAD[i:i + 1])
            i += 1
            data = s.recv(1)  # waits up to `interval`: the server closing shows here
            if data == b"":
                results.append(("cut", time.time() - start, ""))
                return
            results.append(("answered", time.time() - start, ""))
            return
        except socket.timeout:
            continue
        except OSError as e:
            results.append(("cut", time.time() - start, str(e)))
            return
    results.append(("held", time.time() - start, ""))
    s.close()

def normal(host, port, token, deadline, waits):
    while time.time() < deadline:
        t = time.time()
        try:
            c = http.client.HTTPConnection(host, port, timeout=120)
            c.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + token})
            r = c.getresponse(); r.read(); c.close()
            waits.append((time.time() - t, r.status))
        except OSError as e:
            waits.append((time.time() - t, str(e)))
        time.sleep(1)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr"); ap.add_argument("token")
    ap.add_argument("--addrs", type=int, default=10)
    ap.add_argument("--per", type=int, default=110)
    ap.add_argument("--interval", type=float, default=5)
    ap.add_argument("--duration", type=float, default=60)
    a = ap.parse_args()
    host, port = a.addr.rsplit(":", 1); port = int(port)
    deadline = time.time() + a.duration
    results, waits, threads = [], [], []
    for i in range(a.addrs):
        src = f"127.0.0.{i + 2}"
        for _ in range(a.per):
            t = threading.Thread(target=trickle, args=(src, host, port, a.interval, deadline, results), daemon=True)
            t.start(); threads.append(t)
    time.sleep(2)
    n = threading.Thread(target=normal, args=(host, port, a.token, deadline, waits)); n.start()
    for t in threads: t.join(a.duration + 30)
    n.join()
    kinds = {}
    for k, secs, _ in results: kinds.setdefault(k, []).append(secs)
    for k, v in sorted(kinds.items()):
        print(f"trickling connections {k}: {len(v)} (after {min(v):.1f}-{max(v):.1f} s, median {statistics.median(v):.1f} s)")
    ok = [w for w, s in waits if s == 200]
    print(f"normal client: {len(ok)}/{len(waits)} answered 200, worst wait {max((w for w, _ in waits), default=0):.2f} s")

main()
