#!/usr/bin/env python3
"""Helpers for bench/sip.sh's Centrale half (standard library only).

    centrale_ops.py available URL TOKENS_FILE     every operator in TOKENS_FILE (lines
                                                  "sip_user;email;token", written by
                                                  `centrale admin create-operators --tokens-file`)
                                                  chooses "available" with its own token:
                                                  PUT /api/v1/operators/me/state, 8 keep-alive
                                                  connections. Prints "ok N of M".
    centrale_ops.py sse URL TOKEN OUT             reads GET /api/v1/events (SSE) and appends
                                                  "receipt-time caller-number" to OUT for every
                                                  call.offered, time.time() taken when its data
                                                  line arrives; runs until killed.
    centrale_ops.py rtp-rates PCAP CALLER_PORT OPERATOR_PORT
                                                  packets/s in each direction in a capture of the
                                                  bench's RTP: "caller->centrale centrale->operator
                                                  operator->centrale centrale->caller"
    centrale_ops.py pcap OUT SECONDS              writes a classic pcap of G.711 A-law RTP,
                                                  20 ms packets (50/s), for SIPp's
                                                  play_pcap_audio.
"""
import http.client
import json
import math
import struct
import sys
import threading
import time
import urllib.parse


def connection(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)


def available(url, tokens_file):
    tokens = [line.strip().split(";")[2] for line in open(tokens_file) if line.count(";") >= 2]
    ok = [0]
    lock = threading.Lock()
    body = json.dumps({"state": "available"})

    def worker(part):
        conn = connection(url)
        for token in part:
            for _ in range(3):
                try:
                    conn.request("PUT", "/api/v1/operators/me/state", body,
                                 {"authorization": "Bearer " + token,
                                  "content-type": "application/json"})
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status == 200:
                        with lock:
                            ok[0] += 1
                    break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = connection(url)
        conn.close()

    threads = [threading.Thread(target=worker, args=(tokens[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"ok {ok[0]} of {len(tokens)}")
    return 0 if ok[0] == len(tokens) else 1


def sse(url, token, out):
    conn = connection(url)
    conn.request("GET", "/api/v1/events", headers={"authorization": "Bearer " + token,
                                                   "accept": "text/event-stream"})
    resp = conn.getresponse()
    if resp.status != 200:
        sys.exit(f"sse: HTTP {resp.status}")
    event = None
    with open(out, "a", buffering=1) as f:
        f.write(f"# connected {time.time():.6f}\n")
        while True:
            line = resp.fp.readline()
            if not line:
                return
            now = time.time()
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "call.offered":
                try:
                    data = json.loads(line[5:])
                    number = ((data.get("pop") or {}).get("caller") or {}).get("number")
                except ValueError:
                    number = None
                f.write(f"{now:.6f} {number}\n")
            elif line == "":
                event = None


def pcap(out, seconds):
    """Ethernet/IPv4/UDP/RTP, PT 8, 160 bytes of A-law per packet, a quiet 440 Hz tone."""
    def alaw(pcm):
        # G.711 A-law, as in the Sun reference g711.c.
        pcm >>= 3
        if pcm >= 0:
            mask = 0xD5
        else:
            mask = 0x55
            pcm = -pcm - 1
        seg_end = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)
        seg = next((i for i, end in enumerate(seg_end) if pcm <= end), 8)
        if seg >= 8:
            return 0x7F ^ mask
        aval = (seg << 4) | ((pcm >> (1 if seg < 2 else seg)) & 0x0F)
        return aval ^ mask

    frames = int(seconds * 50)
    ssrc, t0 = 0x1234ABCD, 1_700_000_000
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(frames):
            payload = bytes(alaw(int(3000 * math.sin(2 * math.pi * 440 * (i * 160 + n) / 8000)))
                            for n in range(160))
            rtp = struct.pack(">BBHII", 0x80, 8, i & 0xFFFF, (i * 160) & 0xFFFFFFFF, ssrc) + payload
            udp = struct.pack(">HHHH", 7000, 8000, 8 + len(rtp), 0) + rtp
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                             bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
            csum = sum(struct.unpack(">10H", ip))
            csum = (csum & 0xFFFF) + (csum >> 16)
            csum = (csum & 0xFFFF) + (csum >> 16)
            ip = ip[:10] + struct.pack(">H", ~csum & 0xFFFF) + ip[12:]
            frame = b"\x00" * 12 + b"\x08\x00" + ip + udp
            ts = i * 0.020
            f.write(struct.pack("<IIII", t0 + int(ts), int(round((ts % 1) * 1e6)), len(frame), len(frame)))
            f.write(frame)
    return 0


def rtp_rates(path, caller_port, operator_port):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import pdd
    counts = [0, 0, 0, 0]
    first = last = None
    for ts, sport, dport, _ in pdd.packets(path):
        first = ts if first is None else first
        last = ts
        if sport == caller_port:
            counts[0] += 1
        elif dport == operator_port:
            counts[1] += 1
        elif sport == operator_port:
            counts[2] += 1
        elif dport == caller_port:
            counts[3] += 1
    span = (last - first) if first is not None and last > first else 0
    print(" ".join(f"{c / span:.0f}" if span else "0" for c in counts))
    return 0


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "available" and len(sys.argv) == 4:
        return available(sys.argv[2], sys.argv[3])
    if cmd == "sse" and len(sys.argv) == 5:
        return sse(sys.argv[2], sys.argv[3], sys.argv[4])
    if cmd == "rtp-rates" and len(sys.argv) == 5:
        return rtp_rates(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    if cmd == "pcap" and len(sys.argv) == 4:
        return pcap(sys.argv[2], float(sys.argv[3]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
