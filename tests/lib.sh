# tests/lib.sh: TAP helpers for the shell tests.  Source it from a test
# run at the top of the tree (prove does that).
#
#   run CMD ...          runs CMD, keeping $rc, $T/out and $T/err
#   exit_is N DESC       the exit status of the last run was N
#   out_is TEXT DESC     its stdout was exactly TEXT (plus a newline)
#   out_file_is F DESC   its stdout was exactly the file F
#   out_empty DESC       it wrote nothing to stdout
#   err_like RE DESC     its stderr matched the extended regex RE
#   err_empty DESC       it wrote nothing to stderr
#   ok COND DESC         COND (a shell command) succeeded
#   done_testing         prints the plan
set -u
TOP=$(pwd)
PATH=$TOP/bin:$PATH
export PATH LC_ALL=C
unset OPENAI_API_KEY OPENAI_BASE_URL OPENAI_ORG_ID OPENAI_PROJECT_ID \
	OPENAI_WEBHOOK_SECRET
T=$(mktemp -d "${TMPDIR:-/tmp}/bw-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
ntest=0
nfail=0

ok() {
	ntest=$((ntest + 1))
	if eval "$1"; then
		echo "ok $ntest - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest - $2"
	fi
}

run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

exit_is() {
	ntest=$((ntest + 1))
	if [ "$rc" -eq "$1" ]; then
		echo "ok $ntest - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest - $2"
		echo "# exit status $rc, expected $1; stderr:"
		sed 's/^/#   /' "$T/err"
	fi
}

out_file_is() {
	ntest=$((ntest + 1))
	if cmp -s "$1" "$T/out"; then
		echo "ok $ntest - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest - $2"
		diff "$1" "$T/out" | head -20 | sed 's/^/# /'
	fi
}

out_is() {
	printf '%s\n' "$1" >"$T/want"
	out_file_is "$T/want" "$2"
}

out_empty() {
	ok '[ ! -s "$T/out" ]' "$1"
}

err_empty() {
	ok '[ ! -s "$T/err" ]' "$1"
}

err_like() {
	ntest=$((ntest + 1))
	if grep -Eq -- "$1" "$T/err"; then
		echo "ok $ntest - $2"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest - $2"
		echo "# stderr did not match /$1/:"
		sed 's/^/#   /' "$T/err"
	fi
}

done_testing() {
	echo "1..$ntest"
	[ "$nfail" -eq 0 ]
}
