/**
 * The fish completion script: one function walks the typed tokens as the
 * bash script does (see bash.ts) and prints the candidates; fish filters
 * them by the token under the cursor. Files where voodu has nothing to offer.
 */
import { GLOBAL_FLAGS, REFS, type CompletionModel, type VerbModel } from './model.js';

/** A fish single-quoted word: only `\` and `'` are special there. */
export const fq = (word: string) => `'${word.replace(/[\\']/g, (c) => `\\${c}`)}'`;

const list = (words: string[]) => words.map(fq).join(' ');

function verbCase(verb: VerbModel): string {
  return [
    `        case ${list(verb.keys)}`,
    `            set -g __voodu_flags ${list(verb.flags)}`,
    `            set -g __voodu_vflags ${list(verb.valueFlags)}`,
    `            set -g __voodu_slots ${list(verb.slots.map((s) => s.join(' ')))}`,
  ].join('\n');
}

export function fishScript(model: CompletionModel): string {
  return `# fish completion for voodu and vd, written by \`voodu completion fish\`.
#   voodu completion fish > ~/.config/fish/completions/voodu.fish     (vd: the same file as vd.fish)
# Verbs, flags and kinds are those of the voodu that wrote it: run it again after an upgrade.

set -g __voodu_commands ${list(model.commands)}
set -g __voodu_globals ${list(GLOBAL_FLAGS)}

# Sets the flags, value-taking flags and positional slots of the verb typed as $argv[1].
function __voodu_verb
    switch $argv[1]
${model.verbs.map(verbCase).join('\n')}
        case '*'
            return 1
    end
    # Said outright: fish's \`set\` may hand on the status of the command before it (a failed \`test\`).
    return 0
end

function __voodu_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l last (count $tokens)
    set -l globals
    set -l i 2
    # Global flags come before the verb; --controller-url is passed on to the refs lookup.
    while test $i -le $last
        set -l w $tokens[$i]
        switch $w
            case --controller-url
                set -a globals $w $tokens[(math $i + 1)]
                set i (math $i + 2)
            case -o --output -r --remote
                set i (math $i + 2)
            case '--controller-url=*'
                set -a globals $w
                set i (math $i + 1)
            case '-*'
                set i (math $i + 1)
            case '*'
                break
        end
    end
    if test $i -gt (math $last + 1)
        __fish_complete_path $cur
        return
    end
    if test $i -gt $last
        if string match -q -- '-*' $cur
            printf '%s\\n' $__voodu_globals
        else
            printf '%s\\n' $__voodu_commands
        end
        return
    end
    set -l verb $tokens[$i]
    set i (math $i + 1)
    if test $i -le $last; and __voodu_verb "$verb $tokens[$i]"
        set verb "$verb $tokens[$i]"
        set i (math $i + 1)
    else if not __voodu_verb $verb
        __fish_complete_path $cur # a plugin command
        return
    end
    set -l n 0
    set -l prev ''
    while test $i -le $last
        set -l w $tokens[$i]
        if test "$w" = '--'
            __fish_complete_path $cur # what follows is a command's own argv (exec)
            return
        end
        if contains -- $w $__voodu_vflags
            set i (math $i + 2)
        else if string match -q -- '-*' $w
            set i (math $i + 1)
        else
            set prev $w
            set n (math $n + 1)
            set i (math $i + 1)
        end
    end
    if test $i -gt (math $last + 1)
        __fish_complete_path $cur # a flag's value
        return
    end
    if string match -q -- '-*' $cur
        printf '%s\\n' $__voodu_flags
        return
    end
    set -l candidates
    set -l slot ''
    if test $n -lt (count $__voodu_slots)
        set slot $__voodu_slots[(math $n + 1)]
    end
    for s in (string split ' ' -- $slot)
        if test "$s" = ${fq(REFS)}
            # At most 200 ms on the controller; nothing when it does not answer. Never over ssh.
            set -a candidates (env VOODU_NO_REMOTE=1 $tokens[1] $globals completion __refs "$prev" 2>/dev/null)
        else if test -n "$s"
            set -a candidates $s
        end
    end
    if test (count $candidates) -eq 0
        __fish_complete_path $cur
        return
    end
    printf '%s\\n' $candidates
end

complete -c voodu -f -a '(__voodu_complete)'
complete -c vd -f -a '(__voodu_complete)'
`;
}
