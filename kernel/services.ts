/**
 * The typed service registry. A module provides a service by name; another
 * consumes it by name. Modules declare the shape by augmenting ServiceMap in
 * their contract file:
 *
 *   declare module '../../kernel/services.js' {
 *     interface ServiceMap { store: Store }
 *   }
 */
import { KernelError } from './errors.js';

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ServiceMap {}

/** A name the registry knows the type of, or any other string (community services). */
export type ServiceName = keyof ServiceMap | (string & {});
export type ServiceOf<N> = N extends keyof ServiceMap ? ServiceMap[N] : unknown;

export class MissingServiceError extends KernelError {
  constructor(message: string) {
    super(message, 'missing_service');
  }
}

export class ServiceRegistry {
  readonly #services = new Map<string, { value: unknown; provider: string }>();

  provide<N extends ServiceName>(name: N, value: ServiceOf<N>, provider: string): void {
    const existing = this.#services.get(name);
    if (existing) {
      throw new KernelError(
        `module "${provider}" provides service "${name}", already provided by module "${existing.provider}"; disable one of them in the module config`,
      );
    }
    this.#services.set(name, { value, provider });
  }

  /** Resolve a service for `consumer`; the error names both so a broken module config is easy to fix. */
  get<N extends ServiceName>(name: N, consumer: string): ServiceOf<N> {
    const entry = this.#services.get(name);
    if (!entry) {
      throw new MissingServiceError(
        `module "${consumer}" needs service "${name}", which no enabled module provides (registered: ${this.names().join(', ') || 'none'})`,
      );
    }
    return entry.value as ServiceOf<N>;
  }

  has(name: string): boolean {
    return this.#services.has(name);
  }

  providerOf(name: string): string | undefined {
    return this.#services.get(name)?.provider;
  }

  names(): string[] {
    return [...this.#services.keys()].sort();
  }
}
