// plotly.js with only the trace types in traces.json, as one minified IIFE defining window.Plotly.
// The esbuild settings are plotly.js's own (its esbuild-config.js); see README.md.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

const out = process.argv[2];
const traces = JSON.parse(fs.readFileSync(path.join(__dirname, 'traces.json'), 'utf8'));
const version = require('plotly.js/package.json').version;
const entry = [
  "'use strict';",
  "var Plotly = require('plotly.js/lib/core');",
  'Plotly.register([',
  ...traces.filter((t) => t !== 'scatter').map((t) => `  require('plotly.js/lib/${t}'),`),
  ']);',
  'module.exports = Plotly;',
].join('\n');

esbuild.build({
  stdin: { contents: entry, resolveDir: __dirname, sourcefile: 'smartsup-entry.js' },
  outfile: out,
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  legalComments: 'none',
  banner: { js: `/* plotly.js v${version} (MIT), traces: ${traces.join(',')} — built by scripts/plotly-bundle */` },
  plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
  alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false' },
  target: 'es2016',
  logLevel: 'warning',
}).then(() => {
  console.log(`${out}: plotly.js ${version}, ${traces.length} trace types, ${fs.statSync(out).size} bytes`);
}).catch(() => process.exit(1));
