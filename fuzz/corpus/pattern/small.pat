[t]
service = smtp
kind = auth
weight = 2.5
prefilter = failed
regex = ^%{prefix}x (?<user>.*) failed %{ip}$
ignore = ^y
