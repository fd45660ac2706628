#!/usr/bin/env python3
"""Straightforward Python baseline for the certdoctor bench.

Walks a corpus tree, parses every certificate (PEM, DER, Secret manifests in YAML or `kind: List`
JSON), de-duplicates by DER, then verifies each certificate's signature with the issuer found by
subject name. Prints one JSON object: {certificates, verified, unverified, files, seconds, ...}.
Uses the `cryptography` package; PyYAML (CSafeLoader) for YAML when importable.
"""
import base64
import json
import os
import resource
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

try:
    import yaml

    YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
except ImportError:  # the bench reports skipped YAML files instead of failing
    yaml = None
    YAML_LOADER = None


def load_pem(data, out):
    if b"-----BEGIN CERTIFICATE-----" in data:
        out.extend(x509.load_pem_x509_certificates(data))


def load_secret_values(obj, out):
    if not isinstance(obj, dict):
        return
    if obj.get("kind") == "List":
        for item in obj.get("items") or []:
            load_secret_values(item, out)
        return
    if obj.get("kind") != "Secret":
        return
    for key, value in (obj.get("data") or {}).items():
        if key.endswith(".key") or not isinstance(value, str):
            continue
        load_pem(base64.b64decode(value), out)


def load_file(path, out, stats):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".der"):
        out.append(x509.load_der_x509_certificate(data))
    elif path.endswith(".json"):
        load_secret_values(json.loads(data), out)
    elif path.endswith((".yaml", ".yml")):
        if yaml is None:
            stats["yamlSkipped"] += 1
            return
        for doc in yaml.load_all(data, Loader=YAML_LOADER):
            load_secret_values(doc, out)
    else:
        load_pem(data, out)


def verify_with(cert, issuer):
    if hasattr(cert, "verify_directly_issued_by"):
        cert.verify_directly_issued_by(issuer)
        return
    key = issuer.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    else:
        key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)


def main(root):
    start = time.perf_counter()
    stats = {"files": 0, "occurrences": 0, "yamlSkipped": 0, "errors": 0}
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            stats["files"] += 1
            try:
                load_file(os.path.join(dirpath, name), found, stats)
            except Exception:
                stats["errors"] += 1
    stats["occurrences"] = len(found)

    by_fingerprint = {}
    for cert in found:
        by_fingerprint.setdefault(cert.fingerprint(hashes.SHA256()), cert)
    certs = list(by_fingerprint.values())
    by_subject = {}
    for cert in certs:
        by_subject.setdefault(cert.subject.public_bytes(), []).append(cert)

    verified = unverified = 0
    for cert in certs:
        ok = False
        for issuer in by_subject.get(cert.issuer.public_bytes(), []):
            try:
                verify_with(cert, issuer)
                ok = True
                break
            except Exception:
                pass
        if ok:
            verified += 1
        else:
            unverified += 1

    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "certificates": len(certs),
        "verified": verified,
        "unverified": unverified,
        "seconds": round(seconds, 3),
        "peakRssMiB": round(peak_mib, 1),
        "cryptography": __import__("cryptography").__version__,
        "yaml": "CSafeLoader" if YAML_LOADER is not None and YAML_LOADER.__name__ == "CSafeLoader" else ("SafeLoader" if yaml else "none"),
        **stats,
    }))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: baseline.py CORPUS_DIR", file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
