/**
 * Renders docs/kinds.md from the registered kind definitions, so the
 * reference cannot drift from what the validators accept: a test renders it
 * again and compares (regenerate with `npm run docs:kinds`).
 */
import type { KindDefinition, KindRegistry } from '../../lib/manifest/kind-registry.js';

const SCOPE_FORM: Record<KindDefinition['scope'], (k: string) => string> = {
  required: (k) => `${k} "<scope>" "<name>" { … }`,
  optional: (k) => `${k} "<name>" { … }  or  ${k} "<scope>" "<name>" { … }`,
  forbidden: (k) => `${k} "<name>" { … }   (host-wide: no scope)`,
};

const ROLE_TEXT: Record<string, string> = {
  workload: 'runs containers under its app id `<scope>-<name>` and reads the env file `voodu config` writes',
  longRunning: 'keeps replicas running: probed, restarted (`voodu restart`), scaled and rolled',
  envFile: '`env_file = [...]` in its block is read by the CLI and sent as `env`',
  prunable: '`voodu apply --prune` removes siblings of this kind the applied files no longer declare',
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function renderKind(d: KindDefinition): string {
  const out: string[] = [`## ${d.name}`, '', d.summary, '', '```hcl-fragment', SCOPE_FORM[d.scope](d.name), '```', ''];
  const roles = Object.entries(d.roles ?? {})
    .filter(([role, on]) => on === true && ROLE_TEXT[role])
    .map(([role]) => `- ${ROLE_TEXT[role]}`);
  if (d.roles?.expandsTo) roles.push(`- expands into ${d.roles.expandsTo.map((k) => `[${k}](#${k})`).join(' and ')} of the same scope and name; nothing of kind \`${d.name}\` is stored`);
  if (d.containerAt) roles.push(`- its container fields are stored under \`${d.containerAt}\``);
  out.push(`Owned by the \`${d.module ?? '?'}\` module${d.plural ? `; plural \`${d.plural}\`` : ''}.`, '');
  if (roles.length) out.push(...roles, '');
  out.push('| field | type | |', '|---|---|---|');
  for (const [name, f] of Object.entries(d.fields)) out.push(`| \`${name}\` | ${cell(f.type)} | ${cell(f.doc)} |`);
  out.push('');
  if (d.defaults?.length) out.push('Defaults applied when it is validated:', '', ...d.defaults.map((x) => `- ${x}`), '');
  if (d.example) out.push('Example:', '', '```hcl', d.example.trimEnd(), '```', '');
  return out.join('\n');
}

export function renderKindDocs(kinds: KindRegistry): string {
  const all = [...kinds.all()].sort((a, b) => a.name.localeCompare(b.name));
  return [
    '# Manifest kinds',
    '',
    '<!-- Generated from the registered kind definitions (modules/<module>/spec.ts) by `npm run docs:kinds`; do not edit by hand. -->',
    '',
    'Every kind the core modules define, with every field its validator accepts. The CLI validates a block',
    'with the same definitions before sending it, and the controller again at `/apply`. A block type no',
    'kind registered is a plugin kind (see [plugins.md](plugins.md)); a community module can register',
    'its own kinds (see CONTRIBUTING.md, "Writing a community module").',
    '',
    all.map((d) => `- [${d.name}](#${d.name}) — ${d.summary}`).join('\n'),
    '',
    ...all.map(renderKind),
  ].join('\n');
}
