/**
 * `app`: sugar for a deployment and an ingress with one identity (core.md
 * §1.3). Validated as a whole, so its errors name `app/<scope>/<name>`;
 * defaults are applied when it is expanded.
 */
import type { At } from '../at.js';
import { record, type Shape } from '../decoders.js';
import type { AppSpec } from '../types.js';
import { checkDeployment, deploymentShape } from './deployment.js';
import { checkIngressRoute, ingressRouteShape } from './ingress.js';
import { ordered } from './container.js';

const shape: Shape<AppSpec> = { ...deploymentShape, ...ingressRouteShape };
export const APP_INGRESS_KEYS = Object.keys(ingressRouteShape);

export function validateApp(raw: unknown, at: At): AppSpec {
  const spec = record<AppSpec>('an app', shape, { serverKeys: true })(raw, at)!;
  checkDeployment(spec, at);
  checkIngressRoute(spec, at);
  return ordered(spec, Object.keys(shape));
}
