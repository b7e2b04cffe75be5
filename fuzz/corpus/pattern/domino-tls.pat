# dominoban patterns: TLS handshake failures. Format: dominoban-patterns(5).
#
# TLS/SSL connection <left>(<port>) -> <right>(<port>) failed with <reason>
# VERIFIED. The left side is whoever opened the connection: for inbound
# connections the client, for Domino's own outbound STARTTLS our own server.
# Our own addresses are always on the allowlist, so outbound failures never
# ban. TLS scanners (testssl.sh, ...) trip this too: hence the low weight.
[tls-fail]
service = tls
kind = tls
weight = 0.5
prefilter = TLS/SSL connection
regex = ^%{prefix}TLS/SSL connection %{ip}\([0-9]{1,5}\) -> [^ ]{1,64} failed with
