/**
 * Where a value sits in a manifest, so every error names the file, the block
 * and the field the way the operator wrote them. The wire path (`field`,
 * `spec.inits[0].command`) is for machines; the shown path (`init "migrate".command`)
 * is for people reading HCL.
 */
import { ValidationError } from '../errors.js';

export interface Origin {
  /** File (optionally `file:line`) the manifest came from. */
  source?: string;
  /** `deployment/prod/api`: the block in HCL terms. */
  block: string;
  /** Input came from the HCL surface: HCL's type conversions apply and server-stamped keys are refused. */
  hcl: boolean;
}

export class At {
  constructor(
    readonly origin: Origin,
    private readonly wire: string = 'spec',
    readonly shown: string = '',
  ) {}

  /** `spec.a.b` on the wire; shown as `a.b`. */
  key(k: string, shown?: string): At {
    return new At(this.origin, `${this.wire}.${k}`, shown ?? (this.shown ? `${this.shown}.${k}` : k));
  }

  /** `spec.a[1]` on the wire; shown as `a[1]` unless the caller names the item (`init "migrate"`). */
  index(i: number, shown?: string): At {
    return new At(this.origin, `${this.wire}[${i}]`, shown ?? `${this.shown}[${i}]`);
  }

  /** Same wire path, shown differently (cronjob job fields are flat in HCL). */
  showAs(shown: string): At {
    return new At(this.origin, this.wire, shown);
  }

  get field(): string {
    return this.wire;
  }

  /** Prefix of every message: `voodu.hcl: deployment/prod/api: `. */
  get prefix(): string {
    return `${this.origin.source ? `${this.origin.source}: ` : ''}${this.origin.block}: `;
  }

  fail(message: string): never {
    throw new ValidationError(`${this.prefix}${this.shown ? `${this.shown}: ` : ''}${message}`, { field: this.wire });
  }
}
