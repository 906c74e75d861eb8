/**
 * The zsh completion script: the same walk over the words as bash's (see
 * bash.ts), on zsh's 1-based `words` and `CURRENT`, offering candidates with
 * `compadd` and files where voodu has nothing to offer. Works from `fpath`
 * (as `_voodu`, loaded by compinit) and when sourced after compinit.
 */
import { sq, verbFunction } from './bash.js';
import { GLOBAL_FLAGS, REFS, type CompletionModel } from './model.js';

export function zshScript(model: CompletionModel): string {
  return `#compdef voodu vd
# zsh completion for voodu and vd, written by \`voodu completion zsh\`.
#   voodu completion zsh > "\${fpath[1]}/_voodu"     (or, after compinit: source <(voodu completion zsh))
# Verbs, flags and kinds are those of the voodu that wrote it: run it again after an upgrade.

_voodu_commands=(${model.commands.map(sq).join(' ')})
_voodu_globals=(${GLOBAL_FLAGS.map(sq).join(' ')})

${verbFunction(model)}

_voodu() {
  local cur=\${words[CURRENT]} i=2 w verb n=0 prev= slot s refs=0
  local -a globals candidates
  # Global flags come before the verb; --controller-url is passed on to the refs lookup.
  while (( i < CURRENT )); do
    w=\${words[i]}
    case $w in
      --controller-url) globals+=("$w" "\${words[i+1]}"); (( i += 2 )) ;;
      -o|--output|-r|--remote) (( i += 2 )) ;;
      --controller-url=*) globals+=("$w"); (( i += 1 )) ;;
      -*) (( i += 1 )) ;;
      *) break ;;
    esac
  done
  if (( i > CURRENT )); then _files; return; fi
  if (( i == CURRENT )); then
    if [[ $cur == -* ]]; then compadd -- $_voodu_globals; else compadd -- $_voodu_commands; fi
    return
  fi
  verb=\${words[i]}
  (( i += 1 ))
  if (( i < CURRENT )) && _voodu_verb "$verb \${words[i]}"; then
    verb="$verb \${words[i]}"
    (( i += 1 ))
  elif ! _voodu_verb "$verb"; then
    _files # a plugin command
    return
  fi
  while (( i < CURRENT )); do
    w=\${words[i]}
    if [[ $w == -- ]]; then _files; return; fi # what follows is a command's own argv (exec)
    if [[ " $_voodu_vflags " == *" $w "* ]]; then
      (( i += 2 ))
    elif [[ $w == -* ]]; then
      (( i += 1 ))
    else
      prev=$w
      (( n += 1, i += 1 ))
    fi
  done
  if (( i > CURRENT )); then _files; return; fi # a flag's value
  if [[ $cur == -* ]]; then
    compadd -- \${=_voodu_flags}
    return
  fi
  slot=\${_voodu_slots[n+1]-}
  for s in \${=slot}; do
    if [[ $s == ${REFS} ]]; then refs=1; else candidates+=("$s"); fi
  done
  if (( refs )); then
    # At most 200 ms on the controller; nothing when it does not answer. Never over ssh.
    candidates+=(\${(f)"$(VOODU_NO_REMOTE=1 "\${words[1]}" "\${globals[@]}" completion __refs "$prev" 2>/dev/null)"})
  fi
  if (( \${#candidates} )); then compadd -- $candidates; else _files; fi
}

if [[ "\${funcstack[1]}" == _voodu ]]; then
  _voodu "$@"
else
  compdef _voodu voodu vd
fi
`;
}
