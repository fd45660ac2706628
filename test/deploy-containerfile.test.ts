/**
 * deploy/Containerfile cannot be built here (no Docker engine): it is linted with dockerfile-utils (the VS Code
 * Docker extension's validator, pure JS) and held to the rules a reviewer would check — multi-stage with pinned
 * bases, a non-root numeric user at the end, no lifecycle script before the sources exist, apt lists removed,
 * everything `npm pack` ships copied into the runtime stage, and host builds kept out of the context.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { validate, ValidationSeverity } from "dockerfile-utils";
import { findRepoRoot } from "./support/fixtures.js";

const root = findRepoRoot();
const text = readFileSync(join(root, "deploy", "Containerfile"), "utf8");
const dockerfile = DockerfileParser.parse(text);
const args = (i: Instruction) => i.getArgumentsContent() ?? "";

/** Problems of a Containerfile, one line each; an empty list is a pass. */
function review(content: string): string[] {
  const file = DockerfileParser.parse(content);
  const out: string[] = [];
  const every = ValidationSeverity.WARNING;
  const settings = { deprecatedMaintainer: every, directiveCasing: every, emptyContinuationLine: every, instructionCasing: every, instructionCmdMultiple: every, instructionEntrypointMultiple: every, instructionHealthcheckMultiple: every, instructionJSONInSingleQuotes: every, instructionWorkdirRelative: every };
  for (const d of validate(content, settings)) out.push(`line ${d.range.start.line + 1}: ${d.message}`);
  const froms = file.getFROMs();
  if (froms.length < 2) out.push("not multi-stage: the build toolchain ends up in the image");
  for (const f of froms) {
    const tag = f.getImageTag();
    if (tag === null || tag === "latest") out.push(`FROM ${f.getImage()}: pin a tag (not latest)`);
  }
  const instructions = file.getInstructions();
  const lastFrom = instructions.lastIndexOf(froms.at(-1)! as unknown as Instruction);
  const runtime = instructions.slice(lastFrom);
  const user = runtime.filter((i) => i.getKeyword() === "USER").at(-1);
  const uid = user === undefined ? undefined : /^(\d+)(?::\d+)?$/.exec(args(user))?.[1];
  if (uid === undefined || Number(uid) === 0) out.push("the runtime stage must end as a numeric non-root USER (runAsNonRoot checks numbers)");
  const copyAll = instructions.findIndex((i) => i.getKeyword() === "COPY" && /^\.\s+\./.test(args(i)));
  instructions.forEach((i, n) => {
    if (i.getKeyword() !== "RUN") return;
    const cmd = args(i);
    if (/\bnpm (ci|install)\b/.test(cmd) && (copyAll === -1 || n < copyAll) && !/--ignore-scripts/.test(cmd)) out.push(`line ${i.getRange().start.line + 1}: npm runs the package's prepare script before the sources are copied (add --ignore-scripts)`);
    if (/apt-get install/.test(cmd) && !/--no-install-recommends/.test(cmd)) out.push(`line ${i.getRange().start.line + 1}: apt-get install without --no-install-recommends`);
    if (/apt-get (update|install)/.test(cmd) && !/rm -rf \/var\/lib\/apt\/lists/.test(cmd)) out.push(`line ${i.getRange().start.line + 1}: apt lists left in the layer`);
  });
  for (const i of instructions) if (i.getKeyword() === "ADD" && /https?:\/\//.test(args(i))) out.push(`line ${i.getRange().start.line + 1}: ADD of a URL (unverified download)`);
  const entry = runtime.find((i) => i.getKeyword() === "ENTRYPOINT");
  if (entry === undefined || !args(entry).trim().startsWith("[")) out.push("ENTRYPOINT must be in exec form (signals reach node, not a shell)");
  const copied = runtime.filter((i) => i.getKeyword() === "COPY").map((i) => args(i).replace(/--from=\S+\s+/, "").split(/\s+/)[0]!.replace(/^\/src\//, ""));
  const shipped = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { files: string[] }).files.filter((f) => f !== "README.md");
  for (const f of [...shipped, "package.json", "node_modules"]) if (!copied.includes(f)) out.push(`the runtime stage lacks ${f} (package.json "files" ships it)`);
  return out;
}

describe("deploy/Containerfile (linted; Docker does not run here)", () => {
  it("passes the linter and the image rules", () => {
    assert.ok(dockerfile.getFROMs().length > 0);
    assert.deepEqual(review(text), []);
  });

  it("the rules catch what they are for (each broken copy is refused)", () => {
    const broken: Array<[string, string, RegExp]> = [
      ["single stage", text.replace(/^FROM node:20-bookworm AS build$[\s\S]*?^FROM node:20-bookworm-slim$/m, "FROM node:20-bookworm-slim"), /not multi-stage/],
      ["unpinned base", text.replace("FROM node:20-bookworm-slim", "FROM node"), /pin a tag/],
      ["root at the end", text.replace("USER 65532:65532", "USER root"), /non-root USER/],
      ["prepare before sources", text.replace("npm ci --ignore-scripts", "npm ci"), /--ignore-scripts/],
      ["apt lists kept", text.replace(" && rm -rf /var/lib/apt/lists/*", ""), /apt lists/],
      ["shell-form entrypoint", text.replace('ENTRYPOINT ["node", "/app/bin/certdoctor.js"]', "ENTRYPOINT node /app/bin/certdoctor.js"), /exec form/],
      ["web bundle not copied", text.replace("COPY --from=build /src/dist/web ./dist/web\n", ""), /lacks dist\/web/],
      ["lowercase instruction", text.replace("WORKDIR /app", "workdir /app"), /line \d+: .*uppercase|Instructions should be written in uppercase/i],
    ];
    for (const [what, content, want] of broken) {
      assert.notEqual(content, text, `${what}: the edit applies`);
      assert.match(review(content).join("\n"), want, what);
    }
  });

  it("keeps host builds and dependencies out of the build context", () => {
    const ignored = readFileSync(join(root, "deploy", "Containerfile.dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const path of [".git", "node_modules", "dist", "test-output"]) assert.ok(ignored.includes(path), path);
  });
});
