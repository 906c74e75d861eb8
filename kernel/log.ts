/**
 * The logger every module receives, already prefixed with its name. One
 * line per event, to stderr, so a systemd journal or a test's captured
 * output reads the same.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(name: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  (line: string): void;
}

export function createLogger(options: { name?: string; level?: LogLevel; sink?: LogSink } = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const sink: LogSink = options.sink ?? ((line) => process.stderr.write(line + '\n'));
  const make = (name: string): Logger => {
    const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
      if (ORDER[level] < min) return;
      const tail = fields && Object.keys(fields).length ? ' ' + formatFields(fields) : '';
      sink(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${name ? name + ': ' : ''}${msg}${tail}`);
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (sub) => make(name ? `${name}.${sub}` : sub),
    };
  };
  return make(options.name ?? '');
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
}
