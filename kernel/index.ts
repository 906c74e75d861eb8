export { KernelError } from './errors.js';
export * from './hooks.js';
export * from './log.js';
export * from './services.js';
export * from './module.js';
export * from './clock.js';
export * from './kernel.js';
