#!/bin/sh
# bw-webhook behind lighttpd from Debian, as man/bw-webhook.1 sets it up
# (mod_cgi): started here on a free loopback port, with a configuration
# of its own in the temporary directory.
. tests/lib.sh
. tests/webserver.sh
need lighttpd

port=$(free_port)
# the man page's 90-bw-webhook.conf, after what a server needs to run
# in a directory of its own
cat >"$T/lighttpd.conf" <<CONF
server.document-root = "$T"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$T/lighttpd.log"
server.upload-dirs = ( "$T" )

server.modules += ( "mod_cgi", "mod_alias", "mod_setenv" )
alias.url += ( "/openai/webhook" => "$T/openai-webhook" )
\$HTTP["url"] == "/openai/webhook" {
	cgi.assign = ( "" => "" )
	setenv.add-environment = ( "OPENAI_API_KEY" => "$WEBHOOK_API_KEY" )
}
CONF
PATH=$PATH:/usr/sbin lighttpd -D -f "$T/lighttpd.conf" 2>"$T/lighttpd.err" &
started lighttpd $! "http://127.0.0.1:$port/"

deliveries "http://127.0.0.1:$port/openai/webhook"

done_testing
