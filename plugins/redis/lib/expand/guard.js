// A scale-down may not remove the master: with REDIS_MASTER_ORDINAL = 2,
// `replicas = 2` would delete pod 2 and leave pods 0 and 1 replicating from
// a name that no longer exists. The fix is explicit: move the master first.
import { formatRef } from '../ref.js';
import { redisMasterOrdinal, redisReplicas } from '../topology.js';

/**
 * @param {{scope?: string, name: string, config?: Record<string, string>}} req
 * @param {Record<string, unknown>} merged the statefulset spec about to be emitted
 */
export function checkScaleDown(req, merged) {
  const desired = redisReplicas(merged);
  const master = redisMasterOrdinal(req.config);
  if (master < desired) return;
  const ref = formatRef(req.scope ?? '', req.name);
  throw new Error(
    `redis ${ref}: replicas = ${desired} would remove the master (REDIS_MASTER_ORDINAL = ${master}) and orphan its replicas. ` +
      `Move the master to a pod that stays first: \`voodu redis:failover ${ref} --replica 0\`, then apply again.`,
  );
}
