// `allure generate` plus tradecheck's gate results on the report's Quality Gates tab.
//
//   node ci/allure_generate.mjs RESULTS_DIR... --config allurerc.json --output DIR [--quality-gates FILE]
//
// Allure 3.18 evaluates quality gates only inside `allure run` / `allure quality-gate`, and
// nothing in allure-results carries gate results: its own commands hand them to the report through
// the report's realtime dispatcher. This does what the CLI's generate does (same config reader,
// same AllureReport class) and hands over the gates tradecheck decided (FILE: a JSON list of
// {rule, success, actual, expected, message, testResults}, written by ci/allure_verdict.py).
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { exit } from "node:process";
import { parseArgs } from "node:util";
import { AllureReport, readConfig } from "@allurereport/core";

const USAGE = "usage: allure_generate.mjs RESULTS_DIR... --config FILE --output DIR [--quality-gates FILE]";

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: "string" },
      output: { type: "string" },
      "quality-gates": { type: "string" },
    },
  });
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  exit(2);
}
const { values, positionals } = parsed;
if (!positionals.length || !values.config || !values.output) {
  console.error(USAGE);
  exit(2);
}

try {
  const cwd = process.cwd();
  const config = await readConfig(cwd, values.config, { output: values.output });
  const gates = values["quality-gates"] ? JSON.parse(await readFile(values["quality-gates"], "utf-8")) : [];
  const report = new AllureReport(config);
  await report.start();
  for (const directory of positionals) {
    await report.readDirectory(resolve(cwd, directory));
  }
  if (gates.length) {
    report.realtimeDispatcher.sendQualityGateResults(gates);
  }
  await report.done();
} catch (error) {
  console.error(`Allure report generation failed: ${error?.message ?? error}`);
  exit(1);
}
