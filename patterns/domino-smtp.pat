# dominoban patterns: SMTP listener rejections and sessions.
# Format: dominoban-patterns(5).
#
# UNVERIFIED WORDING: no public source quotes the console line Domino writes
# for a rejected unknown recipient, a refused relay or a DNSBL hit. The
# forms below are plausible guesses. Before you rely on them, capture the
# real lines on your server (log_sessions=2 and Log_MailRouting=40 in
# notes.ini; docs/DOMINO.md) and check them with
#   dominoban test --patterns /usr/share/dominoban/patterns \
#       --patterns /etc/dominoban/patterns.d /local/notesdata/notes.log
# then put a corrected copy of this file in /etc/dominoban/patterns.d/.

# Directory harvest, hypothesis A: the line carries the address.
# INFERRED wording.
[smtp-unknown-rcpt]
service = smtp
kind = unknown_rcpt
weight = 1
prefilter = Rejected recipient
regex = ^%{prefix}SMTP Server(?: \[[0-9A-Fa-f:-]{1,40}\])?:? Rejected recipient <(?<user>.*)> from host \[%{ip}\]: [^\[\]]* *$

# Directory harvest, hypothesis B: no address in the line. The decision
# stage attributes it to the SMTP session that was open (dominoban(8)).
# INFERRED wording.
[smtp-unknown-rcpt-noip]
service = smtp
kind = unknown_rcpt
weight = 1
prefilter = not found in Domino Directory
regex = ^%{prefix}SMTP Server(?: \[[0-9A-Fa-f:-]{1,40}\])?:? Recipient <(?<user>.*)> not found in Domino Directory *$

# Relay refused. The SMTP reply "554 Relay rejected for policy reasons." is
# verified; the console line is INFERRED.
[smtp-relay]
service = smtp
kind = relay
weight = 1
prefilter = Relay rejected for policy reasons
regex = ^%{prefix}SMTP Server(?: \[[0-9A-Fa-f:-]{1,40}\])?:? Relay rejected for policy reasons\. Connecting host %{ip} attempted relay to

[smtp-relay-noip]
service = smtp
kind = relay
weight = 1
prefilter = Relay rejected for policy reasons
regex = ^%{prefix}SMTP Server(?: \[[0-9A-Fa-f:-]{1,40}\])?:? Relay rejected for policy reasons: (?<user>[^ ]*) *$

# DNSBL hit. HCL documents that the console message holds the host name,
# the address and the DNSBL zone; the wording is INFERRED. Listed before
# smtp-policy so a DNSBL rejection is reported as such.
[smtp-dnsbl]
service = smtp
kind = dnsbl
weight = 2
prefilter = found on DNS blacklist
regex = ^%{prefix}SMTP Server(?: \[[0-9A-Fa-f:-]{1,40}\])?:? (?:[^ ()\[\]]{1,255} \()?%{ip}\)? found on DNS blacklist [^ ]{1,255} *$

[smtp-dnsbl-reject]
service = smtp
kind = dnsbl
weight = 2
prefilter = Host found in DNS blacklist
regex = ^%{prefix}SMTP Server(?: \[[0-9A-Fa-f:-]{1,40}\])?:? Connection from \[%{ip}\] rejected for policy reasons\. Host found in DNS blacklist

# Connection refused for policy reasons (no reverse DNS, deny lists, ...).
# VERIFIED head with the reverse-DNS tail; other tails are matched too.
[smtp-policy]
service = smtp
kind = policy
weight = 1
prefilter = rejected for policy reasons
regex = ^%{prefix}SMTP Server(?: \[[0-9A-Fa-f:-]{1,40}\])?:? Connection from \[%{ip}\] rejected for policy reasons

# Sessions (log_sessions=1 or 2). They carry no weight: they let the
# decision stage attribute rejections that carry no address. VERIFIED.
# A PTR name may come first, with the address in parentheses; the PTR is
# the attacker's to choose, so the address is taken from the parentheses.
[smtp-connect]
service = smtp
kind = session_open
weight = 0
prefilter = connected
regex = ^%{prefix}SMTP Server: (?:[^ ()\[\]]{1,255} \()?%{ip}\)? connected *$

[smtp-disconnect]
service = smtp
kind = session_close
weight = 0
prefilter = disconnected
regex = ^%{prefix}SMTP Server: (?:[^ ()\[\]]{1,255} \()?%{ip}\)? disconnected\. (?<msgs>[0-9]{1,9}) messages?(?:\[s\])? received *$

# POP3 and IMAP sessions (shapes derived from a parser of real logs).
[pop3-connect]
service = pop3
kind = session_open
weight = 0
prefilter = connected
regex = ^%{prefix}POP3 Server: (?:[^ ()\[\]]{1,255} \()?%{ip}\)? connected *$

[pop3-disconnect]
service = pop3
kind = session_close
weight = 0
prefilter = disconnected
regex = ^%{prefix}POP3 Server: (?:[^ ()\[\]]{1,255} \()?%{ip}\)? disconnected\b

[imap-connect]
service = imap
kind = session_open
weight = 0
prefilter = connected
regex = ^%{prefix}IMAP Server: (?:[^ ()\[\]]{1,255} \()?%{ip}\)? connected *$

[imap-disconnect]
service = imap
kind = session_close
weight = 0
prefilter = disconnected
regex = ^%{prefix}IMAP Server: (?:[^ ()\[\]]{1,255} \()?%{ip}\)? disconnected\b
