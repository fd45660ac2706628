/**
 * Preloaded (`node --import`) into a child process a test measures: on exit, writes the process's peak
 * resident set size in kB (getrusage maxrss) to the file named by CERTDOCTOR_RSS_FILE.
 */
import { writeFileSync } from "node:fs";

const file = process.env.CERTDOCTOR_RSS_FILE;
if (file !== undefined) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
