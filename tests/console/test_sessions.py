"""Console sessions: an HMAC-SM3-signed cookie (HttpOnly, SameSite=Lax) that a changed byte, another
key, the expiry or a revoked credential ends; each role lands on its own pages and sees only its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from syncsettle.domain.identity import Principal, Role
from syncsettle.services.management import identity, sessions
from tests.console.seed import Seeded

KEY = bytes(range(32))
NOW = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)
ALICE = Principal(Role.INSURED, "P0001", "测试", "cr_0123456789abcdef")


def test_a_sealed_session_opens_until_it_expires() -> None:
    value = sessions.seal(KEY, ALICE.credential_id, "print", NOW + timedelta(hours=8))
    assert sessions.open_session(KEY, value, NOW) == (ALICE.credential_id, "print")
    assert sessions.open_session(KEY, value, NOW + timedelta(hours=8)) is None
    assert sessions.open_session(bytes(32), value, NOW) is None


def test_a_changed_payload_or_tag_is_refused() -> None:
    value = sessions.seal(KEY, ALICE.credential_id, "print", NOW + timedelta(hours=8))
    body, tag = value.split(".")
    forged = sessions.seal(bytes(32), "cr_someoneelse", "print", NOW + timedelta(hours=8))
    assert sessions.open_session(KEY, f"{forged.split('.')[0]}.{tag}", NOW) is None
    assert sessions.open_session(KEY, f"{body}.{tag[:-1]}{'A' if tag[-1] != 'A' else 'B'}", NOW) is None
    for junk in ("", ".", "abc", "abc.def", "%%%.%%%", value + "x"):
        assert sessions.open_session(KEY, junk, NOW) is None


def _forge(payload: dict[str, object], key: bytes) -> str:
    """A cookie as someone who knows the signing key (the public development keys) would make it."""
    import base64
    import json

    from syncsettle.adapters.crypto.sm3 import hmac_sm3

    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=").decode()
    tag = base64.urlsafe_b64encode(hmac_sm3(key, body.encode())).rstrip(b"=").decode()
    return f"{body}.{tag}"


def test_a_cookie_signed_with_the_key_but_forged_gives_no_session(seeded: Seeded) -> None:
    """Issue 15 defect 2: role and tenant in the cookie used to be believed. A forger holding the
    signing key, naming a real credential id with role operator, gets nothing: the server takes who
    it is from the credential, and the fingerprint of its secret cannot be guessed."""
    p = seeded.world.platform
    key = p.settings.keys.hmac(sessions.KEY)
    insured_id = seeded.tokens["insured"].split(".")[0]
    expires = int((p.clock.now() + timedelta(hours=1)).timestamp())
    old_style = _forge({"c": insured_id, "r": "operator", "t": "*", "n": "x", "e": expires}, key)
    guessed = _forge({"c": insured_id, "v": "A" * 22, "e": expires}, key)
    for cookie in (old_style, guessed):
        client = TestClient(seeded.world.app)
        client.cookies.set(sessions.COOKIE, cookie)
        assert client.get("/console/overview", follow_redirects=False).status_code == 303
        assert client.get("/console/me", follow_redirects=False).status_code == 303
    assert sessions.resume(p, old_style) is None and sessions.resume(p, guessed) is None


def test_the_session_is_whoever_the_credential_is_now(seeded: Seeded, login: Callable[[str], TestClient]) -> None:
    client = login("insured")
    assert client.get("/api/me").json()["role"] == "insured"  # from the credential, not from the cookie
    cookie = client.cookies.get(sessions.COOKIE)
    assert cookie is not None and sessions.resume(seeded.world.platform, cookie) is not None
    payload = cookie.split(".")[0]
    import base64
    import json

    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(fields) == {"c", "v", "e"}  # no role, tenant or name to believe


def test_login_sets_an_httponly_lax_cookie_and_lands_on_the_roles_page(seeded: Seeded) -> None:
    client = TestClient(seeded.world.app)
    homes = {"operator": "/console/overview", "regulator": "/console/overview", "hospital": "/console/hospital",
             "insured": "/console/me", "insurer": "/console/insurer"}  # fmt: skip
    for role, home in homes.items():
        client.cookies.clear()
        response = client.post("/console/login", data={"token": seeded.tokens[role]}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == home
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
        assert client.get(home).status_code == 200


def test_wrong_token_no_session_and_foreign_next_are_refused(seeded: Seeded) -> None:
    client = TestClient(seeded.world.app)
    assert client.post("/console/login", data={"token": "cr_nobody.secret"}).status_code == 401
    bounced = client.get("/console/overview", follow_redirects=False)
    assert bounced.status_code == 303 and bounced.headers["location"].startswith("/console/login?next=")
    assert client.get("/console/overview", headers={"HX-Request": "true"}).status_code == 401
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil"):
        response = client.post("/console/login", data={"token": seeded.tokens["insured"], "next": target},
                               follow_redirects=False)  # fmt: skip
        assert response.headers["location"] == "/console/me"
    response = client.post("/console/login", data={"token": seeded.tokens["insured"], "next": "/console/me?days=30"},
                           follow_redirects=False)  # fmt: skip
    assert response.headers["location"] == "/console/me?days=30"


def test_logout_and_revocation_end_the_session(seeded: Seeded, login: Callable[[str], TestClient]) -> None:
    client = login("insured")
    assert client.get("/console/me").status_code == 200
    client.post("/console/logout")
    assert client.get("/console/me", follow_redirects=False).status_code == 303
    operator = login("operator")
    identity.revoke(seeded.world.platform, seeded.tokens["operator"].split(".")[0])
    assert operator.get("/console/overview", follow_redirects=False).status_code == 303


def test_each_role_opens_only_its_pages(login: Callable[[str], TestClient]) -> None:
    allowed = {
        "operator": {"/console/overview"}, "regulator": {"/console/overview", "/console/reviews"},
        "hospital": {"/console/hospital"}, "insured": {"/console/me"}, "insurer": {"/console/reviews"},
    }  # fmt: skip
    pages = set().union(*allowed.values())
    for role, mine in allowed.items():
        client = login(role)
        for path in pages:
            assert client.get(path).status_code == (200 if path in mine else 403), (role, path)


def test_a_console_session_also_authenticates_the_json_api(login: Callable[[str], TestClient]) -> None:
    assert login("insured").get("/api/me").json()["tenant"] == "P0001"


def test_pages_show_only_the_callers_own_settlements(seeded: Seeded, login: Callable[[str], TestClient]) -> None:
    ids = {name: answer["setlinfo"]["setl_id"] for name, answer in seeded.settled.items()}
    hospital = login("hospital").get("/console/hospital").text
    assert ids["inpatient"] in hospital and ids["ulanqab"] not in hospital
    mine = login("insured").get("/console/me").text
    assert ids["inpatient"] in mine and ids["account"] not in mine and ids["ulanqab"] not in mine
    assert "烟台市民健康保 2025" in mine  # the person's policy


def test_every_console_route_declares_its_roles(seeded: Seeded) -> None:
    from fastapi.routing import APIRoute

    from syncsettle.entrypoints.console.auth import page_roles

    public = {"/", "/console/login", "/console/logout", "/verify"}
    for route in seeded.world.app.routes:
        if isinstance(route, APIRoute) and route.path.startswith(("/console", "/verify")):
            assert route.path in public or page_roles(route), route.path


BUREAU_PAGES = {  # the bureau's pages (pages-bureau): who may open which
    "/console/filings": {"regulator"},
    "/console/clearing": {"operator"},
    "/console/reserves": {"operator", "regulator"},
    "/console/data-uses": {"operator", "regulator"},
    "/console/pending": {"operator", "insurer"},
    "/console/reconciliation": {"operator"},
    "/console/reconciliation/mine": {"hospital"},
}


def test_each_role_opens_only_its_bureau_pages(login: Callable[[str], TestClient]) -> None:
    for role in ("operator", "regulator", "hospital", "insured", "insurer"):
        client = login(role)
        for path, roles in BUREAU_PAGES.items():
            assert client.get(path).status_code == (200 if role in roles else 403), (role, path)


def test_each_role_opens_only_its_pages_insured_and_hospital(
    seeded: Seeded, login: Callable[[str], TestClient]
) -> None:
    """The 参保人与医院 rows of the matrix: the insured person's 我的授权 and 谁用了我的数据 (and a
    consent's receipt and revoke confirmation), the hospital's settlement detail."""
    from syncsettle.services.commercial import consents
    from tests.commercial.actors import insured

    consent = str(consents.mine(seeded.world.platform, insured("P0001"))[0]["id"])
    detail = f"/console/hospital/settlements/{seeded.inpatient_setl_id}"
    insured_pages = {"/console/consents", "/console/my-data-uses", f"/console/consents/{consent}",
                     f"/console/consents/{consent}/revoke"}  # fmt: skip
    allowed = {"operator": set(), "regulator": set(), "insurer": set(), "hospital": {detail}, "insured": insured_pages}
    for role, mine in allowed.items():
        client = login(role)
        for path in insured_pages | {detail}:
            assert client.get(path).status_code == (200 if path in mine else 403), (role, path)


def test_each_role_opens_only_its_insurer_and_actuarial_pages(
    seeded: Seeded, login: Callable[[str], TestClient]
) -> None:
    """The insurer's pages (商保), 精算分析 and 产品测算: rows of the access matrix above."""
    analysts = {"/console/actuarial", "/console/replays"}
    insurer = {"/console/insurer", "/console/insurer/products", "/console/insurer/claims",
               "/console/insurer/statements"} | analysts  # fmt: skip
    allowed = {"operator": set(), "regulator": analysts, "hospital": set(), "insured": set(), "insurer": insurer}
    for role, mine in allowed.items():
        client = login(role)
        for path in sorted(insurer):
            assert client.get(path).status_code == (200 if path in mine else 403), (role, path)


def test_an_insurer_cannot_open_another_insurers_product_job_or_figures(
    seeded: Seeded, login: Callable[[str], TestClient]
) -> None:
    from syncsettle.services.commercial import filings

    p = seeded.world.platform
    operator = Principal(Role.OPERATOR, "*", "值班", "cr_op")
    rows = filings.listing(p, operator)
    theirs = next(r for r in rows if r["insurer_id"] != "yantai-hmb")
    mine = next(r for r in rows if r["insurer_id"] == "yantai-hmb")
    client = login("insurer")
    assert client.get(f"/console/insurer/products/{mine['id']}").status_code == 200
    assert client.get(f"/console/insurer/products/{theirs['id']}").status_code == 403
    assert client.get(f"/console/insurer/products/{theirs['id']}/rules.yaml").status_code == 403
    assert client.get("/console/insurer/products/999999").status_code == 404
    other = f"/console/actuarial?run=1&product={theirs['product_id']}&from=2025-01-01&to=2025-06-30"
    assert client.get(other).status_code == 403
    assert client.get("/console/actuarial?run=1&product=no-such&from=2025-01-01&to=2025-06-30").status_code == 404
    assert "no-such" not in client.get("/console/insurer/products").text
    their_token = identity.issue(p, Role.INSURER, theirs["insurer_id"], "另一家商保机构")[1]
    stranger = TestClient(seeded.world.app)
    stranger.post("/console/login", data={"token": their_token})
    assert theirs["product_id"] not in client.get("/console/insurer/products").text
    assert mine["product_id"] not in stranger.get("/console/insurer/products").text
    assert client.get("/console/replays/JBNOSUCHJOB").status_code == 404
