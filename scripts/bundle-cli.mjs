// Bundles the CLI into one file, dist/bin/voodu.js (over tsc's output of
// the same entry). Node resolves, reads and links every ES module file on
// its own, and for the CLI's ~120 small files that cost more at start-up
// than the command's work (scripts/bench-cli.ts measures both builds).
// Lazily imported parts of the CLI (a module's verbs, the kind specs, the
// HCL pipeline) are inlined and still run only when first used; npm packages
// stay external (node_modules is installed beside dist/), so the HCL parser
// is still read only on a cache miss. The daemon half of each core module
// (`load` in modules/core.ts) is left as an import of tsc's dist/modules/
// output: the CLI never calls it, and it must not be pulled into the file.
// The controller is not bundled: it starts once, and its stack traces keep
// the source layout.
import { build } from 'esbuild';
import { relative, resolve } from 'node:path';

const daemonHalf = {
  name: 'daemon-modules-stay-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\/index\.js$/ }, (args) => {
      if (!args.importer.endsWith('/modules/core.ts')) return undefined;
      const target = resolve('dist/modules', args.path);
      return { path: `./${relative(resolve('dist/bin'), target)}`, external: true };
    });
  },
};

await build({
  entryPoints: { voodu: 'bin/voodu.ts' },
  outdir: 'dist/bin',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  plugins: [daemonHalf],
  sourcemap: true,
  allowOverwrite: true,
  logLevel: 'warning',
});
console.log('bundled the CLI: dist/bin/voodu.js');
