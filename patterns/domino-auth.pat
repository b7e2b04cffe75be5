# dominoban patterns: password guessing against Domino's internet protocols.
# Format: dominoban-patterns(5). Lines are matched as bytes. %{prefix} is
# Domino's optional "[pid:tid-thread] date time" prefix; %{ip} captures the
# address (checked with inet_pton; names are never resolved).
#
# Attackers choose the user name. Every regex here is anchored at the start
# of the message and takes the address from where Domino writes it: after
# the user name, with the fixed text that ends the line. A greedy user
# capture therefore always settles on Domino's own address, whatever the
# user name holds ("; connecting host X", "[X]", an address of its own).

# SMTP Server: Authentication failed for user <user> ; connecting host <ip>
# VERIFIED (Domino 8.5 to 12). Variants seen: the thread block inside the
# message and a bracketed address (fail2ban gh-2228), an empty user name.
[smtp-auth]
service = smtp
kind = auth
weight = 1
dedupe = smtp-auth
prefilter = Authentication failed for user
regex = ^%{prefix}SMTP Server(?: \[[0-9A-Fa-f:-]{1,40}\])?:? Authentication failed for user (?<user>.*) ; connecting host \[?%{ip}\]? *$

# <proto>: <user> [<ip>] authentication failure using internet password
# VERIFIED for smtp, http and ldap; imap and pop3 use the same shape
# (INFERRED from Nash!Com's filter). Domino may log an SMTP failure in both
# styles within one second: smtp-auth and inet-auth share a dedupe group, so
# the decision stage counts it once. The lockout line ("IP Address [x] ...
# User is locked out") repeats with the same user: it is in no group, and
# every one counts.
[inet-auth]
service = smtp
kind = auth
weight = 1
dedupe = smtp-auth
prefilter = authentication failure using internet password
regex = ^%{prefix}(?:smtp|SMTP): (?<user>.*) \[%{ip}\] authentication failure using internet password(?:: [^\[\]]*)? *$

[http-auth]
service = http
kind = auth
weight = 1
prefilter = authentication failure using internet password
regex = ^%{prefix}(?:http|HTTP): (?<user>.*) \[%{ip}\] authentication failure using internet password(?:: [^\[\]]*)? *$

[ldap-auth]
service = ldap
kind = auth
weight = 1
prefilter = authentication failure using internet password
regex = ^%{prefix}(?:ldap|LDAP): (?<user>.*) \[%{ip}\] authentication failure using internet password(?:: [^\[\]]*)? *$

[imap-auth]
service = imap
kind = auth
weight = 1
prefilter = authentication failure using internet password
regex = ^%{prefix}(?:imap|IMAP): (?<user>.*) \[%{ip}\] authentication failure using internet password(?:: [^\[\]]*)? *$

[pop3-auth]
service = pop3
kind = auth
weight = 1
prefilter = authentication failure using internet password
regex = ^%{prefix}(?:pop3|POP3): (?<user>.*) \[%{ip}\] authentication failure using internet password(?:: [^\[\]]*)? *$

# POP3 Server: Authentication failure for <user>, connecting host <ip>: Password not found ...
# VERIFIED (needs POP3Debug=2). The user may hold commas.
[pop3-auth-old]
service = pop3
kind = auth
weight = 1
prefilter = POP3 Server: Authentication failure for
regex = ^%{prefix}POP3 Server: Authentication failure for (?<user>.*), connecting host %{ip}: Password [^\[\]]* *$
