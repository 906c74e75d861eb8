import test from 'ava';
import { envFromRefs, ownRefs } from '../../cli/hcl/context.js';
import { scanHcl } from '../../cli/hcl/scan.js';

test('blocks in source order with labels, lines, attributes and nested blocks', (t) => {
  const scan = scanHcl(
    [
      '# a comment with { braces',
      'deployment "prod" "api" {',
      '  image = "x" // trailing',
      '  init "b" {',
      '    command = ["b"]',
      '  }',
      '  init "a" { command = ["a"] }',
      '}',
      '',
      'redis cache {}',
      'asset "u\\"q" {',
      '}',
    ].join('\n'),
  );
  t.deepEqual(
    scan.blocks.map((b) => [b.type, b.labels, b.line]),
    [
      ['deployment', ['prod', 'api'], 2],
      ['redis', ['cache'], 10],
      ['asset', ['u"q'], 11],
    ],
  );
  const d = scan.blocks[0]!;
  t.deepEqual(d.attributes.map((a) => [a.name, a.line]), [['image', 3]]);
  t.deepEqual(d.blocks.map((b) => [b.type, b.labels[0], b.line]), [['init', 'b', 4], ['init', 'a', 7]]);
  t.deepEqual(d.blocks[1]!.attributes.map((a) => a.name), ['command']);
});

test('braces inside strings, templates, heredocs and comments do not confuse it', (t) => {
  const scan = scanHcl(
    [
      'job "a" "b" {',
      '  command = ["sh", "-c", "echo } { ${jsonencode({a = "}"})}"]',
      '  /* } */',
      '  script = <<-EOT',
      '    }',
      '    ${x}',
      '    EOT',
      '  env = {',
      '    A = "}"',
      '  }',
      '}',
      'job "c" "d" {}',
    ].join('\n'),
  );
  t.deepEqual(scan.blocks.map((b) => b.labels.join('/')), ['a/b', 'c/d']);
  t.deepEqual(scan.blocks[0]!.attributes.map((a) => [a.name, a.line]), [['command', 2], ['script', 4], ['env', 8]]);
  t.deepEqual(scan.attributes, []);
});

test('env_from literals are collected per block; non-literal entries are skipped', (t) => {
  const scan = scanHcl(
    [
      'deployment "prod" "api" {',
      '  env_from = [',
      '    "shared/secrets", # comment',
      '    "${OTHER}",',
      '    "web",',
      '  ]',
      '}',
      'job "prod" "once" { env_from = ["web", "jobs/extra"] }',
      'registry "ghcr" {}',
    ].join('\n'),
  );
  t.deepEqual(envFromRefs(scan), ['shared/secrets', 'web', 'jobs/extra']);
  t.deepEqual(ownRefs(scan), ['prod/api', 'prod/once']);
});

test('top-level attributes are reported, and garbage is skipped without throwing', (t) => {
  const scan = scanHcl('x = 1\n%%% what\ndeployment "a" "b" {\n  replicas = ${N}\n}\n');
  t.deepEqual(scan.attributes.map((a) => [a.name, a.line]), [['x', 1]]);
  t.deepEqual(scan.blocks.map((b) => [b.type, b.labels]), [['deployment', ['a', 'b']]]);
  t.notThrows(() => scanHcl('deployment "a" { image = "unterminated\n'));
  t.notThrows(() => scanHcl('}}} {{{ "'));
});

test('labels holding a template are marked as not literal', (t) => {
  const [b] = scanHcl('deployment "${SCOPE}" "api" {}').blocks;
  t.false(b!.literalLabels);
  t.deepEqual(ownRefs(scanHcl('deployment "${SCOPE}" "api" {}')), []);
});
