"""Credentials for the APIs and the console, and authentication of a bearer token.

A token is ``<credential id>.<secret>``; only the SHA-256 of the secret is stored, so a token is
shown once, when issued. Hospitals authenticate the same way with ``<fixmedins_code>.<secret>``
using the secret ``syncsettle hospital add`` printed (the national interface keeps taking the bare
secret with the ``fixmedins_code`` of the envelope).
"""

from __future__ import annotations

import secrets

from syncsettle.adapters.credentials import hash_secret, matches
from syncsettle.adapters.db.management import identity as repo
from syncsettle.adapters.db.settlement import people
from syncsettle.domain.identity import ALL, Principal, Role
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

TENANT_HINT = {
    Role.INSURED: "psn_no",
    Role.INSURER: "insurer id",
    Role.REGULATOR: "region code (6 digits) or *",
    Role.OPERATOR: "*",
}


def _check_tenant(role: Role, tenant: str) -> None:
    if not tenant:
        raise ServiceError(Code.FIELD, f"{role.value} 需要 tenant（{TENANT_HINT.get(role, '')}）", "tenant")
    if role is Role.REGULATOR and tenant != ALL and not (len(tenant) == 6 and tenant.isdigit()):
        raise ServiceError(Code.FIELD, "医保部门的 tenant 必须是 6 位区划代码或 *", "tenant")
    if role is Role.OPERATOR and tenant != ALL:
        raise ServiceError(Code.FIELD, "清分结算中心的 tenant 必须是 *", "tenant")


def issue(p: Platform, role: Role, tenant: str, name: str) -> tuple[str, str]:
    """Issue a credential; returns ``(credential id, token)``. The token is shown once."""
    if role is Role.HOSPITAL:
        raise ServiceError(Code.FIELD, "医院凭证由 `syncsettle hospital add` 签发", "role")
    _check_tenant(role, tenant)
    credential_id = f"cr_{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(24)
    with p.uow() as uow:
        if role is Role.INSURED and people.person(uow.conn, tenant) is None:
            raise ServiceError(Code.NOT_FOUND, f"人员编号 {tenant} 不存在", "tenant")
        repo.add(
            uow.conn,
            {"id": credential_id, "role": role.value, "tenant": tenant, "name": name or tenant,
             "secret_hash": hash_secret(secret), "created_at": p.clock.now(), "revoked_at": None},
        )  # fmt: skip
        uow.commit()
    return credential_id, f"{credential_id}.{secret}"


def revoke(p: Platform, credential_id: str) -> None:
    with p.uow() as uow:
        if repo.revoke(uow.conn, credential_id, p.clock.now()) != 1:
            raise ServiceError(Code.NOT_FOUND, f"凭证 {credential_id} 不存在或已注销", "credential_id")
        uow.commit()


def authenticate(p: Platform, token: str) -> Principal:
    """The principal a bearer token stands for, or ``ServiceError(UNAUTHORISED)``."""
    credential_id, _, secret = token.strip().partition(".")
    if not credential_id or not secret:
        raise ServiceError(Code.UNAUTHORISED, "凭证格式应为 <凭证编号>.<密钥>")
    with p.uow(readonly=True) as uow:
        row = repo.get(uow.conn, credential_id) if credential_id.startswith("cr_") else None
        hospital = None if row is not None else uow.hospitals.get(credential_id)
    if row is not None:
        if row["revoked_at"] is None and matches(secret, row["secret_hash"]):
            return Principal(Role(row["role"]), row["tenant"], row["name"], row["id"])
    elif hospital is not None and matches(secret, hospital.secret_hash):
        code = hospital.fixmedins_code
        return Principal(Role.HOSPITAL, code, hospital.fixmedins_name, code)
    raise ServiceError(Code.UNAUTHORISED, "凭证无效或已注销")
