#!/usr/bin/env python3
"""Big import uploads against `govcheck serve`: streams a multipart body of SIZE MB of
CSV-shaped garbage to /api/v1/import and reports the HTTP status, how many bytes were
sent before the answer, and the server's resident memory before, at its peak and 5 s
after (VmRSS / VmHWM from /proc/PID/status).

usage: upload_rss.py [--valid] HOST:PORT TOKEN SERVER_PID SIZE_MB [SIZE_MB ...]

With --valid the file is an accounts file govcheck reads, row after row, with one bad
row at the very end (the import's worst case: everything parsed, then refused).
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

def upload(host, port, token, mb, valid):
    boundary = "gcbound"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"accounts.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n"
            + ("id,name,platform,region,host_unit\r\n" if valid else "id,name\r\n")).encode()
    tail = (("zz-bad,坏行,没有这个平台,舟山市,某局\r\n" if valid else "")
            + f"\r\n--{boundary}--\r\n").encode()
    if valid:
        row = "zs-{:07d},舟山测试账号,微博,舟山市,舟山市某局\n"
        lines = [row.format(i).encode() for i in range(20000)]
        block = b"".join(lines)
        chunk = (block * (1024 * 1024 // len(block) + 1))[:1024 * 1024]
        chunk = chunk[:chunk.rindex(b"\n") + 1]
    else:
        chunk = (b"x" * 1023 + b"\n") * 1024
    total = len(head) + mb * len(chunk) + len(tail)
    s = socket.create_connection((host, port), timeout=120)
    s.sendall((f"POST /api/v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n").encode())
    s.sendall(head)
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
    args = sys.argv[1:]
    valid = "--valid" in args
    args = [a for a in args if a != "--valid"]
    host, port = args[0].rsplit(":", 1); port = int(port)
    token, pid = args[1], int(args[2])
    for mb in map(int, args[3:]):
        before = rss(pid)["VmRSS"]
        status, sent = upload(host, port, token, mb, valid)
        peak = rss(pid)["VmHWM"]
        time.sleep(5)
        after = rss(pid)["VmRSS"]
        print(f"{mb} MB upload: {status}; {sent / 1048576:.1f} MB sent before the answer; "
              f"server RSS {before} MB before, peak so far {peak} MB, {after} MB 5 s after")

main()
