// The data pods of a redis as they are right now: which containers run,
// and which one really is the master (INFO replication), which the
// bucket's REDIS_MASTER_ORDINAL only records.
import { inspectContainer } from './sdk/docker.js';
import { info } from './rediscli.js';
import { containerName, formatRef } from './ref.js';

/**
 * Every ordinal's container, whether it runs, and its replication facts when it answers.
 * @returns {Promise<{ordinal: number, container: string, running: boolean, replication?: Record<string, string>, error?: string}[]>}
 */
export async function podStates(scope, name, replicas) {
  return Promise.all(
    Array.from({ length: replicas }, async (_, ordinal) => {
      const container = containerName(scope, name, ordinal);
      const state = await inspectContainer(container);
      if (!state?.running) return { ordinal, container, running: false, error: state ? `container is ${state.status}` : 'no such container' };
      try {
        return { ordinal, container, running: true, replication: await info(container, 'replication') };
      } catch (err) {
        return { ordinal, container, running: true, error: err.message };
      }
    }),
  );
}

/**
 * The pod that is master now: the bucket's ordinal when it says so, else
 * the one pod that does. Throws naming what is wrong when there is none or
 * more than one.
 * @returns {Promise<{ordinal: number, container: string, pods: Awaited<ReturnType<typeof podStates>>, differs: boolean}>}
 */
export async function liveMaster(scope, name, replicas, recorded) {
  const ref = formatRef(scope, name);
  const pods = await podStates(scope, name, replicas);
  const masters = pods.filter((p) => p.replication?.role === 'master');
  if (masters.length === 1) {
    const m = masters[0];
    return { ordinal: m.ordinal, container: m.container, pods, differs: m.ordinal !== recorded };
  }
  const states = pods.map((p) => `${p.container}: ${p.replication?.role ?? p.error}`).join('; ');
  if (masters.length === 0) throw new Error(`${ref} has no master pod answering right now (${states}); check \`voodu logs ${ref}\` and retry once a master is up`);
  throw new Error(`${ref} has ${masters.length} pods claiming to be master (${states}); fix the roles first (voodu redis:failover ${ref} --replica N)`);
}
