# allow.txt — written by demo4-watch: the demo4 servers' addresses, one CIDR a line
# (for xmlrpc-server --allow-file, reloaded with --exec 'kill -HUP $(cat xmlrpc.pid)').
{{host}}/32
