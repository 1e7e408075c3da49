# bash completion for the bw programs (installed once per program name).
# Options come from each program's own --help, so they never go stale.
_bw()
{
	local cur prev opts
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [[ $1 == bw-ls && ( $prev == -s || $prev == --status ) ]]; then
		COMPREPLY=($(compgen -W 'validating in_progress finalizing cancelling completed failed expired cancelled active ended' -- "$cur"))
		return
	fi
	if [[ $1 == bw-parse && ( $prev == -i || $prev == --input ) ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))	# the batch input file
		return
	fi
	case $prev in
	-e|--endpoint)
		COMPREPLY=($(compgen -W 'chat responses completions embeddings images image-edits moderations' -- "$cur"))
		return ;;
	-m|--model)
		COMPREPLY=($(compgen -W 'gpt-4o-mini gpt-4.1 gpt-5 gpt-5-mini gpt-5.5 o3 o4-mini' -- "$cur"))
		return ;;
	-d|--defaults|-D)
		case $1 in
		bw-run) [[ $prev == -d ]] && COMPREPLY=($(compgen -d -- "$cur")) ;;
		esac
		return ;;	# JSON, but bw-run's -d is its directory
	-k|--keep-dir|-o|--save|--replay-dir|--dir|--spool)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-i|--interval|-t|--timeout|-M|--metadata|-H|--header|-s|--split|\
	--max-*|--retries|--retry-wait|--tolerance|--exec|--id|--timestamp|\
	--signature|--lookback|--attempts|-n|--since|--before|--expires-after|--output-expires-after|\
	--notify)
		return ;;	# a value, not a file
	esac
	if [[ $cur == -* ]]; then
		# long and short options alike, from the program's own --help
		opts=$("$1" --help 2>/dev/null |
			grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z-]*' | tr -d ' ,' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _bw bw-jsonl bw-upload bw-create bw-poll bw-download bw-parse \
	bw-cancel bw-webhook bw-run bw-ls bw-rm
