"""colorize --c2pa-cert/--c2pa-key: C2PA Content Credentials on the outputs (pipeline/colorize/signing.py).

The tests make their own CA and signing certificate with `cryptography`; c2pa reaches no
network (no timestamp authority, no OCSP). They skip without the [c2pa] extra.
"""

import datetime
import io
import json
import os
import sqlite3
import struct
import subprocess

import numpy as np
import pytest
from PIL import Image

c2pa = pytest.importorskip("c2pa")
x509 = pytest.importorskip("cryptography.x509")

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

from pipeline.colorize import metadata, plan as colorize_plan, signing  # noqa: E402
from pipeline.io import outputs  # noqa: E402
from tests.jobs.test_colorize_cli import assert_one_line_usage_error, run_cli  # noqa: E402,F401 (a fixture)
from tests.pipeline.colorize.test_job import make_config, run  # noqa: E402
from tests.pipeline.colorize.test_metadata import (  # noqa: E402
    exiftool,
    iptc_record,
    jpeg_with,
    photoshop_resources,
    png_with_xmp,
    tiff_with_xmp_and_iptc,
    XMP,
)
from tests.pipeline.conftest import encode, gray_pattern  # noqa: E402

SIGNED = ("harbour.jpg", "harbour.png", "harbour.tif")
UNSIGNED = "harbour.bmp"  # c2pa cannot embed a manifest in BMP
# exiftool's groups that hold what the photo says; the file's own (size, dates) and C2PA's (JUMBF) are left out.
METADATA_GROUPS = ("XMP-", "IPTC", "IFD0", "ExifIFD", "ICC", "Photoshop", "PNG")


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "beam-colorize tests")])


def _certificate(subject, issuer, public_key, issuer_key, ca, extended_key_usage=True):
    """A certificate with the extensions the C2PA certificate profile asks for (signing.REQUIREMENTS)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                            crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    if not ca:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                        critical=False)
        if extended_key_usage:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                                            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key, password=None):
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


@pytest.fixture(scope="module")
def credentials(tmp_path_factory):
    """Paths of a test CA's certificate, an ES256 signing certificate's chain and key, and some bad ones."""
    folder = tmp_path_factory.mktemp("c2pa-credentials")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test CA", "Test CA", ca_key.public_key(), ca_key, ca=True)
    signer = _certificate("Test signer", "Test CA", key.public_key(), ca_key, ca=False)
    no_purpose = _certificate("Test signer", "Test CA", key.public_key(), ca_key, ca=False, extended_key_usage=False)
    files = {"ca": _pem(ca), "chain": _pem(signer) + _pem(ca), "key": _key_pem(key),
             "other_key": _key_pem(ec.generate_private_key(ec.SECP256R1())),
             "encrypted_key": _key_pem(key, b"secret"), "no_purpose_chain": _pem(no_purpose) + _pem(ca),
             "not_pem": b"not a certificate\n"}
    # Other kinds of key, each with a signing certificate of its own: RSA (PS256), Ed25519, EC in SEC1 PEM.
    others = {"rsa": rsa.generate_private_key(65537, 2048), "ed25519": ed25519.Ed25519PrivateKey.generate(),
              "sec1": ec.generate_private_key(ec.SECP384R1())}
    for kind, other in others.items():
        signer_certificate = _certificate("Test signer", "Test CA", other.public_key(), ca_key, ca=False)
        files[f"{kind}_chain"] = _pem(signer_certificate) + _pem(ca)
        key_format = serialization.PrivateFormat.TraditionalOpenSSL if kind == "sec1" else \
            serialization.PrivateFormat.PKCS8
        files[f"{kind}_key"] = other.private_bytes(serialization.Encoding.PEM, key_format, serialization.NoEncryption())
    for name, data in files.items():
        (folder / f"{name}.pem").write_bytes(data)
    return {name: str(folder / f"{name}.pem") for name in files} | {"fingerprint": "sha256:" + signer.fingerprint(
        hashes.SHA256()).hex(), "key_body": b"".join(files["key"].splitlines()[1:-1]).decode()}


def _inputs(folder):
    folder.mkdir()
    (folder / "harbour.jpg").write_bytes(jpeg_with(XMP, metadata.JPEG_PHOTOSHOP + photoshop_resources(iptc_record())))
    (folder / "harbour.png").write_bytes(png_with_xmp())
    (folder / "harbour.tif").write_bytes(tiff_with_xmp_and_iptc())
    (folder / UNSIGNED).write_bytes(encode(gray_pattern(40, 30), "BMP"))


def _reader(data, name, trust_anchors=None):
    """c2pa's Reader of a file's bytes, trusting `trust_anchors` (PEM)."""
    settings = {"verify": {"ocsp_fetch": False, "remote_manifest_fetch": False}}
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors}
    context = c2pa.Context.from_dict(settings)
    return c2pa.Reader(signing.MIME_TYPES[Image.open(io.BytesIO(data)).format], io.BytesIO(data), context=context)


def _exiftool_metadata(path):
    read = json.loads(subprocess.run([exiftool(), "-j", "-G1", "-a", "-struct", str(path)], check=True,
                                     capture_output=True, text=True).stdout)[0]
    return {key: value for key, value in read.items() if key.startswith(METADATA_GROUPS)}


def _png_chunks(data):
    """(type, payload) of a PNG's chunks."""
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        chunks.append((data[position + 4:position + 8], data[position + 8:position + 8 + length]))
        position += 12 + length
    return chunks


def test_signed_outputs_carry_the_manifest_and_keep_their_pixels_and_metadata(tiny_model, tmp_path, credentials):
    source, output = tmp_path / "scans", tmp_path / "colorized"
    _inputs(source)
    unsigned_run = run(make_config(tiny_model, source, output))
    assert unsigned_run["c2pa"] is None and unsigned_run["counts"]["colorized"] == 4
    unsigned = {name: (output / name).read_bytes() for name in (*SIGNED, UNSIGNED)}
    unsigned_metadata = {name: _exiftool_metadata(output / name) for name in SIGNED}

    config = make_config(tiny_model, source, output, c2pa_cert=credentials["chain"], c2pa_key=credentials["key"])
    report = run(config)

    # Signing on redoes every output, for that reason; the run after is up to date.
    assert sorted((os.path.basename(redone["output"]), redone["reason"]) for redone in report["redone"]) == sorted(
        (name, "signing_changed") for name in (*SIGNED, UNSIGNED))
    assert report["c2pa"] == {"certificate": credentials["fingerprint"], "signed": 3,
                              "unsigned": [str(output / UNSIGNED)]}
    assert [warning for warning in report["warnings"] if "without C2PA credentials" in warning] == [
        "1 output was written without C2PA credentials: c2pa cannot embed a manifest in .bmp files (listed under "
        "c2pa.unsigned in the report)"]
    assert (output / UNSIGNED).read_bytes() == unsigned[UNSIGNED]

    for name in SIGNED:
        signed = (output / name).read_bytes()
        reader = _reader(signed, name, trust_anchors=open(credentials["ca"]).read())
        manifest = reader.get_active_manifest()
        assert reader.get_validation_state() == "Trusted", reader.json()
        assert manifest["claim_generator_info"][0] | {"name": "beam-colorize", "version": metadata.tool_version()} \
            == manifest["claim_generator_info"][0]
        (actions,) = [assertion["data"]["actions"] for assertion in manifest["assertions"]
                      if assertion["label"].startswith("c2pa.actions")]
        assert [action["action"] for action in actions] == ["c2pa.opened", "c2pa.edited"]
        assert actions[1]["digitalSourceType"] == metadata.DIGITAL_SOURCE_TYPE
        assert actions[1]["softwareAgent"] == {"name": "beam-colorize", "version": metadata.tool_version()}
        assert [(ingredient["title"], ingredient["relationship"]) for ingredient in manifest["ingredients"]] == [
            (name, "parentOf")]
        assert manifest["signature_info"]["common_name"] == "Test signer"
        # The pixels and what the photo says are what they are without signing.
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(signed))), np.asarray(Image.open(io.BytesIO(
            unsigned[name]))))
        read_back = _exiftool_metadata(output / name)
        if name.endswith(".png"):
            # Every chunk but c2pa's caBX is as it was. exiftool 12.57 reads no EXIF from such a PNG: it takes
            # the eXIf chunk's IFD0, at the same relative offset as the JUMBF box it has read, for that box again.
            assert [chunk for chunk in _png_chunks(signed) if chunk[0] != b"caBX"] == _png_chunks(unsigned[name])
            read_back = {key: value for key, value in read_back.items() if not key.startswith("IFD0")}
            read_back.update((key, value) for key, value in unsigned_metadata[name].items() if key.startswith("IFD0"))
        assert read_back == unsigned_metadata[name]
        assert unsigned_metadata[name]["XMP-iptcExt:DigitalSourceType"] == metadata.DIGITAL_SOURCE_TYPE

    # A reader that does not trust the test CA sees a valid signature, from an untrusted signer.
    untrusted = _reader((output / "harbour.png").read_bytes(), "harbour.png")
    assert untrusted.get_validation_state() == "Valid"
    assert "signingCredential.untrusted" in {status["code"] for status in json.loads(untrusted.json())[
        "validation_status"]}

    again = run(config)
    assert again["counts"]["up_to_date"] == 4 and again["redone"] == []


def test_the_key_enters_neither_the_report_nor_the_state_nor_the_outputs(tiny_model, tmp_path, credentials):
    source, output = tmp_path / "scans", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(30, 20).save(source / "a.png")
    argv = ["colorize", "--input", str(source), "--output", str(output), "--c2pa-cert", credentials["chain"],
            "--c2pa-key", credentials["key"]]
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.colorize import job as colorize

    config = make_config(tiny_model, source, output, c2pa_cert=credentials["chain"], c2pa_key=credentials["key"])
    report = colorize.run_colorize(config, PipelineOptions(["--direct_running_mode=in_memory"]), argv=argv)

    assert report["command"][-2:] == ["--c2pa-key", signing.REDACTED]
    assert report["config"]["c2pa_key"] == signing.REDACTED
    assert report["config"]["c2pa_cert"] == credentials["chain"]
    written = [(output / outputs.JOB_FOLDER / "report.json").read_bytes(), (output / "a.png").read_bytes()]
    with sqlite3.connect(output / outputs.JOB_FOLDER / "state.sqlite") as database:
        written.append("\n".join(database.iterdump()).encode())
    for data in written:
        assert credentials["key"].encode() not in data and os.path.basename(credentials["key"]).encode() not in data
        assert credentials["key_body"][:40].encode() not in data
    assert credentials["fingerprint"].encode() in written[2]  # the record names the certificate


def test_redacted_command_hides_the_key_however_the_flag_is_spelled():
    assert signing.redacted_command(["colorize", "--c2pa-key", "k.pem", "--c2pa-cert", "c.pem"]) == [
        "colorize", "--c2pa-key", signing.REDACTED, "--c2pa-cert", "c.pem"]
    assert signing.redacted_command(["--c2pa-key=k.pem", "--c2pa-ke", "k.pem", "--c2pa-k=k.pem", "x"]) == [
        f"--c2pa-key={signing.REDACTED}", "--c2pa-ke", signing.REDACTED, f"--c2pa-k={signing.REDACTED}", "x"]


@pytest.mark.parametrize("flags, expected", [
    (["--c2pa-cert", "{chain}"], "--c2pa-cert and --c2pa-key go together"),
    (["--c2pa-key", "{key}"], "--c2pa-cert and --c2pa-key go together"),
    (["--c2pa-cert", "{chain}", "--c2pa-key", "{key}", "--no-provenance"], "give one or the other"),
    (["--c2pa-cert", "{missing}", "--c2pa-key", "{key}"], "cannot read the certificate chain"),
    (["--c2pa-cert", "{not_pem}", "--c2pa-key", "{key}"], "is not PEM certificates"),
    (["--c2pa-cert", "{chain}", "--c2pa-key", "{other_key}"], "does not belong to the first certificate"),
    (["--c2pa-cert", "{chain}", "--c2pa-key", "{encrypted_key}"], "is encrypted"),
    (["--c2pa-cert", "{no_purpose_chain}", "--c2pa-key", "{key}"], "c2pa refuses to sign with"),
])
def test_unusable_signing_flags_are_a_usage_error_before_any_work(run_cli, capsys, tiny_model, tmp_path, credentials,
                                                                  flags, expected):
    source, output = tmp_path / "scans", tmp_path / "colorized"
    source.mkdir()
    gray_pattern(30, 20).save(source / "a.png")
    paths = {**credentials, "missing": str(tmp_path / "missing.pem")}
    status = run_cli(["--input", str(source), "--output", str(output), "--model", tiny_model,
                      *[flag.format(**paths) for flag in flags]])
    assert_one_line_usage_error(status, capsys, expected)
    assert not output.exists()


def test_without_the_c2pa_library_the_error_says_what_to_install(run_cli, capsys, monkeypatch, tiny_model, tmp_path,
                                                                credentials):
    monkeypatch.setitem(__import__("sys").modules, "c2pa", None)  # import c2pa now raises ImportError
    status = run_cli(["--input", str(tmp_path), "--output", str(tmp_path / "out"), "--model", tiny_model,
                      "--c2pa-cert", credentials["chain"], "--c2pa-key", credentials["key"]])
    assert_one_line_usage_error(status, capsys, "pip install 'beam-colorize[c2pa]'")


def test_made_with_names_the_certificate_only_when_signing(tiny_model, tmp_path, credentials):
    config = make_config(tiny_model, tmp_path, tmp_path / "out")
    assert "c2pa" not in colorize_plan.made_with(config)  # records from before signing stay up to date
    signed = make_config(tiny_model, tmp_path, tmp_path / "out", c2pa_cert=credentials["chain"],
                         c2pa_key=credentials["key"])
    assert colorize_plan.made_with(signed)["c2pa"] == credentials["fingerprint"]


@pytest.mark.parametrize("name, pillow_format", [("loop.gif", "GIF"), ("scan.webp", "WEBP")])
def test_gif_and_webp_are_signed_too(credentials, name, pillow_format):
    from pipeline.colorize import formats
    from tests.pipeline.colorize.test_metadata import PROVENANCE, tint

    data = encode(gray_pattern(40, 30).convert("RGB"), pillow_format)
    keys = signing.load(credentials["chain"], credentials["key"])
    _, unsigned, _ = formats.colorize_image_bytes(data, name, tint, provenance=PROVENANCE)
    _, signed, _ = formats.colorize_image_bytes(data, name, tint, provenance=PROVENANCE, credentials=keys)
    reader = _reader(signed, name, trust_anchors=open(credentials["ca"]).read())
    assert reader.get_validation_state() == "Trusted"
    assert reader.get_active_manifest()["ingredients"][0]["format"] == signing.MIME_TYPES[pillow_format]
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(signed))), np.asarray(Image.open(io.BytesIO(unsigned))))


def test_an_output_c2pa_cannot_sign_fails_with_the_reason_and_is_not_written(credentials):
    from pipeline.io import images

    keys = signing.load(credentials["chain"], credentials["key"])
    with pytest.raises(images.UnusableImage) as raised:
        keys.sign(b"\x89PNG\r\n\x1a\n cut short", "PNG", b"", "a.png")
    assert raised.value.reason == "not_signed" and "c2pa could not sign the output" in raised.value.detail


@pytest.mark.parametrize("kind, algorithm", [("rsa", "ps256"), ("ed25519", "ed25519"), ("sec1", "es384")])
def test_rsa_ed25519_and_sec1_keys_sign_too(credentials, kind, algorithm):
    keys = signing.load(credentials[f"{kind}_chain"], credentials[f"{kind}_key"])
    assert keys.algorithm == algorithm and keys.key.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8 for c2pa
    data = encode(gray_pattern(40, 30).convert("RGB"), "PNG")
    reader = _reader(keys.sign(data, "PNG", data, "a.png"), "a.png", trust_anchors=open(credentials["ca"]).read())
    assert reader.get_validation_state() == "Trusted"
