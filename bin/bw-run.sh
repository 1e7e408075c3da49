#!/bin/sh
#
# bw-run: requests in, results out, through every stage, resumable.
#
# Keeps each stage's output in a work directory and runs only the stages
# not finished yet, so a run cut short anywhere (a crash, a reboot, ^C)
# goes on from the last finished stage when started again with the same
# directory, never uploading or creating a batch twice.  Exits as the
# stage that stopped it: 0 when every request's result is in, 1 when the
# batch did not complete, 75 to be run again later.
#
set -u
prog=bw-run
trap '' PIPE	# no death by SIGPIPE but where said (the results printed)

usage() {
	echo "usage: $prog -d dir [-m model] [-e chat|responses|completions] [-i seconds]" >&2
	echo "       [-D defaults-json] [-q] [requests.jsonl]" >&2
	exit 2
}

die() {	# code message
	echo "$prog: $2" >&2
	exit "$1"
}

# the temporary file being written, removed by any exit before it is kept
tmp=
trap 'rm -f -- ${tmp:+"$tmp"}' EXIT

# the stage running (its pid), stopped with the script: killed alone
# (kill PID, not the group) bw-run stops it, waits for it, and dies of the
# same signal, so that no bw-poll is orphaned with the lock and its
# output lost
child=
stop() {	# SIGNAL
	trap '' "$1"
	# TERM, whatever came: a background command ignores INT
	[ -z "$child" ] || { kill -TERM "$child" 2>/dev/null; wait "$child"; }
	rm -f -- ${tmp:+"$tmp"}
	trap - "$1" EXIT
	kill -"$1" $$
	exit 1
}
trap 'stop TERM' TERM
trap 'stop INT' INT
trap 'stop HUP' HUP

# keep TMP FILE [OTHER ...]: renames TMP to FILE once TMP and the others
# are on disk, then puts the rename on disk too (sync FILE is fsync(2)
# since coreutils 8.24): after a reboot FILE is whole or not there.
keep() {
	tmp=$1 file=$2
	shift 2
	msg=$({ sync -- "$tmp" "$@" && mv -- "$tmp" "$file" &&
		sync -- "${file%/*}"; } 2>&1) ||
		die 74 "$file: cannot be kept: ${msg#*: }"
	tmp=
}

# quote VALUE: VALUE in single quotes for the settings file, every ' in
# it written '\'', so that sourcing the file only assigns (the x keeps
# trailing newlines from $(...))
quote() {
	q=$(printf '%s' "$1" | sed "s/'/'\\\\''/g"; echo x)
	printf "'%s'" "${q%x}"
}

# status FILE: FILE holds a stage's exit status, a number 0-255 and
# nothing else; prints it, or fails (FILE missing, empty, garbage)
status() {
	s=$(cat -- "$1" 2>/dev/null) || return 1
	case $s in
	''|*[!0-9]*|????*) return 1 ;;
	esac
	[ "$s" -le 255 ] || return 1
	echo $((s + 0))
}

help() {
	cat <<'EOF'
usage: bw-run -d dir [-m model] [-e chat|responses|completions] [-i seconds]
       [-D defaults-json] [-q] [requests.jsonl]

  -d DIR        the work directory: every stage's output, kept (required)
  -m MODEL      the model (the first run; later runs take it from DIR)
  -e ENDPOINT   chat (default), responses or completions
  -i SECONDS    seconds between looks at the batch (default 15)
  -D JSON       request fields under every request (bw-jsonl -d)
  -q            do not print the results at the end
  -h, --help    show this help
      --version show the version
EOF
	exit 0
}

dir= model= endpoint= interval=15 defaults= quiet=
case ${1-} in
--help) help ;;
--version) echo "$prog @VERSION@"; exit 0 ;;
esac
while getopts d:m:e:i:D:qh opt; do
	case $opt in
	d) dir=$OPTARG ;;
	m) model=$OPTARG ;;
	e) endpoint=$OPTARG ;;
	i) interval=$OPTARG ;;
	D) defaults=$OPTARG ;;
	q) quiet=1 ;;
	h) help ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$dir" ] || usage
[ $# -le 1 ] || usage
case $endpoint in
''|chat|responses|completions) ;;
*) die 2 "-e: unknown endpoint $(quote "$endpoint") (chat, responses or completions)" ;;
esac

# the settings of the first run are the run's
mkdir -p "$dir" || die 74 "$dir: cannot make it"
msg=$(command exec 2>&1; command exec 9>>"$dir/lock") ||
	die 74 "$dir/lock: cannot be opened: ${msg##*: }"
exec 9>>"$dir/lock"
flock -n 9 || die 75 "another bw-run is working in $dir"
if [ -f "$dir/settings" ]; then
	. "$dir/settings"
	[ -z "$model" ] || [ "$model" = "$run_model" ] ||
		die 2 "$dir holds a run for $run_model, not $model"
	[ -z "$endpoint" ] || [ "$endpoint" = "$run_endpoint" ] ||
		die 2 "$dir holds a run for the $run_endpoint endpoint, not $endpoint"
	[ $# -eq 0 ] || cmp -s "$1" "$dir/requests.jsonl" ||
		die 2 "$dir holds a run of other requests"
else
	[ -n "$model" ] || die 2 "-m: the first run in $dir needs a model"
	run_model=$model
	run_endpoint=${endpoint:-chat}
	run_defaults=$defaults
	# a name no other run has, so that a resumed upload finds its file
	run_token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	if [ $# -eq 1 ]; then
		[ -r "$1" ] && [ ! -d "$1" ] || die 2 "$1: cannot be read"
		tmp=$dir/requests.jsonl.tmp
		msg=$(cat -- "$1" 2>&1 >"$tmp") || die 74 "$tmp: ${msg##*: }"
	else
		tmp=$dir/requests.jsonl.tmp
		msg=$(cat 2>&1 >"$tmp") || die 74 "$tmp: ${msg##*: }"
	fi
	keep "$dir/requests.jsonl.tmp" "$dir/requests.jsonl"
	tmp=$dir/settings.tmp
	msg=$({
		printf 'run_model=%s\n' "$(quote "$run_model")"
		printf 'run_endpoint=%s\n' "$(quote "$run_endpoint")"
		printf 'run_defaults=%s\n' "$(quote "$run_defaults")"
		printf 'run_token=%s\n' "$(quote "$run_token")"
	} 2>&1 >"$tmp") || die 74 "$tmp: ${msg##*: }"
	keep "$dir/settings.tmp" "$dir/settings"
	# and the run directory itself, in its parent
	msg=$(sync -- "$dir/.." 2>&1) || die 74 "$dir/..: ${msg#*: }"
fi
batchfile=$dir/batch-$run_token.jsonl

# stage OUTPUT COMMAND...: runs COMMAND with its stdout to OUTPUT, unless
# OUTPUT exists (the stage finished before); OUTPUT appears only whole,
# its status in OUTPUT.status before it, both on disk.  Statuses in $ok
# (besides 0) count as finished too.  An OUTPUT whose status is missing,
# broken or not one of those was not kept by a finished stage: it is
# said, and the stage is run again (every stage is safe to run again:
# the upload reuses its file, the create finds its batch).
stage() {
	out=$1
	shift
	if [ -e "$out" ]; then
		if rc=$(status "$out.status"); then
			case " 0 $ok " in *" $rc "*) return 0 ;; esac
		fi
		echo "$prog: $out.status: not a finished stage's status; running the stage again" >&2
		rm -f -- "$out" "$out.status" ||
			die 74 "$out: cannot be removed"
	fi
	tmp=$out.tmp
	msg=$( { : >"$tmp"; } 2>&1) || die 74 "$tmp: ${msg##*: }"
	# in the background, waited for, so that a signal is taken at once
	# (a shell runs no trap while a command in the foreground runs); no
	# stage reads stdin, which is /dev/null for it
	"$@" >"$tmp" &
	child=$!
	wait "$child"
	rc=$?
	child=
	case " 0 $ok " in
	*" $rc "*)
		msg=$( { echo $rc >"$out.status"; } 2>&1) ||
			die 74 "$out.status: cannot be written: ${msg##*: }"
		keep "$out.tmp" "$out" "$out.status"
		return 0 ;;
	esac
	exit $rc
}

ok=
if [ -n "$run_defaults" ]; then
	stage "$batchfile" bw-jsonl -m "$run_model" -e "$run_endpoint" -d "$run_defaults" "$dir/requests.jsonl"
else
	stage "$batchfile" bw-jsonl -m "$run_model" -e "$run_endpoint" "$dir/requests.jsonl"
fi
# exec: the stage's pid is the program's own, which a signal reaches
create() { exec bw-create <"$dir/file.json"; }
poll() { exec bw-poll -i "$interval" <"$dir/batch.json"; }
download() { exec bw-download -k "$dir/raw" <"$dir/done.json"; }
stage "$dir/file.json" bw-upload --reuse "$batchfile"
stage "$dir/batch.json" create
ok=1	# a batch that failed, expired or was cancelled has ended too
stage "$dir/done.json" poll
mkdir -p "$dir/raw"
stage "$dir/output.jsonl" download
ok=
if [ -s "$dir/output.jsonl" ]; then
	stage "$dir/results.jsonl" bw-parse "$dir/output.jsonl"
else
	msg=$( { : >"$dir/results.jsonl"; } 2>&1) ||
		die 74 "$dir/results.jsonl: ${msg##*: }"
fi
if [ -z "$quiet" ]; then
	# stdout's reader gone (| head -1): a quiet death by SIGPIPE, as
	# cat's own; any other write error said, 74
	{ msg=$( (trap - PIPE; exec cat -- "$dir/results.jsonl") 2>&1 >&3); } 3>&1
	case $? in
	0) ;;
	141) trap - PIPE; kill -PIPE $$; exit 141 ;;
	*) die 74 "stdout: ${msg#cat: }" ;;
	esac
fi
rc=$(status "$dir/done.json.status") ||
	die 74 "$dir/done.json.status: not a finished stage's status"
exit "$rc"
