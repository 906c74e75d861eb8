/**
 * got, imported on first use. The controller downloads only when a plugin
 * is installed or a url() asset fetched, and got with its dependencies is
 * some 20 MB of resident memory a controller that never downloads should
 * not carry (docs/operations.md#memory).
 */
type GotModule = typeof import('got');

let loaded: GotModule | undefined;
let loading: Promise<GotModule> | undefined;

export async function loadGot(): Promise<GotModule> {
  return (loading ??= import('got').then((m) => (loaded = m)));
}

/**
 * got's error classes once it is loaded, for synchronous classifiers:
 * undefined before, when no error can have come from got anyway.
 */
export function gotErrors(): Pick<GotModule, 'HTTPError' | 'RequestError' | 'TimeoutError' | 'CancelError'> | undefined {
  return loaded;
}
