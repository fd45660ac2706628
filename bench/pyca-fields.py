# Reads PEM certificates (one JSON list of PEM strings on stdin) and prints, per certificate, the fields
# pyca/cryptography parses, as JSON (null for a field it cannot give; "error" when it refuses the cert).
import sys, json, warnings
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa, ec, dsa, ed25519, ed448
warnings.simplefilter("ignore")
def fields(pem):
    try:
        c = x509.load_pem_x509_certificate(pem.encode())
    except Exception as e:
        return {"error": str(e)}
    out = {"version": c.version.value + 1, "serial": str(c.serial_number),
           "notBefore": int(c.not_valid_before_utc.timestamp()), "notAfter": int(c.not_valid_after_utc.timestamp())}
    def ext(cls):
        try:
            return c.extensions.get_extension_for_class(cls).value
        except x509.ExtensionNotFound:
            return None
    try:
        bc = ext(x509.BasicConstraints)
        out["isCA"] = bool(bc.ca) if isinstance(bc, x509.BasicConstraints) else (None if isinstance(bc, Exception) else False)
        out["pathLength"] = bc.path_length if isinstance(bc, x509.BasicConstraints) else None
        san = ext(x509.SubjectAlternativeName)
        if isinstance(san, x509.SubjectAlternativeName):
            out["dnsNames"] = san.get_values_for_type(x509.DNSName)
            out["ipAddresses"] = [str(i) for i in san.get_values_for_type(x509.IPAddress)]
            out["emailAddresses"] = san.get_values_for_type(x509.RFC822Name)
            out["uris"] = san.get_values_for_type(x509.UniformResourceIdentifier)
        elif san is None:
            out["dnsNames"] = []; out["ipAddresses"] = []; out["emailAddresses"] = []; out["uris"] = []
        ski = ext(x509.SubjectKeyIdentifier)
        if isinstance(ski, x509.SubjectKeyIdentifier): out["subjectKeyId"] = ski.digest.hex()
        aki = ext(x509.AuthorityKeyIdentifier)
        if isinstance(aki, x509.AuthorityKeyIdentifier) and aki.key_identifier is not None: out["authorityKeyId"] = aki.key_identifier.hex()
    except Exception as e:
        out["extError"] = str(e)
    try:
        k = c.public_key()
        if isinstance(k, rsa.RSAPublicKey): out["keyType"], out["keySize"] = "RSA", k.key_size
        elif isinstance(k, ec.EllipticCurvePublicKey): out["keyType"], out["keySize"] = "EC", k.key_size
        elif isinstance(k, dsa.DSAPublicKey): out["keyType"], out["keySize"] = "DSA", k.key_size
        elif isinstance(k, ed25519.Ed25519PublicKey): out["keyType"] = "Ed25519"
        elif isinstance(k, ed448.Ed448PublicKey): out["keyType"] = "Ed448"
    except Exception as e:
        out["keyError"] = str(e)
    out["signatureOid"] = c.signature_algorithm_oid.dotted_string
    return out
print(json.dumps([fields(p) for p in json.load(sys.stdin)]))
