/**
 * Docker support for end-to-end tests. A missing engine or test image fails
 * the test with the fix (an e2e test that skips proves nothing), and every
 * resource a test file creates carries that file's run label, so one
 * `cleanupDocker` in `test.after.always` removes all of it, failed tests
 * included.
 */
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';

/** busybox-static imported by `scripts/build-test-images` (PATH=/bin, CMD sh); no registry needed. */
export const TEST_IMAGE = 'voodu-test/busybox:1';
export const TEST_LABEL_KEY = 'voodu.test';

export function dockerClient(): Docker {
  const host = process.env['DOCKER_HOST'];
  const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
  return new Docker({ socketPath });
}

/** Throws, naming the fix, unless the engine answers and the test image is present. */
export async function requireDocker(docker: Docker = dockerClient()): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(
      `prerequisite missing: the Docker engine does not answer (${err instanceof Error ? err.message : String(err)}); start dockerd or run \`sudo bash scripts/setup\``,
    );
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`prerequisite missing: image ${TEST_IMAGE} is not present; run \`bash scripts/build-test-images\``);
  }
}

/** A fresh run label for one test file: `{ 'voodu.test': '<id>' }`. */
export function testRunLabel(): { key: string; value: string; labels: Record<string, string>; filter: string } {
  const value = randomBytes(4).toString('hex');
  return { key: TEST_LABEL_KEY, value, labels: { [TEST_LABEL_KEY]: value }, filter: `${TEST_LABEL_KEY}=${value}` };
}

/** `prefix-<6 hex>`: container, volume and network names that cannot collide across runs. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/**
 * Force-removes every container, then every volume and network, carrying
 * `label` (`key=value`). Returns what it removed, so a test can assert
 * nothing leaked.
 */
export async function cleanupDocker(
  label: string,
  docker: Docker = dockerClient(),
): Promise<{ containers: number; volumes: number; networks: number }> {
  const filters = { label: [label] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        }),
    ),
  );
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of Volumes ?? []) {
    await docker
      .getVolume(v.Name)
      .remove()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
  }
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
  }
  return { containers: containers.length, volumes: Volumes?.length ?? 0, networks: networks.length };
}

/** Force-removes every container whose `voodu.scope` starts with `prefix` (controller-made, so it carries no run label). */
export async function removeScopes(prefix: string, docker: Docker = dockerClient()): Promise<void> {
  const all = await docker.listContainers({ all: true, filters: { label: ['voodu.scope'] } });
  await Promise.all(
    all.filter((c) => c.Labels['voodu.scope']?.startsWith(prefix)).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)),
  );
}
