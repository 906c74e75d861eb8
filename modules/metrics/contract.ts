/**
 * The `metrics` service: one Prometheus registry per controller, served as
 * text at `GET /metrics` (by the api module, next to `/health`). Each module
 * declares the families it owns — a name under `voodu_`, its help and its
 * labels — and keeps the handle; asking for a name twice answers the same
 * family, so two modules may share one as long as they agree on its labels.
 * Without the metrics module nobody asks: every caller checks
 * `ctx.has('metrics')` and records nothing when it is absent.
 *
 * Label values must come from a small, known set (kind, scope, a route
 * pattern, a result word) — never an id, a URL or user text — or the
 * scrape grows with every request.
 */
import type { Counter, CounterConfiguration, Gauge, GaugeConfiguration, Histogram, HistogramConfiguration } from 'prom-client';

export const METRICS_PATH = '/metrics';

/** Buckets (seconds) for calls that should take milliseconds: store and engine requests, API calls. */
export const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets (seconds) for work that may take minutes: reconciles, plugin runs. */
export const SLOW_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

type Config<C> = Omit<C, 'registers'>;

export interface Metrics {
  counter<L extends string>(config: Config<CounterConfiguration<L>>): Counter<L>;
  gauge<L extends string>(config: Config<GaugeConfiguration<L>>): Gauge<L>;
  histogram<L extends string>(config: Config<HistogramConfiguration<L>>): Histogram<L>;
  /** Every family in the Prometheus text exposition format, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    metrics: Metrics;
  }
}
