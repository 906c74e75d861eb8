/**
 * The fault suite's short form: scripts/chaos.ts with 3 trials of `kill -9`
 * of a real controller process mid-change. It fails on a lost manifest, an
 * orphan, a duplicate replica or a stack that does not converge (the limit
 * is looser here than the long form's 10 s: CI runs other tests beside it).
 * The long form: `node --import=tsx scripts/chaos.ts --trials 20`.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dockerClient, requireDocker } from '../helpers/docker.js';
import { requireBinary } from '../helpers/require.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

test('kill -9 of the controller at 3 random moments: nothing lost, no orphan, no duplicate, converged', async (t) => {
  t.timeout(600_000);
  await requireDocker(dockerClient());
  requireBinary('etcd');
  if (!existsSync(`${projectRoot}dist/bin/voodu-controller.js`)) throw new Error('dist/ is missing: run `npm run build` (scripts/setup does)');
  const out = await new Promise<{ code: number; text: string }>((resolve) => {
    execFile(process.execPath, ['--import=tsx', '--disable-warning=DEP0111', 'scripts/chaos.ts', '--trials', '3', '--limit', '30'], { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, text: `${stdout}${stderr}` }),
    );
  });
  t.log(out.text.trim());
  t.is(out.code, 0, out.text);
  t.regex(out.text, /fault: controller kill -9 \| trials 3 \| converged 3 \|.*orphans 0 \| duplicates 0 \| lost manifests 0/);
});
