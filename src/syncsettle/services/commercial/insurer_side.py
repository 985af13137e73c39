"""The commercial platform (商保平台), acting for the insurers: the far end of the channel.

It opens what the medical-insurance platform sends (signature, window, replay, then decryption),
and for ``adjudicate`` evaluates the filed product's rules on the projection it received — the
engine in given-basic mode (:mod:`syncsettle.domain.commercial.synthesis`) — and answers with the
adjudication, sealed and signed with its own key. A ``result`` notice (an ``embedded`` product's
result for its insurer) is acknowledged. It keeps no state but the replay memory; the filed rule
files it reads (by id, checked against the SHA-256 in the message) never change under a hash.

``syncsettle serve --role commercial`` runs it behind HTTP; the embedded default calls it in-process.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from syncsettle.adapters.channel import COMMERCIAL_PLATFORM, REFUSED, sealer_for
from syncsettle.adapters.channel.envelope import EnvelopeError, ReplayGuard
from syncsettle.adapters.db.commercial import filings as repo
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.commercial.synthesis import adjudicate_projected
from syncsettle.domain.commercial.vocabulary import SETTLING_STATUSES, Route
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.commercial.messages import MINIMUM, adjudicated, read_coverage, read_projection
from syncsettle.services.platform import Platform

KINDS = {"adjudicate": "adjudicated", "result": "received"}


class CommercialSide:
    def __init__(self, p: Platform) -> None:
        self.platform = p
        self.sealer = sealer_for(p.settings.keys, COMMERCIAL_PLATFORM)
        self.guard = ReplayGuard(window=self.sealer.window + timedelta(seconds=5), floor=p.clock.now())
        self._filings: dict[int, dict[str, Any]] = {}

    def warm(self) -> None:
        """Load and parse the filings that may settle, and run the crypto once, so the first real
        request is not slow (it has the medical side's time budget to keep)."""
        with self.platform.uow(readonly=True) as uow:
            for filing in repo.filings(uow.conn, statuses=tuple(st.value for st in SETTLING_STATUSES)):
                product_of(filing)
                self._filings[filing["id"]] = filing
        signer = self.sealer.signer
        signer.public_key().verify(signer.sign(b"warm"), b"warm")

    def handle(self, path: str, raw: bytes) -> bytes:
        """Answer one envelope. Raises :class:`EnvelopeError` for one that must not be trusted
        (the HTTP layer answers 400 without a signed body)."""
        header, message = self.sealer.open(raw, self.platform.clock.now(), guard=self.guard)
        kind = str(header["kind"])
        if path != f"/channel/{kind}" or kind not in KINDS:
            raise EnvelopeError(f"a {kind!r} envelope does not belong at {path}")
        try:
            reply_kind, reply = KINDS[kind], self._answer(kind, Reader(message, "message"))
        except InvalidInput as exc:
            reply_kind, reply = REFUSED, {"reason": str(exc)}
        sealed, _ = self.sealer.seal(reply_kind, reply, self.platform.clock.now(), in_reply_to=str(header["msg_id"]))
        return sealed

    def _answer(self, kind: str, message: Reader) -> dict[str, Any]:
        ref = message.child("filing")
        assert ref is not None
        filing = self._filing(ref)
        data = message.child("data")
        assert data is not None
        if kind == "result":
            return {"setl_id": data.req_text("setl_id"), "product_id": filing["product_id"]}
        shape = message.req_text("shape")
        wanted = MINIMUM if filing["route"] == Route.DUAL_PLATFORM else filing["granularity"]
        if shape != wanted:
            raise InvalidInput("message.shape", f"the filing's route sends {wanted}, not {shape}")
        product = product_of(filing)
        coverage = message.child("coverage")
        assert coverage is not None
        result = adjudicate_projected(product, read_coverage(product.id, coverage), read_projection(shape, data))
        return adjudicated(result)

    def _filing(self, ref: Reader) -> dict[str, Any]:
        filing_id = ref.integer("id")
        found = self._filings.get(filing_id)
        if found is None:
            with self.platform.uow(readonly=True) as uow:
                found = repo.filing(uow.conn, filing_id)
            if found is None:
                raise InvalidInput(ref.at("id"), f"no filing {filing_id}")
            self._filings[filing_id] = found
        if found["sha256"] != ref.req_text("sha256") or found["product_id"] != ref.req_text("product_id"):
            raise InvalidInput(ref.at("sha256"), "does not match the filed rule file")
        return found
