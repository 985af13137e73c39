"""Audit-log endpoints shared by the parties: an entry's inclusion proof (for the person it is
about, the insurer that received the data, a regulator of the person's region, the operator), the
signed checkpoints, and signing one now (operator)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from syncsettle.domain.identity import Principal, Role
from syncsettle.entrypoints.http.auth import platform_of, require
from syncsettle.entrypoints.http.params import DbId
from syncsettle.services.management import audit_proofs
from syncsettle.services.management.audit_proofs import proof
from syncsettle.services.management.audit_seal import checkpoint, public_checkpoint

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("/entries/{entry_id}/proof", summary="Inclusion proof of one entry against a signed checkpoint")
def entry_proof(
    entry_id: DbId, request: Request,
    who: Principal = Depends(require(Role.INSURED, Role.INSURER, Role.REGULATOR, Role.OPERATOR)),
) -> dict[str, Any]:  # fmt: skip
    return proof(platform_of(request), who, entry_id)


@router.get("/checkpoints", summary="Every signed checkpoint (tree size, root, chain head, time, signature)")
def checkpoints(
    request: Request, _who: Principal = Depends(require(Role.REGULATOR, Role.OPERATOR))
) -> list[dict[str, Any]]:
    return audit_proofs.checkpoints(platform_of(request))


@router.post("/checkpoints", summary="Seal what is committed and sign the tree head now")
def sign_now(request: Request, _who: Principal = Depends(require(Role.OPERATOR))) -> dict[str, Any] | None:
    row = checkpoint(platform_of(request))
    return public_checkpoint(row) if row else None
