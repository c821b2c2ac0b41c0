// The WebAssembly budgets, as a browser downloads the files with brotli:
//  * the first page (/login, /setup: the main file alone, which holds
//    them) at most FIRST_KB (default 300);
//  * any other page's first load, the main file and its group's pieces
//    (`ui::lazy_page!`), at most PAGE_KB (default 500).
// Reads a release site's pkg/ as `cargo leptos build --release --split
// --precompress` leaves it: `qunfa.wasm.br`, and `__wasm_split_manifest.json`,
// which names the pieces each lazily loaded group needs (the server names
// the same files in the page for the browser to preload). Fails, naming
// what is over, when a budget is exceeded.
// Usage: node scripts/wasm-budget.mjs target/site/pkg
import fs from "node:fs";
import path from "node:path";

const pkg = process.argv[2];
if (!pkg) {
  console.error("usage: node scripts/wasm-budget.mjs PKG_DIR");
  process.exit(2);
}
const firstBudget = Number(process.env.FIRST_KB ?? 300) * 1024;
const pageBudget = Number(process.env.PAGE_KB ?? 500) * 1024;
const fail = (message) => {
  console.error(`wasm budget: ${message}`);
  process.exit(1);
};

function brotliSize(name) {
  const file = path.join(pkg, `${name}.br`);
  if (!fs.existsSync(file)) fail(`${file} is missing: build with --release --precompress`);
  return fs.statSync(file).size;
}

const manifestFile = path.join(pkg, "__wasm_split_manifest.json");
if (!fs.existsSync(manifestFile)) fail(`${manifestFile} is missing: build with --split`);
const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
const main = brotliSize("qunfa.wasm");

// A key is a `#[lazy]` function's name and a hash.
const groups = Object.entries(manifest)
  .map(([name, modules]) => {
    const pieces = modules.reduce((sum, module) => sum + brotliSize(`${module}.wasm`), 0);
    return { group: name.replace(/_\d+$/, ""), files: modules.length, pieces, total: main + pieces };
  })
  .sort((a, b) => b.total - a.total);
if (groups.length === 0) fail(`no lazily loaded pages in ${manifestFile} (ui::lazy_page!)`);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`wasm budget (brotli, as served):`);
console.log(`  first page (main file)   ${kb(main).padStart(9)}   budget ${kb(firstBudget)}${main > firstBudget ? "  OVER" : ""}`);
for (const { group, files, pieces, total } of groups) {
  const over = total > pageBudget ? "  OVER" : "";
  console.log(`  ${group.padEnd(24)} ${kb(total).padStart(9)}   (main + ${kb(pieces)} in ${files} files) budget ${kb(pageBudget)}${over}`);
}
const over = groups.filter((g) => g.total > pageBudget).map((g) => g.group);
if (main > firstBudget) over.unshift("the first page");
if (over.length > 0) fail(`over budget: ${over.join(", ")}`);
