#!/usr/bin/env python3
"""A one-mail SMTP sink on 127.0.0.1 for tests/system/report-mail.sh.

Listens on an ephemeral loopback port, writes the port to PORTFILE, takes
one SMTP transaction (EHLO/HELO, MAIL, RCPT, DATA, QUIT; STARTTLS is
refused so the client goes on in clear), writes the envelope and the
message to OUT as JSON, and exits. Gives up after 30 seconds.

usage: smtp-sink.py PORTFILE OUT
"""
import json
import socket
import sys

portfile, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(30)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
import os
os.rename(portfile + ".tmp", portfile)
conn, _ = srv.accept()
conn.settimeout(30)
rf = conn.makefile("rb")


def say(s):
    conn.sendall(s.encode() + b"\r\n")


say("220 sink.test ESMTP")
env = {"from": None, "to": [], "data": None}
while True:
    line = rf.readline()
    if not line:
        break
    cmd = line.decode("ascii", "replace").strip()
    verb = cmd.split(" ")[0].upper()
    if verb == "EHLO":
        say("250-sink.test")
        say("250 8BITMIME")
    elif verb == "HELO":
        say("250 sink.test")
    elif verb == "MAIL":
        env["from"] = cmd[10:].strip().split(" ")[0].strip("<>")
        say("250 OK")
    elif verb == "RCPT":
        env["to"].append(cmd[8:].strip().strip("<>"))
        say("250 OK")
    elif verb == "DATA":
        say("354 go on")
        data = []
        while True:
            l = rf.readline()
            if not l or l in (b".\r\n", b".\n"):
                break
            if l.startswith(b".."):
                l = l[1:]
            data.append(l)
        env["data"] = b"".join(data).decode("utf-8", "replace")
        say("250 queued")
    elif verb == "QUIT":
        say("221 bye")
        break
    elif verb == "STARTTLS":
        say("454 TLS not available")
    else:
        say("502 not implemented")
conn.close()
with open(out, "w") as f:
    json.dump(env, f)
