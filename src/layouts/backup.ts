// Directory names that mean "archived copies": kubeadm upgrade backups, K3s/RKE2 `tls-<unix-timestamp>`
// from `certificate rotate`, and the usual hand-made backup folders.
const BACKUP_DIR = /^(?:backups?|bak|old|archived?|kubeadm-backup-.*|tls-\d{9,})$/i;
// kubeadm moves replaced certificates to pki/expired; outside a known layout a folder of that name is
// as likely to hold the expired certificates an operator wants reported.
const LAYOUT_BACKUP_DIR = /^expired$/i;
const BACKUP_DIR_AFFIX = /^(?:backup|bak)[-_.]|[-_.](?:backup|bak|old|orig)$/i;
// `apiserver.crt.bak`, `ca.old.crt`, `admin.conf.orig`, `x.crt~`.
const BACKUP_FILE = /\.(?:bak|old|orig|backup|save|prev)(?:\.|$)|~$/i;

/** True for a file name that marks a superseded copy. */
export function isBackupFileName(name: string): boolean {
  return BACKUP_FILE.test(name);
}

/** True for a directory name that marks an archive of superseded copies. */
export function isBackupDirName(name: string): boolean {
  return BACKUP_DIR.test(name) || BACKUP_DIR_AFFIX.test(name);
}

/**
 * Backup markers in `segments` (directory names, then the file name last). Inside a recognised
 * layout every directory counts; outside one only the file's own directory does, because higher
 * directories are more likely the place the operator copied a node to than an archive.
 */
export function hasBackupMarker(segments: readonly string[], insideLayout: boolean): boolean {
  if (segments.length === 0) return false;
  const file = segments[segments.length - 1] ?? "";
  if (isBackupFileName(file)) return true;
  const dirs = segments.slice(0, -1);
  const considered = insideLayout ? dirs : dirs.slice(-1);
  return considered.some((d) => isBackupDirName(d) || (insideLayout && LAYOUT_BACKUP_DIR.test(d)));
}
