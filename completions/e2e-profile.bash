# bash completion for e2e-profile: commands, each command's flags, run
# names (directories under the output directory holding a run.json, or
# the heap0.pprof of a directory the earlier tools left) for
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
	for run in "$dir"/*/; do
		[ -e "${run}run.json" ] || [ -e "${run}heap0.pprof" ] || continue
		run=${run%/}
		printf '%s\n' "${run##*/}"
	done
}

_e2e_profile()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands="run collect analyze compare top merge diff batch plugins help version"
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
	-c | --config | --base | --diff-base | --kubeconfig) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-o | --output-dir | --plugin-path) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--collector) COMPREPLY=($(compgen -W "kubectl http apiserver" -- "$cur")); return ;;
	--reporters) COMPREPLY=($(compgen -W "markdown,csv,json markdown,csv,json,prometheus json,openmetrics" -- "$cur")); return ;;
	--profiles) COMPREPLY=($(compgen -W "heap cpu goroutine allocs goroutineleak heap,cpu heap,goroutine heap,cpu,goroutine heap,goroutine,goroutineleak" -- "$cur")); return ;;
	esac
	local run_flags="--collector --url -n --namespace --deployment -l --selector --port --context --kubeconfig -i --interval --profiles --cpu-duration --gc --target --force --repeat --analyzers --reporters -h --help"
	case $command in
	"") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")) ;;
	run) COMPREPLY=($(compgen -W "$run_flags --" -- "$cur")) ;;
	collect)
		local collect_flags=${run_flags/--target /}
		COMPREPLY=($(compgen -W "${collect_flags/--repeat /} --duration" -- "$cur")) ;;
	analyze) COMPREPLY=($(compgen -W "$(_e2e_profile_runs) --analyzers --reporters --summary-only -h --help" -- "$cur")) ;;
	compare) COMPREPLY=($(compgen -W "$(_e2e_profile_runs) --fail-on --alpha --analyzers --reporters --summary-only -h --help" -- "$cur")) ;;
	top)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--sample-index --cum --nodecount --base --diff-base --normalize --nodefraction --unit --functions --lines --files --addresses --focus --ignore --hide --show --show-from --tagfocus --tagignore -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	merge | diff) COMPREPLY=($(compgen -f -- "$cur")) ;;
	batch) COMPREPLY=($(compgen -f -X '!*.ini' -- "$cur") $(compgen -d -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$commands config" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "-h --help" -- "$cur")) ;;
	esac
}
complete -F _e2e_profile e2e-profile
