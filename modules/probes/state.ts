/** What `/pods/{name}/ready` answers and `status.replica_readiness[<container>]` keeps. */
import type { ResourceRef } from '../../lib/identity.js';
import type { ProbeRunner, Phase } from './runner.js';
import type { ProbeType } from './config.js';

export interface ReadinessView {
  container_name: string;
  replica_id: string;
  ready: boolean;
  startup_passed: boolean;
  readiness_phase: Phase;
  reason: string;
  last_transition: string;
}

/** The runners of one container and the readiness they add up to. */
export class ContainerProbes {
  readonly runners = new Map<ProbeType, ProbeRunner>();
  startupPassed = false;
  readinessPhase: Phase = 'unknown';
  reason = '';
  lastTransition = new Date().toISOString();
  restarting = false;

  constructor(
    readonly name: string,
    readonly id: string,
    readonly ref: ResourceRef,
    readonly replicaId: string,
  ) {}

  get ready(): boolean {
    const startupOk = !this.runners.has('startup') || this.startupPassed;
    const readinessOk = !this.runners.has('readiness') || this.readinessPhase === 'healthy';
    return startupOk && readinessOk;
  }

  view(): ReadinessView {
    return {
      container_name: this.name,
      replica_id: this.replicaId,
      ready: this.ready,
      startup_passed: this.startupPassed,
      readiness_phase: this.readinessPhase,
      reason: this.reason,
      last_transition: this.lastTransition,
    };
  }
}
