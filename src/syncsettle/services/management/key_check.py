"""Are the configured keys the ones this database was sealed with?

Production mode on a database sealed under other keys used to report ready and then answer every
1101 with a 500 (issue 15, defect 9). At start and in the readiness probe the platform now opens one
sealed person (name and certificate number, ``sm4.pii``), checks the blind index of that person's
certificate number (``hmac.blind_index``) and opens one hospital's sealed gateway token: any
failure means the keys do not match, and the server refuses to start, with the reason. An empty
database has nothing to check and passes.
"""

from __future__ import annotations

from syncsettle.adapters.crypto import DecryptionError
from syncsettle.adapters.db.settlement import gateway, people
from syncsettle.adapters.gateway_tokens import open_token
from syncsettle.services.platform import Platform


class KeyMismatch(RuntimeError):
    """The configured keys cannot open what the database holds."""


def key_mismatch(p: Platform) -> str | None:
    """Why the keys do not fit the database, or ``None`` when they do (or there is nothing sealed yet)."""
    with p.uow(readonly=True) as uow:
        person = people.first_person(uow.conn)
        hospital = gateway.first_sealed_hospital(uow.conn)
    if person is not None:
        try:
            opened = p.pii.open(person)
        except DecryptionError:
            return f"sm4.pii 密钥无法解开已加密的人员信息（{person['psn_no']}）：配置的密钥不是封存该数据库时的密钥"
        if p.pii.certno_index(opened["certno"]) != person["certno_bidx"]:
            return "hmac.blind_index 密钥与数据库中的证件号索引不符：配置的密钥不是建库时的密钥"
    if hospital is not None and hospital.secret_sealed is not None:
        try:
            open_token(p.settings.keys.sm4("pii"), hospital.fixmedins_code, hospital.secret_sealed)
        except DecryptionError:
            return f"sm4.pii 密钥无法解开机构 {hospital.fixmedins_code} 的网关凭证：配置的密钥不是封存时的密钥"
    return None


def require_matching_keys(p: Platform) -> None:
    reason = key_mismatch(p)
    if reason is not None:
        raise KeyMismatch(reason)
