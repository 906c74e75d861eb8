// Progress of a long command: one plain line on stderr per step. The
// controller streams those lines to the CLI while the command runs (the
// final answer is still the JSON envelope); a line must never hold a
// secret — the controller masks bucket values, but a plugin does not lean on that.

/** @param {string} line */
export function progress(line) {
  process.stderr.write(`${String(line).replace(/\s+$/, '')}\n`);
}
