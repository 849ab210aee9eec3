#!/usr/bin/env python3
"""Post-dial delay from a loopback capture (used by bench/sip.sh).

    pdd.py proxy PCAP PORT           INVITE to PORT -> INVITE from PORT, matched by Call-ID
    pdd.py b2bua PCAP PORT UACPORT [SSE]
                                     INVITE UACPORT->PORT -> INVITE from Centrale (another Call-ID),
                                     matched by the From user; and INVITE -> 183 by Call-ID; with
                                     SSE (lines "receipt-time caller-number", bench/centrale_ops.py
                                     sse), also INVITE in -> call.offered received over SSE,
                                     matched by the caller number (the From user)

Prints one line per measure: "name n p50_ms p99_ms" (n/a when nothing matched). Reads classic
pcap (dumpcap -P) with Ethernet framing (Linux lo), IPv4/UDP only. The first copy of each INVITE /
183 counts (retransmissions ignored). Standard library only, so it is fast and needs no tshark
dissector (tshark took minutes for 40,000 INVITEs on a busy 2-core machine).
"""
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            end = ">"
        else:
            sys.exit("pdd.py: not a classic pcap file (use dumpcap -P)")
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        linktype = struct.unpack(end + "I", head[20:24])[0]
        if linktype != 1:
            sys.exit(f"pdd.py: link type {linktype}, expected Ethernet (1)")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _ = struct.unpack(end + "IIII", rec)
            data = f.read(incl)
            ts = sec + frac / (1e9 if nano else 1e6)
            if len(data) < 14 + 20 + 8 or data[12:14] != b"\x08\x00":
                continue
            ip = data[14:]
            ihl = (ip[0] & 0x0F) * 4
            if ip[9] != 17:
                continue
            udp = ip[ihl:]
            sport, dport = struct.unpack(">HH", udp[:4])
            yield ts, sport, dport, udp[8:]


def sip_fields(payload):
    head = payload.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    first = lines[0]
    call_id = from_user = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name in ("call-id", "i") and call_id is None:
            call_id = value.strip()
        elif name in ("from", "f") and from_user is None:
            v = value
            i = v.find("sip:")
            if i >= 0:
                user = v[i + 4:]
                for stop in "@;>":
                    user = user.split(stop, 1)[0]
                from_user = user
    return first, call_id, from_user


def pct(values):
    if not values:
        return "0 n/a n/a"
    values.sort()
    n = len(values)
    p50 = values[max(0, int(n * 0.50) - 1)]
    p99 = values[max(0, int(n * 0.99) - 1)]
    return f"{n} {p50 * 1000:.3f} {p99 * 1000:.3f}"


def main():
    mode, path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    uac = int(sys.argv[4]) if len(sys.argv) > 4 else None
    sse_file = sys.argv[5] if len(sys.argv) > 5 else None
    inv_in, inv_out, in_by_cid, r183 = {}, {}, {}, {}
    for ts, sport, dport, payload in packets(path):
        first, cid, fuser = sip_fields(payload)
        is_invite = first.startswith("INVITE ")
        if mode == "proxy":
            if is_invite and dport == port:
                inv_in.setdefault(cid, ts)
            elif is_invite and sport == port:
                inv_out.setdefault(cid, ts)
        else:
            if is_invite and dport == port and (uac is None or sport == uac):
                inv_in.setdefault(fuser, ts)
                in_by_cid.setdefault(cid, ts)
            elif is_invite and dport != port:
                # Centrale's b-leg may leave from another source port: any INVITE not sent
                # to Centrale is one Centrale sent.
                inv_out.setdefault(fuser, ts)
            elif first.startswith("SIP/2.0 183") and sport == port:
                r183.setdefault(cid, ts)
    d = [inv_out[k] - t for k, t in inv_in.items() if k in inv_out]
    print("invite_in_out", pct(d))
    if mode == "b2bua":
        d = [r183[k] - t for k, t in in_by_cid.items() if k in r183]
        print("invite_183", pct(d))
    if sse_file:
        offered = {}
        for line in open(sse_file):
            if line.startswith("#"):
                continue
            ts, _, number = line.strip().partition(" ")
            offered.setdefault(number, float(ts))
        d = [offered[k] - t for k, t in inv_in.items() if k in offered]
        print("invite_sse", pct(d))


if __name__ == "__main__":
    main()
