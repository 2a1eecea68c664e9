# bash completion for e2e-profile: commands, each command's flags, run
# names (directories under the output directory holding a run.json) for
# analyze and compare, and files where a command takes one.
# Installed into bash-completion's directory by meson; or: source this file.

_e2e_profile_runs()
{
	local dir=${E2E_PROFILE_DIR:-./e2e-profiles} i
	for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
		case ${COMP_WORDS[i]} in
		-o | --output-dir) dir=${COMP_WORDS[i + 1]} ;;
		esac
	done
	local run
	for run in "$dir"/*/run.json; do
		[ -e "$run" ] || continue
		run=${run%/run.json}
		printf '%s\n' "${run##*/}"
	done
}

_e2e_profile()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="run collect analyze compare top batch plugins help version"
	local global="-c --config -o --output-dir --plugin-path -q --quiet -v --verbose -h --help --version"
	local command="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config | -o | --output-dir | --plugin-path) ((i++)) ;;
		-*) ;;
		*) command=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-c | --config | --base) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-o | --output-dir | --plugin-path) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--collector) COMPREPLY=($(compgen -W "kubectl http" -- "$cur")); return ;;
	--profiles) COMPREPLY=($(compgen -W "heap cpu goroutine allocs heap,cpu heap,goroutine heap,cpu,goroutine" -- "$cur")); return ;;
	esac
	local run_flags="--collector --url -n --namespace --deployment -l --selector --port -i --interval --profiles --cpu-duration --gc --target --force -h --help"
	case $command in
	"") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")) ;;
	run) COMPREPLY=($(compgen -W "$run_flags --" -- "$cur")) ;;
	collect) COMPREPLY=($(compgen -W "${run_flags/--target /} --duration" -- "$cur")) ;;
	analyze) COMPREPLY=($(compgen -W "$(_e2e_profile_runs) --summary-only -h --help" -- "$cur")) ;;
	compare) COMPREPLY=($(compgen -W "$(_e2e_profile_runs) --fail-on --summary-only -h --help" -- "$cur")) ;;
	top)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--sample-index --cum --nodecount --base -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	batch) COMPREPLY=($(compgen -f -X '!*.ini' -- "$cur") $(compgen -d -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$commands config" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "-h --help" -- "$cur")) ;;
	esac
}
complete -F _e2e_profile e2e-profile
