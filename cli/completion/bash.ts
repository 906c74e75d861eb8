/**
 * The bash completion script. The verbs, flags and kinds are written into it
 * (regenerate it after an upgrade); refs are asked of the controller at TAB
 * time through `voodu completion __refs`. Also the base of the zsh script,
 * whose walk over the words is the same.
 */
import { GLOBAL_FLAGS, REFS, type CompletionModel, type VerbModel } from './model.js';

/** A POSIX shell single-quoted word. */
export const sq = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The `case` arm setting a verb's flags and slots, for bash and zsh alike. */
export function verbArm(verb: VerbModel): string {
  return [
    `    ${verb.keys.map(sq).join('|')})`,
    `      _voodu_flags=${sq(verb.flags.join(' '))}`,
    `      _voodu_vflags=${sq(verb.valueFlags.join(' '))}`,
    `      _voodu_slots=(${verb.slots.map((s) => sq(s.join(' '))).join(' ')}) ;;`,
  ].join('\n');
}

/** `_voodu_verb KEY`: sets `_voodu_flags`, `_voodu_vflags`, `_voodu_slots`; fails for a word that is no verb. */
export function verbFunction(model: CompletionModel): string {
  return [
    '_voodu_verb() {',
    '  case "$1" in',
    ...model.verbs.map(verbArm),
    '    *) return 1 ;;',
    '  esac',
    '}',
  ].join('\n');
}

export function bashScript(model: CompletionModel): string {
  return `# bash completion for voodu and vd, written by \`voodu completion bash\`.
#   voodu completion bash > /etc/bash_completion.d/voodu     (or, for one shell: source <(voodu completion bash))
# Verbs, flags and kinds are those of the voodu that wrote it: run it again after an upgrade.

_voodu_commands=${sq(model.commands.join(' '))}
_voodu_globals=${sq(GLOBAL_FLAGS.join(' '))}

${verbFunction(model)}

_voodu() {
  local cur cword
  local -a words
  if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
    # bash-completion: keep \`plugins:install\` and \`--flag=value\` one word each.
    _get_comp_words_by_ref -n =: cur words cword
  else
    words=("\${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=\${COMP_WORDS[COMP_CWORD]}
  fi
  COMPREPLY=()
  local i=1 w verb n=0 prev= slot s refs=0 candidates=
  local -a globals=()
  # Global flags come before the verb; --controller-url is passed on to the refs lookup.
  while (( i < cword )); do
    w=\${words[i]}
    case $w in
      --controller-url) globals+=("$w" "\${words[i+1]}"); (( i += 2 )) ;;
      -o|--output|-r|--remote) (( i += 2 )) ;;
      --controller-url=*) globals+=("$w"); (( i += 1 )) ;;
      -*) (( i += 1 )) ;;
      *) break ;;
    esac
  done
  (( i > cword )) && return 0
  if (( i == cword )); then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$_voodu_globals" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$_voodu_commands" -- "$cur"))
    fi
    return 0
  fi
  verb=\${words[i]}
  (( i += 1 ))
  if (( i < cword )) && _voodu_verb "$verb \${words[i]}"; then
    verb="$verb \${words[i]}"
    (( i += 1 ))
  elif ! _voodu_verb "$verb"; then
    return 0 # a plugin command: the shell's default completion
  fi
  while (( i < cword )); do
    w=\${words[i]}
    [[ $w == -- ]] && return 0 # what follows is a command's own argv (exec)
    if [[ " $_voodu_vflags " == *" $w "* ]]; then
      (( i += 2 ))
    elif [[ $w == -* ]]; then
      (( i += 1 ))
    else
      prev=$w
      (( n += 1, i += 1 ))
    fi
  done
  (( i > cword )) && return 0 # a flag's value
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$_voodu_flags" -- "$cur"))
    return 0
  fi
  slot=\${_voodu_slots[n]-}
  for s in $slot; do
    if [[ $s == ${REFS} ]]; then refs=1; else candidates+=" $s"; fi
  done
  if (( refs )); then
    # At most 200 ms on the controller; nothing when it does not answer. Never over ssh.
    candidates+=" $(VOODU_NO_REMOTE=1 "\${words[0]}" "\${globals[@]}" completion __refs "$prev" 2>/dev/null)"
  fi
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
  if declare -F __ltrim_colon_completions >/dev/null 2>&1; then __ltrim_colon_completions "$cur"; fi
  return 0
}

complete -o default -F _voodu voodu vd
`;
}
