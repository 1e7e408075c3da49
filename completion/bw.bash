# bash completion for the bw programs (installed once per program name).
# Options come from each program's own --help, so they never go stale.
_bw()
{
	local cur prev opts
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-e|--endpoint)
		COMPREPLY=($(compgen -W 'chat responses completions' -- "$cur"))
		return ;;
	-m|--model)
		COMPREPLY=($(compgen -W 'gpt-4o-mini gpt-4.1 gpt-5 gpt-5-mini gpt-5.5 o3 o4-mini' -- "$cur"))
		return ;;
	-d|-o|--save|--replay-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		opts=$("$1" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _bw bw-jsonl bw-upload bw-create bw-poll bw-download bw-parse \
	bw-cancel bw-webhook bw-run
