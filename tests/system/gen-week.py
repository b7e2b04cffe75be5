#!/usr/bin/env python3
"""A week of Domino console log with known truth, for tests/system/report.sh.

Writes LOG (168 hours from START, UTC timestamps) and TRUTH (JSON): attack
lines per hour and kind, session lines, the user names tried and the
recipients probed with their counts, every ban the default policy must
decide (hour, target, tier, offences, attack lines), and the pattern that
stops matching on the last day. The attacks are laid out so that the
default policy's outcome is certain: every password-guessing burst is five
failures in five seconds from a host with no other history (a host ban),
a returning host comes back a day later each time (escalating offences),
and three harvesters of one /24 two minutes apart get the /24 banned at
the third. Everything else stays far under the thresholds.

usage: gen-week.py START_EPOCH LOG TRUTH
"""
import json
import random
import sys
import time

HOURS = 168


def stamp(t):
    return time.strftime("%d.%m.%Y %H:%M:%S", time.gmtime(t))


def main():
    start, log_path, truth_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    assert start % 3600 == 0
    rng = random.Random(20261201)
    lines = []          # (time, text)
    kinds = [[0] * 9 for _ in range(HOURS)]
    users, rcpts, bans = {}, {}, []

    def add(t, text, kind, name=None, names=None):
        lines.append((t, text))
        kinds[(t - start) // 3600][kind] += 1
        if name is not None:
            names[name] = names.get(name, 0) + 1

    def burst(t, ip, offences, tier="host"):
        # Five distinct names: a name repeated within a second would be
        # one failure logged twice (dedupe_window).
        for i, u in enumerate(rng.sample(["admin", "test", "info", "root",
                                          "sales", "a user",
                                          "<script>x</script>"], 5)):
            add(t + i, "SMTP Server: Authentication failed for user %s ; "
                "connecting host %s" % (u, ip), 1, u, users)
        bans.append({"hour": (t + 4 - start) // 3600 * 3600 + start,
                     "target": ip, "tier": tier, "offences": offences,
                     "lines": 5})

    def harvest(t, ip):
        for i in range(5):
            r = "%s@example.org" % rng.choice(
                ["info", "sales", "jobs", "ceo", "hr", "office"])
            add(t + i, "SMTP Server: Rejected recipient <%s> from host "
                "[%s]: 550 5.1.1 User unknown" % (r, ip), 2, r, rcpts)
        bans.append({"hour": (t + 4 - start) // 3600 * 3600 + start,
                     "target": ip, "tier": "host", "offences": 1,
                     "lines": 5})

    fresh = 0
    for h in range(HOURS):
        t0 = start + h * 3600
        # Benign lines and session lines (not attacks).
        for _ in range(rng.randint(20, 40)):
            lines.append((t0 + rng.randint(0, 3599),
                          "Router: Transferred 1 messages to mail.example.org"))
        for _ in range(rng.randint(1, 3)):
            add(t0 + rng.randint(0, 3599), "SMTP Server: 100.%d.%d.%d connected"
                % (rng.randint(64, 127), rng.randint(0, 255),
                   rng.randint(1, 254)), 7)
        # Noise under every threshold: one line per fresh host.
        for k, text in ((3, "SMTP Server: Relay rejected for policy reasons. "
                         "Connecting host %s attempted relay to x@y.example"),
                        (4, "SMTP Server: %s found on DNS blacklist "
                         "zen.spamhaus.org"),
                        (6, "SMTP Server: Connection from [%s] rejected for "
                         "policy reasons")):
            for _ in range(rng.randint(0, 2)):
                ip = "100.%d.%d.%d" % (rng.randint(64, 127), rng.randint(0, 255),
                                       rng.randint(1, 254))
                add(t0 + rng.randint(0, 3599), text % ip, k)
        # TLS failures every hour of the first six days, then none: the
        # pattern stops matching.
        if h < 144:
            ip = "100.%d.%d.%d" % (rng.randint(64, 127), rng.randint(0, 255),
                                   rng.randint(1, 254))
            add(t0 + rng.randint(0, 3599), "TLS/SSL connection %s(25) -> "
                "mail.example.org failed with rejected SSLv3 connection" % ip, 5)
        # Password guessing from a fresh host, in most hours.
        if rng.random() < 0.6:
            burst(t0 + rng.randint(0, 3000), "198.%d.%d.7" %
                  (18 + fresh // 256, fresh % 256), 1)
            fresh += 1
    # The returning host: three days at 03:00:10, offences 1, 2, 3.
    for d in range(3):
        burst(start + d * 86400 + 3 * 3600 + 10, "192.0.2.66", d + 1)
    # Three harvesters of one /24, two minutes apart: the /24 is banned
    # with the third.
    t = start + 3 * 86400 + 14 * 3600
    for i in range(3):
        harvest(t + i * 120, "203.0.113.%d" % (10 + i))
    bans.append({"hour": (t + 244 - start) // 3600 * 3600 + start,
                 "target": "203.0.113.0/24", "tier": "net", "offences": 1,
                 "lines": 15})

    lines.sort(key=lambda x: x[0])
    with open(log_path, "w") as f:
        for t, text in lines:
            f.write("[004711:000010-00007F3A9C5FE700] %s   %s\n" % (stamp(t), text))
    with open(truth_path, "w") as f:
        json.dump({"start": start, "hours": HOURS, "kinds": kinds,
                   "users": users, "recipients": rcpts, "bans": bans,
                   "silent": "tls-fail", "lines": len(lines)}, f)


main()
