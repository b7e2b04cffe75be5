[a]
service = tls
kind = tls
regex = (%{ip}
[b c]
[c]
service = nope
kind = nope
weight = 1e9
key = x
[d]
kind = relay
service = smtp
regex = relay (?<user>[^ ]*)
