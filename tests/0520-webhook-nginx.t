#!/bin/sh
# bw-webhook behind nginx from Debian, with fcgiwrap serving it, set up
# as man/bw-webhook.1 says: both started here, nginx on a free
# loopback port and fcgiwrap on a socket in the temporary directory,
# with a configuration of their own.
. tests/lib.sh
. tests/webserver.sh
need nginx fcgiwrap

# -f: the program's stderr to nginx's log, as Debian's fcgiwrap.service
PATH=$PATH:/usr/sbin fcgiwrap -f -s "unix:$T/fcgiwrap.socket" 2>"$T/fcgiwrap.err" &
SERVERS=$!
i=0
until [ -S "$T/fcgiwrap.socket" ]; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 $SERVERS 2>/dev/null; then
		echo "Bail out! fcgiwrap did not start"
		cat "$T/fcgiwrap.err" >&2
		exit 1
	fi
	sleep 0.05
done

port=$(free_port)
man_setup '^\.Pa /etc/nginx/sites-enabled' >"$T/openai-webhook.nginx"
ok 'grep -q "SCRIPT_FILENAME $T/openai-webhook;" "$T/openai-webhook.nginx" && grep -q "OPENAI_API_KEY \"$WEBHOOK_API_KEY\";" "$T/openai-webhook.nginx" && grep -q "unix:$T/fcgiwrap.socket;" "$T/openai-webhook.nginx"' \
	"the man page's location, its paths and key changed"
# the man page's location, in a server of its own: one process (no
# workers, so no user to switch to as root), every path in $T
cat >"$T/nginx.conf" <<CONF
daemon off;
master_process off;
pid $T/nginx.pid;
error_log $T/nginx.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/nginx-body;
	fastcgi_temp_path $T/nginx-fastcgi;
	proxy_temp_path $T/nginx-proxy;
	uwsgi_temp_path $T/nginx-uwsgi;
	scgi_temp_path $T/nginx-scgi;
	server {
		listen 127.0.0.1:$port;
		include $T/openai-webhook.nginx;
	}
}
CONF
PATH=$PATH:/usr/sbin nginx -e "$T/nginx.log" -p "$T/" -c "$T/nginx.conf" 2>"$T/nginx.err" &
started nginx $! "http://127.0.0.1:$port/"

deliveries "http://127.0.0.1:$port/openai/webhook"

done_testing
