import { readFileSync, statSync } from "node:fs";
import { basename, relative, sep } from "node:path";
import { CertdoctorError, ErrorCode } from "../../errors.js";

/**
 * What a tree walk leaves out: pseudo-filesystems (/proc, /sys, /dev and their kin) reached by descent,
 * other filesystems with --one-file-system, and --exclude globs. A root the user names is always walked,
 * whatever it is: `scan /proc/1/root/etc` and `scan /dev/shm/certs` do what they say.
 */
export interface WalkFilter {
  /** Globs from --exclude; see compileExclude. */
  exclude?: readonly string[];
  /** --one-file-system: stay on each root's filesystem (find -xdev). */
  oneFileSystem?: boolean;
  /** Pseudo-filesystem mounts by device id; default: read from /proc/self/mountinfo (hostPseudoFilesystems). */
  pseudoFilesystems?: PseudoFilesystems;
}

/** Kernel and virtual filesystems: never certificate storage, and /proc alone holds every process's view of every other filesystem. */
const PSEUDO_FS_TYPES = new Set([
  "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs", "pstore", "bpf",
  "configfs", "fusectl", "mqueue", "hugetlbfs", "binfmt_misc", "autofs", "efivarfs", "nsfs", "rpc_pipefs", "selinuxfs",
]);
/** Where no mount table can be read: the usual mount points. */
const PSEUDO_FALLBACK_PATHS = ["/proc", "/sys", "/dev"];
const MAX_MOUNTINFO_BYTES = 16 * 1024 * 1024;
const MAX_EXCLUDE_PATTERN = 4096;

/** Mount points of pseudo-filesystems in a /proc/self/mountinfo text (octal escapes such as \040 decoded). */
export function pseudoMountPoints(mountinfo: string): string[] {
  const points: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (dash < 5 || fields.length < dash + 2) continue;
    if (PSEUDO_FS_TYPES.has(fields[dash + 1]!)) points.push(unescapeMountPath(fields[4]!));
  }
  return points;
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Device ids of this host's pseudo-filesystems (by stat of each mount point). */
export function hostPseudoDevices(): Set<number> {
  return hostPseudoFilesystems().devices;
}

/**
 * The host's pseudo-filesystems as device ids, and whether they come from the mount table. Without a
 * readable /proc/self/mountinfo only the usual mount points are known, so the walker also refuses their
 * paths (a pseudo-filesystem mounted elsewhere would otherwise pass unseen).
 */
export interface PseudoFilesystems {
  devices: ReadonlySet<number>;
  fromMountTable: boolean;
}

export function hostPseudoFilesystems(): PseudoFilesystems & { devices: Set<number> } {
  let points: string[];
  let fromMountTable = true;
  try {
    const text = readFileSync("/proc/self/mountinfo", "utf8");
    points = text.length > MAX_MOUNTINFO_BYTES ? PSEUDO_FALLBACK_PATHS : pseudoMountPoints(text);
    fromMountTable = text.length <= MAX_MOUNTINFO_BYTES;
  } catch {
    points = PSEUDO_FALLBACK_PATHS;
    fromMountTable = false;
  }
  const devices = new Set<number>();
  for (const point of points) {
    try {
      devices.add(statSync(point).dev);
    } catch {
      // a mount point this process cannot stat cannot be walked either
    }
  }
  return { devices, fromMountTable };
}

/**
 * --exclude GLOB. A pattern without a slash matches an entry's name at any depth (`*.py`,
 * `node_modules`); one with a slash matches the whole path, absolute when it starts with `/`, else
 * relative to the root being walked (`var/log/**`). `*` and `?` stay within a path segment, `**` crosses
 * segments, `[...]` is a character class. A matching directory is not descended.
 */
export function compileExclude(patterns: readonly string[]): (path: string, root: string) => boolean {
  const byName: RegExp[] = [];
  const absolute: RegExp[] = [];
  const relativeToRoot: RegExp[] = [];
  for (const raw of patterns) {
    if (raw === "" || raw.length > MAX_EXCLUDE_PATTERN) {
      throw new CertdoctorError(ErrorCode.ERR_USAGE, `--exclude needs a glob of 1 to ${MAX_EXCLUDE_PATTERN} characters`);
    }
    const pattern = raw.length > 1 ? raw.replace(/\/+$/, "") : raw;
    if (!pattern.includes("/")) byName.push(globToRegExp(pattern));
    else if (pattern.startsWith("/")) absolute.push(globToRegExp(pattern));
    else relativeToRoot.push(globToRegExp(pattern.replace(/^\.\//, "")));
  }
  return (path, root) => {
    if (byName.length > 0) {
      const name = basename(path);
      if (byName.some((re) => re.test(name))) return true;
    }
    if (absolute.some((re) => re.test(path))) return true;
    if (relativeToRoot.length > 0) {
      const rel = relative(root, path).split(sep).join("/");
      if (rel !== "" && relativeToRoot.some((re) => re.test(rel))) return true;
    }
    return false;
  };
}

/** A glob as an anchored regular expression; every other character is literal. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        i++;
        if (glob[i + 1] === "/") {
          i++;
          out += "(?:.*/)?"; // `**/` also matches no directory at all
        } else out += ".*";
      } else out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) out += "\\[";
      else {
        let body = glob.slice(i + 1, end);
        const negate = body.startsWith("!") || body.startsWith("^");
        if (negate) body = body.slice(1);
        out += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\/\]]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "s");
}
