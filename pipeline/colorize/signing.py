"""C2PA Content Credentials on colorized outputs: a manifest signed with the user's own certificate.

    colorize --input scans --output colored --c2pa-cert chain.pem --c2pa-key key.pem

Each colorized output's bytes are signed in memory, before the atomic write, with
c2pa-python (the `[c2pa]` extra, Adobe's C2PA library): a claim whose generator is
beam-colorize and its version, a `c2pa.actions` assertion that opens the input (the parent
ingredient) and then `c2pa.edited` it, with the IPTC digital source type the XMP names
(metadata.DIGITAL_SOURCE_TYPE) and beam-colorize as the software agent. `c2pa.edited`
rather than `c2pa.color_adjustments` (changes of tone or saturation): the colors are a
model's guess, a change of what the picture says.

Nothing leaves the machine: no timestamp authority, no OCSP or remote manifest fetch, and
no thumbnail in the manifest (it would add about 100 KB to every output). The key is read
from its file by each worker and held in memory only; the state record and the report get
the certificate's SHA-256 fingerprint, never the key or its path (`redacted_command`).
Formats the library cannot embed a manifest in (BMP) are written unsigned and listed in
the report.
"""

import dataclasses
import hashlib
import io
import os

from pipeline.colorize import metadata
from pipeline.io import images

CERT_FLAG, KEY_FLAG = "--c2pa-cert", "--c2pa-key"
INSTALL = "pip install 'beam-colorize[c2pa]'"
ACTION = "c2pa.edited"
ACTION_DESCRIPTION = "Colorized by a trained model; the lightness is the input's."
MIME_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff",
              "WEBP": "image/webp", "GIF": "image/gif", "BMP": "image/bmp"}  # Pillow format -> MIME type
# c2pa-rs settings: no thumbnail in the manifest, nothing fetched from the network when reading an ingredient.
LIBRARY_SETTINGS = {"builder": {"thumbnail": {"enabled": False}},
                    "verify": {"ocsp_fetch": False, "remote_manifest_fetch": False}}
REDACTED = "(not recorded)"  # what the report says in place of the key's path
# What the C2PA specification asks of a signing certificate (its "Certificate profile"); c2pa refuses others.
REQUIREMENTS = ("a C2PA signing certificate must be X.509 v3, issued by a CA (not self-signed) whose certificates "
                "follow it in the chain file, with key usage digitalSignature (critical), an extended key usage of "
                "emailProtection or documentSigning (not anyExtendedKeyUsage), an authority key identifier, and "
                "valid today; an S/MIME or document-signing certificate from a CA qualifies (docs/colorize.md)")


@dataclasses.dataclass(frozen=True)
class Credentials:
    """A certificate chain and its private key, as c2pa takes them; `fingerprint` is what the record keeps."""

    chain: bytes = dataclasses.field(repr=False)  # PEM, the signing certificate first
    key: bytes = dataclasses.field(repr=False)  # PKCS#8 PEM
    algorithm: str  # c2pa's name: es256, es384, es512, ps256, ed25519
    fingerprint: str  # "sha256:..." of the signing certificate (DER), as `openssl x509 -fingerprint -sha256`

    def sign(self, output, pillow_format, source, name):
        """`output`'s bytes with a C2PA manifest embedded, the input's bytes `source` its parent ingredient;
        `name` the file's (the input's and the output's). Raises UnusableImage when c2pa cannot sign it."""
        import c2pa

        try:
            return self._embed(output, pillow_format, source, name)
        except c2pa.C2paError as error:
            raise images.UnusableImage("not_signed", f"c2pa could not sign the output ({error}); nothing was "
                                                     "written: run without --c2pa-cert to write it unsigned") \
                from None

    def _embed(self, output, pillow_format, source, name):
        import c2pa

        source_mime = _mime_of(source)
        ingredient = {"title": name, "relationship": "parentOf"}
        definition = manifest_definition(name)
        if source_mime not in c2pa.Reader.get_supported_mime_types():
            definition["ingredients"] = [{**ingredient, "format": source_mime or "application/octet-stream"}]
        signed = io.BytesIO()
        info = c2pa.C2paSignerInfo(self.algorithm.encode(), self.chain, self.key, None)  # None: no timestamp
        with c2pa.Context.from_dict(LIBRARY_SETTINGS) as context, c2pa.Signer.from_info(info) as signer, \
                c2pa.Builder(definition, context=context) as builder:
            builder.set_intent(c2pa.C2paBuilderIntent.EDIT)  # adds c2pa.opened, of the parent ingredient, first
            if "ingredients" not in definition:
                builder.add_ingredient(ingredient, source_mime, io.BytesIO(source))
            builder.sign(signer, MIME_TYPES[pillow_format], io.BytesIO(output), signed)
        return signed.getvalue()


def manifest_definition(title):
    """The manifest of one output: who made it and what was done."""
    agent = {"name": metadata.TOOL, "version": metadata.tool_version()}
    return {"claim_generator_info": [agent], "title": title,
            "assertions": [{"label": "c2pa.actions", "data": {"actions": [{
                "action": ACTION, "digitalSourceType": metadata.DIGITAL_SOURCE_TYPE, "softwareAgent": agent,
                "description": ACTION_DESCRIPTION}]}}]}


def _mime_of(data):
    """The MIME type of an image file's bytes, from its header; None when Pillow does not know it."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return MIME_TYPES.get(image.format) or Image.MIME.get(image.format)
    except (OSError, ValueError, SyntaxError):
        return None


def can_sign(pillow_format):
    """Whether c2pa can embed a manifest in files of this Pillow format."""
    import c2pa

    return MIME_TYPES.get(pillow_format) in c2pa.Builder.get_supported_mime_types()


def enabled(config):
    return config.c2pa_cert is not None


def check_flags(config):
    """Refuse signing flags that contradict each other or cannot work, before any work (ValueError)."""
    if (config.c2pa_cert is None) != (config.c2pa_key is None):
        raise ValueError(f"{CERT_FLAG} and {KEY_FLAG} go together: give both (the certificate chain and its "
                         "private key, PEM files) to sign the outputs, or neither")
    if not enabled(config):
        return
    if config.no_provenance:
        raise ValueError(f"--no-provenance leaves out the mark of what made the colors, which {CERT_FLAG} signs: "
                         "give one or the other")
    load(config.c2pa_cert, config.c2pa_key)


def load(cert_path, key_path):
    """The Credentials of these PEM files, checked by signing a tiny image; ValueError says what to fix."""
    try:
        import c2pa
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise ValueError(f"{CERT_FLAG} and {KEY_FLAG} need the C2PA library: {INSTALL}") from None
    chain, certificates = _read_chain(cert_path)
    key = _read_key(key_path)
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if certificates[0].public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise ValueError(f"the key {key_path} does not belong to the first certificate in {cert_path}: give the "
                         "private key of the signing certificate, and put that certificate first in the chain file")
    credentials = Credentials(
        chain=chain, key=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()),
        algorithm=_algorithm(key, key_path), fingerprint=_fingerprint(certificates[0]))
    try:
        credentials._embed(_tiny_png(), "PNG", _tiny_png(), "check.png")
    except c2pa.C2paError as error:
        raise ValueError(f"c2pa refuses to sign with {cert_path} ({error}); {REQUIREMENTS}") from None
    return credentials


def fingerprint(cert_path):
    """The SHA-256 fingerprint of the chain file's signing certificate: what made_with records."""
    return _fingerprint(_read_chain(cert_path)[1][0])


def _read_chain(cert_path):
    """(the file's bytes, its certificates); ValueError when it cannot be read or holds none."""
    from cryptography import x509

    data = _read(cert_path, "certificate chain")
    try:
        return data, x509.load_pem_x509_certificates(data)
    except ValueError:
        raise ValueError(f"the certificate chain {cert_path} is not PEM certificates (-----BEGIN CERTIFICATE-----): "
                         "give the signing certificate first, then the CA certificates that issued it") from None


def _read_key(key_path):
    from cryptography.hazmat.primitives import serialization

    data = _read(key_path, "private key")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:  # a password-protected key
        raise ValueError(f"the private key {key_path} is encrypted: give it unencrypted (openssl pkey -in KEY "
                         "-out PLAIN.pem) and keep that file private") from None
    except ValueError:
        raise ValueError(f"the private key {key_path} is not a PEM private key (-----BEGIN PRIVATE KEY-----)") \
            from None


def _read(path, what):
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise ValueError(f"cannot read the {what} {path}: {error.strerror or error}") from None


def _algorithm(key, key_path):
    """c2pa's name of the signature algorithm that this key makes."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in ("secp256r1", "secp384r1", "secp521r1"):
        return {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise ValueError(f"the private key {key_path} is of a kind C2PA does not sign with: use an EC key on P-256, "
                     "P-384 or P-521, an RSA key, or an Ed25519 key")


def _fingerprint(certificate):
    from cryptography.hazmat.primitives import serialization

    return "sha256:" + hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _tiny_png():
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (8, 8), (128, 96, 64)).save(data, "PNG")
    return data.getvalue()


def redacted_command(argv):
    """A command line with the key's path replaced, however the flag is spelled (argparse takes a prefix)."""
    redacted, hide_next = [], False
    for argument in argv:
        name, equals, _ = argument.partition("=")
        is_key_flag = len(name) >= len(KEY_FLAG) - 2 and KEY_FLAG.startswith(name)
        if hide_next:
            redacted.append(REDACTED)
        elif is_key_flag and equals:
            redacted.append(f"{name}={REDACTED}")
        else:
            redacted.append(argument)
        hide_next = is_key_flag and not equals and not hide_next
    return redacted


def redacted_config(config_dict):
    """A config's dict (dataclasses.asdict) for the report: the key's path left out."""
    return {**config_dict, "c2pa_key": REDACTED} if config_dict.get("c2pa_key") else config_dict


def outcome(expected, results):
    """What the report says about signing: the certificate (from plan.made_with's `expected`), how many
    outputs were signed, and those that could not be (their format holds no manifest); None without signing."""
    from pipeline.colorize import formats

    if "c2pa" not in expected:
        return None
    colorized = [result["output"] for result in results if result["status"] == "colorized"]
    unsigned = sorted(path for path in colorized if not can_sign(formats.output_format(path)[0]))
    return {"certificate": expected["c2pa"], "signed": len(colorized) - len(unsigned), "unsigned": unsigned}


def warnings(signed):
    """The report's warning about outputs written unsigned, once for all of them."""
    if not signed or not signed["unsigned"]:
        return []
    count = len(signed["unsigned"])
    extensions = sorted({os.path.splitext(path)[1].lower() for path in signed["unsigned"]})
    return [f"{count:,} output{'s were' if count > 1 else ' was'} written without C2PA credentials: c2pa cannot "
            f"embed a manifest in {', '.join(extensions)} files (listed under c2pa.unsigned in the report)"]
