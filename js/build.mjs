// Builds the widget bundles into ../wxnb/static/ (ESM, minified).
//   node build.mjs           production build (what the wheel ships)
//   node build.mjs --dev     unminified, inline source maps
//   node build.mjs --watch   dev build, rebuilt on every change (pair with ANYWIDGET_HMR=1)
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const watch = process.argv.includes("--watch");
const dev = watch || process.argv.includes("--dev");

/** @type {import("esbuild").BuildOptions} */
const options = {
  absWorkingDir: here,
  // One JS and one CSS file per widget: anywidget loads `_esm` and `_css` separately.
  entryPoints: ["src/login.js", "src/login.css", "src/chat.js", "src/chat.css"],
  entryNames: "[name]",
  outdir: "../wxnb/static",
  bundle: true,
  format: "esm",
  // JupyterLab 4, Notebook 7 and VS Code all run evergreen Chromium/Firefox/WebKit engines.
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  minify: !dev,
  // anywidget loads the ESM from a blob/data URL, so a linked .map would never be found.
  sourcemap: dev ? "inline" : false,
  legalComments: "none",
  logLevel: "info",
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log("watching js/src for changes (Ctrl-C to stop)");
} else {
  await esbuild.build(options);
}
