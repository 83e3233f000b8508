"""A test stand-in for Apple's signing PKI: root CA -> intermediate -> leaf, all ECDSA P-256.

The certificates carry what Apple's carry and what the verifier checks: CA constraints and key
usages, key identifiers, and Apple's marker extensions (1.2.840.113635.100.6.2.1 on the WWDR
intermediate, 1.2.840.113635.100.6.11.1 on the App Store signing leaf). ``sign_transaction`` makes
a JWS like the App Store's: ES256 with the chain in the ``x5c`` header.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

INTERMEDIATE_MARKER = x509.ObjectIdentifier("1.2.840.113635.100.6.2.1")
LEAF_MARKER = x509.ObjectIdentifier("1.2.840.113635.100.6.11.1")
ASN1_NULL = b"\x05\x00"

BUNDLE_ID = "com.example.studio"


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(Encoding.DER)


def issue(
    name: str,
    issuer: Issued | None,
    *,
    ca: bool,
    marker: x509.ObjectIdentifier | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    ocsp_url: str | None = None,
) -> Issued:
    """A certificate named ``name``, signed by ``issuer`` (self-signed when None)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=365))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    if marker is not None:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(marker, ASN1_NULL), critical=False
        )
    if ocsp_url is not None:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    return Issued(builder.sign(signer_key, hashes.SHA256()), key)


@dataclass(frozen=True)
class Chain:
    root: Issued
    intermediate: Issued
    leaf: Issued

    def x5c(self) -> list[str]:
        return [base64.b64encode(c.der).decode() for c in (self.leaf, self.intermediate, self.root)]


def make_chain(
    root: Issued | None = None, ocsp_url: str | None = None, **leaf_dates: datetime
) -> Chain:
    """A fresh Apple-like chain under ``root`` (a new root when None).

    With ``ocsp_url`` the intermediate and leaf name it as their OCSP responder, as Apple's do.
    """
    root = root or issue("Test Apple Root CA - G3", None, ca=True)
    intermediate = issue(
        "Test Apple Worldwide Developer Relations CA - G6",
        root,
        ca=True,
        marker=INTERMEDIATE_MARKER,
        ocsp_url=ocsp_url,
    )
    leaf = issue(
        "Test Prod ECC Mac App Store and iTunes Store Receipt Signing",
        intermediate,
        ca=False,
        marker=LEAF_MARKER,
        ocsp_url=ocsp_url,
        **leaf_dates,
    )
    return Chain(root, intermediate, leaf)


def transaction_payload(**overrides: Any) -> dict[str, Any]:
    """A JWSTransactionDecodedPayload as the App Store signs it for a consumable."""
    now_ms = int(time.time() * 1000)
    payload: dict[str, Any] = {
        "transactionId": "2000000812345678",
        "originalTransactionId": "2000000812345678",
        "bundleId": BUNDLE_ID,
        "productId": "studio.trips.10",
        "purchaseDate": now_ms - 5_000,
        "originalPurchaseDate": now_ms - 5_000,
        "quantity": 1,
        "type": "Consumable",
        "inAppOwnershipType": "PURCHASED",
        "signedDate": now_ms,
        "environment": "Sandbox",
        "transactionReason": "PURCHASE",
        "storefront": "USA",
        "storefrontId": "143441",
        "price": 9990,
        "currency": "USD",
        "appAccountToken": "7e3fb20b-4cdb-47cc-936d-99d65f608138",
    }
    payload.update(overrides)
    return payload


def sign_transaction(chain: Chain, payload: dict[str, Any]) -> str:
    return jwt.encode(payload, chain.leaf.key, algorithm="ES256", headers={"x5c": chain.x5c()})


def notification_payload(
    notification_type: str, signed_transaction: str | None, **data: Any
) -> dict[str, Any]:
    """A ResponseBodyV2DecodedPayload as the App Store posts it to the webhook (then signed)."""
    body: dict[str, Any] = {"bundleId": BUNDLE_ID, "bundleVersion": "1.0", "environment": "Sandbox"}
    if signed_transaction is not None:
        body["signedTransactionInfo"] = signed_transaction
    body.update(data)
    return {
        "notificationType": notification_type,
        "notificationUUID": str(uuid.uuid4()),
        "data": body,
        "version": "2.0",
        "signedDate": int(time.time() * 1000),
    }


@dataclass
class FakeOCSP:
    """An OCSP responder for a chain: each answer is signed by the certificate's own issuer,
    the way Apple's responders answer. Serials in ``revoked`` are reported revoked."""

    chain: Chain
    revoked: set[int] = field(default_factory=set)
    asked: list[int] = field(default_factory=list)
    content_type: str = "application/ocsp-response"

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        request = ocsp.load_der_ocsp_request(body)
        self.asked.append(request.serial_number)
        chain = self.chain
        pairs = ((chain.leaf, chain.intermediate), (chain.intermediate, chain.root))
        subject, issuer = next(
            (s, i) for s, i in pairs if s.certificate.serial_number == request.serial_number
        )
        now = datetime.now(UTC)
        is_revoked = request.serial_number in self.revoked
        response = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=subject.certificate,
                issuer=issuer.certificate,
                algorithm=hashes.SHA256(),
                cert_status=ocsp.OCSPCertStatus.REVOKED if is_revoked else ocsp.OCSPCertStatus.GOOD,
                this_update=now - timedelta(minutes=5),
                next_update=now + timedelta(hours=1),
                revocation_time=now - timedelta(hours=1) if is_revoked else None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.certificate)
            .sign(issuer.key, hashes.SHA256())
        )
        return 200, response.public_bytes(Encoding.DER)
