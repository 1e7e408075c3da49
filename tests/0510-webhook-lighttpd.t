#!/bin/sh
# bw-webhook behind lighttpd from Debian (mod_cgi), set up as
# man/bw-webhook.1 says: started here on a free loopback port, with a
# configuration of its own in the temporary directory.
. tests/lib.sh
. tests/webserver.sh
need lighttpd

port=$(free_port)
man_setup '^\.Pa /etc/lighttpd/conf-enabled/90-bw-webhook\.conf' >"$T/90-bw-webhook.conf"
ok 'grep -q "\"/openai/webhook\" => \"$T/openai-webhook\"" "$T/90-bw-webhook.conf" && grep -q "\"OPENAI_API_KEY\" => \"$WEBHOOK_API_KEY\"" "$T/90-bw-webhook.conf"' \
	"the man page's 90-bw-webhook.conf, its path and key changed"
# Debian's lighttpd.conf, less what is not needed to run in a directory
# of its own, then the man page's file
cat >"$T/lighttpd.conf" <<CONF
server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect" )
server.document-root = "$T"
server.upload-dirs = ( "$T" )
server.errorlog = "$T/lighttpd.log"
server.bind = "127.0.0.1"
server.port = $port
include "$T/90-bw-webhook.conf"
server.modules += ( "mod_dirlisting", "mod_staticfile" )
CONF
PATH=$PATH:/usr/sbin lighttpd -D -f "$T/lighttpd.conf" 2>"$T/lighttpd.err" &
started lighttpd $! "http://127.0.0.1:$port/"

deliveries "http://127.0.0.1:$port/openai/webhook"

done_testing
