/**
 * `npm test`'s reporter: a dot per test, every failure in full at the end, then the same
 * `# tests / # pass / # fail` summary lines the TAP reporter prints (the full TAP goes to
 * test-output/tests.tap). About 20 lines for a green run instead of ~6,000.
 */
import { inspect } from "node:util";

interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  line?: number;
  message?: string;
  details?: { duration_ms?: number; type?: string; error?: Error & { failureType?: string; cause?: unknown } };
  skip?: string | boolean;
  todo?: string | boolean;
}

interface TestEvent {
  type: string;
  data: TestEventData;
}

const WIDTH = 80;
const SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

export default async function* reporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const failures: TestEventData[] = [];
  const summary: string[] = [];
  let column = 0;
  const dot = (c: string) => {
    column++;
    return column % WIDTH === 0 ? `${c}\n` : c;
  };
  for await (const event of source) {
    const { type, data } = event;
    if (type === "test:pass") {
      if (data.details?.type === "suite") continue;
      yield dot(data.skip !== undefined && data.skip !== false ? "s" : ".");
    } else if (type === "test:fail") {
      const failureType = data.details?.error?.failureType;
      if (failureType === "subtestsFailed") continue; // its failing subtest is reported itself
      failures.push(data);
      yield dot("X");
    } else if (type === "test:diagnostic" && data.nesting === 0 && data.message !== undefined && SUMMARY.test(data.message)) {
      summary.push(`# ${data.message}`);
    }
  }
  if (column % WIDTH !== 0) yield "\n";
  for (const f of failures) yield `\n${describeFailure(f)}\n`;
  if (summary.length > 0) yield `\n${summary.join("\n")}\n`;
}

function describeFailure(f: TestEventData): string {
  const where = f.file === undefined ? "" : ` (${f.file}${f.line === undefined ? "" : `:${f.line}`})`;
  const error = f.details?.error;
  const cause = error?.cause ?? error;
  const body = cause === undefined ? "" : inspect(cause, { depth: 4, breakLength: 120 }).replace(/^/gm, "  ");
  return `not ok - ${f.name}${where}\n${body}`;
}
