import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extractSection, keepSections, replaceSection } from "./results-file.js";

const H = "## Endpoint probing";
const scanPart = "# certdoctor benchmark\n\n| size |\n| 1,000 |\n";
const endpointPart = `${H} (1,000 loopback TLS endpoints)\n\n| client | wall s |\n| certdoctor | 1.0 |\n`;

describe("results.md sections", () => {
  const rows = [
    { name: "appends a missing section after the scan results", text: scanPart, section: endpointPart, want: `${scanPart}\n${endpointPart}` },
    { name: "replaces an existing section in place", text: `${scanPart}\n${H} old\n\nold table\n`, section: endpointPart, want: `${scanPart}\n${endpointPart}` },
    { name: "replaces a section where it stands, before a later section of another bench", text: `${scanPart}\n${H} old\n\nold\n\n## Other\n\nkeep\n`, section: endpointPart, want: `${scanPart}\n${endpointPart}\n## Other\n\nkeep\n` },
    { name: "an empty section between two others leaves both", text: `${scanPart}\n${H} old\n\nold\n\n## Other\n\nkeep\n`, section: "", want: `${scanPart}\n## Other\n\nkeep\n` },
    { name: "an empty section leaves the text without it", text: `${scanPart}\n${endpointPart}`, section: "", want: scanPart },
  ];
  for (const row of rows) it(row.name, () => assert.equal(replaceSection(row.text, H, row.section), row.want));

  it("extracts a section so the scan bench can carry it over, and nothing when absent", () => {
    assert.equal(extractSection(`${scanPart}\n${endpointPart}`, H), endpointPart);
    assert.equal(extractSection(scanPart, H), undefined);
  });

  it("the scan bench's fresh part keeps every other bench's section, in order", () => {
    const previous = `# old scan part\n\n| old |\n\n${endpointPart}\n## Server: agent ingestion\n\nserver table\n`;
    assert.equal(keepSections(scanPart, previous), `${scanPart}\n${endpointPart}\n## Server: agent ingestion\n\nserver table\n`);
    assert.equal(keepSections(scanPart, "# only a scan part\n"), scanPart);
  });
});
