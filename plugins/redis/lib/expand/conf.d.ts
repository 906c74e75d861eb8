// Types for conf.js.
export const AOF_DIR: string;
export function readConf(pluginDir: string): string;
export function withAppendonly(conf: string, on: boolean): string;
export function appendRequirepass(conf: string, password: string): string;
