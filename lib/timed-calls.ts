/**
 * A service object whose async methods report how long each call took.
 * The store and runtime modules hand this to the kernel instead of their
 * client when metrics are on, so every etcd and Docker call is timed in one
 * place rather than at each of the hundreds of call sites.
 *
 * Methods run on the original object (class private fields keep working);
 * properties and synchronous answers pass through untouched. A method
 * whose promise ends a long-lived stream's setup (a watch, a log follow) is
 * timed until it is set up, which is what its latency means.
 */
export type CallObserver = (method: string, seconds: number, ok: boolean) => void;

export function timedCalls<T extends object>(target: T, observe: CallObserver, skip: readonly string[] = []): T {
  // One wrapper (or bound method) per name, made on first use: a property read on a hot path allocates nothing.
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(prop);
      if (fn) return fn;
      if (typeof prop !== 'string' || prop === 'constructor' || skip.includes(prop)) {
        fn = value.bind(obj);
      } else {
        fn = (...args: unknown[]) => {
          const started = performance.now();
          const answer: unknown = Reflect.apply(value, obj, args);
          if (!(answer instanceof Promise)) return answer;
          return answer.then(
            (v) => {
              observe(prop, (performance.now() - started) / 1000, true);
              return v;
            },
            (err: unknown) => {
              observe(prop, (performance.now() - started) / 1000, false);
              throw err;
            },
          );
        };
      }
      wrapped.set(prop, fn);
      return fn;
    },
  });
}

/** A latency histogram labelled by `op` and `result`, as the store and runtime modules declare theirs. */
export interface OpLatency {
  observe(labels: { op: string; result: string }, seconds: number): void;
}

/** `target` with every async call observed in `latency` (`result` is `ok` or `error`). */
export function timedWith<T extends object>(latency: OpLatency, target: T, skip: readonly string[] = []): T {
  return timedCalls(target, (op, seconds, ok) => latency.observe({ op, result: ok ? 'ok' : 'error' }, seconds), skip);
}
