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
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor' || skip.includes(prop)) {
        return typeof value === 'function' ? value.bind(obj) : value;
      }
      let fn = wrapped.get(prop);
      if (!fn) {
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
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
