#!/usr/bin/env python3
"""Big import uploads against `govcheck serve`: streams a multipart body of SIZE MB of
CSV-shaped garbage to /api/v1/import and reports the HTTP status, how many bytes were
sent before the answer, and the server's resident memory before, at its peak and 5 s
after (VmRSS / VmHWM from /proc/PID/status).

usage: upload_rss.py HOST:PORT TOKEN SERVER_PID SIZE_MB [SIZE_MB ...]
"""
import socket, sys, time

def rss(pid):
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                vals[k] = int(v.split()[0]) // 1024
    return vals

def upload(host, port, token, mb):
    boundary = "gcbound"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"accounts.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\nid,name\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    total = len(head) + mb * 1024 * 1024 + len(tail)
    s = socket.create_connection((host, port), timeout=120)
    s.sendall((f"POST /api/v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n").encode())
    s.sendall(head)
    chunk = (b"x" * 1023 + b"\n") * 1024
    sent = len(head)
    s.setblocking(False)
    answer = b""
    try:
        for _ in range(mb):
            view = memoryview(chunk)
            while view:
                try:
                    n = s.send(view); view = view[n:]; sent += n
                except BlockingIOError:
                    try:
                        d = s.recv(65536)
                        if d: answer += d; raise StopIteration
                        if d == b"": raise StopIteration
                    except BlockingIOError:
                        time.sleep(0.001)
        s.setblocking(True); s.sendall(tail); sent += len(tail)
    except (StopIteration, OSError):
        pass
    s.setblocking(True); s.settimeout(120)
    try:
        while b"\r\n" not in answer:
            d = s.recv(65536)
            if not d: break
            answer += d
    except OSError:
        pass
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    return status or "closed without an answer", sent

def main():
    host, port = sys.argv[1].rsplit(":", 1); port = int(port)
    token, pid = sys.argv[2], int(sys.argv[3])
    for mb in map(int, sys.argv[4:]):
        before = rss(pid)["VmRSS"]
        status, sent = upload(host, port, token, mb)
        peak = rss(pid)["VmHWM"]
        time.sleep(5)
        after = rss(pid)["VmRSS"]
        print(f"{mb} MB upload: {status}; {sent / 1048576:.1f} MB sent before the answer; "
              f"server RSS {before} MB before, peak so far {peak} MB, {after} MB 5 s after")

main()
